/**
 * Times `rerank-eval evaluate` on a MS MARCO-sized run (bench/gen-msmarco.ts): wall time and peak
 * RSS of the built CLI, best of 3, against the target of half of trec_eval (≤ 3.0 s, < 560 MB).
 * Then checks the streaming byte path against the general library path (readRun + scoreRun) on
 * the same files. `npx tsx bench/evaluate.ts` (builds first).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "./gen-msmarco.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist/cli/main.js");
const TARGET_S = 3.0;
const TARGET_MB = 560;
const RUNS = 3;

interface Sample {
  wallS: number;
  rssMB: number | undefined;
  stdout: string;
}

/** One CLI run: /usr/bin/time gives the child's peak RSS; without it, wall time only. */
function timeCli(args: string[]): Sample {
  const haveTime = existsSync("/usr/bin/time");
  const cmd = haveTime ? "/usr/bin/time" : process.execPath;
  const argv = haveTime ? ["-f", "__RSS_KB=%M", process.execPath, cli, ...args] : [cli, ...args];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { encoding: "utf8", maxBuffer: 1 << 28 });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`evaluate failed (${r.status}): ${r.stderr}`);
  const kb = /__RSS_KB=(\d+)/.exec(r.stderr ?? "");
  return { wallS, rssMB: kb ? Number(kb[1]) / 1024 : undefined, stdout: r.stdout };
}

function best(args: string[]): Sample {
  const samples = Array.from({ length: RUNS }, () => timeCli(args));
  const fastest = samples.reduce((a, b) => (b.wallS < a.wallS ? b : a));
  const rss = samples.map((s) => s.rssMB ?? 0);
  return { ...fastest, rssMB: fastest.rssMB === undefined ? undefined : Math.max(...rss) };
}

const build = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root, encoding: "utf8" });
if (build.status !== 0)
  console.error(`warning: build reported errors (timing the emitted dist/ anyway):\n${build.stdout}`);
const data = await generate();
console.log(`data: ${data.run} (${(data.bytes / 1e6).toFixed(1)} MB, 6,980 queries × 1,000), ${data.qrels}`);

const measures = "nDCG@10,RR@10,AP";
const base = ["evaluate", "--qrels", data.qrels, "--run", data.run, "--measures", measures];
const rows: [string, Sample][] = [
  [`evaluate --measures ${measures}`, best(base)],
  ["  … --json (per-query values for every query)", best([...base, "--json"])],
];

const fmt = (s: Sample) =>
  `${s.wallS.toFixed(2).padStart(6)} s  ${s.rssMB === undefined ? "     n/a" : `${s.rssMB.toFixed(0).padStart(5)} MB`}`;
console.log(`\n${"command".padEnd(52)}  wall (best of ${RUNS})  peak RSS (max)`);
for (const [name, s] of rows) console.log(`${name.padEnd(52)}  ${fmt(s)}`);
const main = rows[0][1];
const ok = main.wallS <= TARGET_S && (main.rssMB === undefined || main.rssMB < TARGET_MB);
console.log(
  `target ≤ ${TARGET_S} s and < ${TARGET_MB} MB (trec_eval ≈ 6 s / 560 MB): ${ok ? "met" : "NOT met"}`,
);
console.log(main.stdout.trim());

// The general path (strings, one Ranking per query) must agree with the byte path, value for value.
const { readQrels, readRun } = await import(join(root, "dist/trec/index.js"));
const { scoreRun } = await import(join(root, "dist/metrics/index.js"));
const t0 = performance.now();
const result = scoreRun(await readQrels(data.qrels), await readRun(data.run), measures.split(","), {
  complete: false,
});
const libS = (performance.now() - t0) / 1000;
const fast = JSON.parse(rows[1][1].stdout);
const same = JSON.stringify(fast.perQuery) === JSON.stringify(result.perQuery);
console.log(
  `\nlibrary readRun + scoreRun (strings, in-process): ${libS.toFixed(2)} s; per-query values equal to the CLI's: ${same}`,
);
if (!same || !ok) process.exitCode = 1;
