/**
 * Streaming at scale (issue 11): peak memory and time of `rerank-eval run` as the labelled set grows,
 * and a run over a 1 GB BEIR corpus with a candidates file of 1,000 queries × 100 documents. Inputs
 * come from bench/gen-scale.ts (seeded, in /tmp; made on first use, reused after).
 *
 * For each set, two child processes: a load alone (loadEvalSet from dist: its wall time and peak
 * RSS), then the whole run under /usr/bin/time (total wall time and peak RSS of the process, which
 * holds the embedded reference server too, since `--endpoint embedded` runs it in-process). With
 * --serve the server is a separate `rerank-eval serve` process and only the run's own memory counts.
 *
 *   npm run build && npx tsx bench/scale.ts [--sizes 10,100,1000] [--beir 1000] [--serve] [-j 16]
 *     [--model bm25] [--load-only]
 *   (--sizes none / --beir 0 skip a part; --model identity keeps the reference server's scoring off
 *   the CPU on a busy machine: the run's memory is the same, the server's work is not)
 *
 * Figures are printed as each step ends: wall time, CPU time (user + system) and peak RSS.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { generateBeir, generateCsv, SCALE_DIR } from "./gen-scale.js";
import { startServe } from "./serve-process.js";

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const SIZES = flag("--sizes", "10,100,1000")
  .split(",")
  .filter((s) => s !== "none" && s !== "")
  .map(Number);
const BEIR_MB = Number(flag("--beir", "1000"));
const J = flag("-j", "16");
const SERVE = process.argv.includes("--serve");
const MODEL = flag("--model", "bm25");
const LOAD_ONLY = process.argv.includes("--load-only");
const TIME = "/usr/bin/time";

if (!existsSync("dist/cli/main.js")) {
  console.error("bench/scale: build first (npm run build)");
  process.exit(1);
}
if (!existsSync(TIME)) {
  console.error(`bench/scale: needs ${TIME} (GNU time) for a child's peak RSS`);
  process.exit(1);
}

function exec(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** Loads the set in a child of its own: wall time and the child's peak RSS. */
async function loadAlone(dataset: string, candidates?: string) {
  const script = `
    const { loadEvalSet } = await import(${JSON.stringify(`${process.cwd()}/dist/datasets/index.js`)});
    const t = performance.now();
    const set = await loadEvalSet(${JSON.stringify(dataset)}, ${JSON.stringify(candidates ? { candidates } : {})});
    const loadMs = performance.now() - t;
    const cpu = process.cpuUsage();
    let pairs = 0;
    for (const ids of set.candidates.values()) pairs += ids.length;
    console.log(JSON.stringify({ loadMs, queries: set.candidates.size, docs: set.docs.size, pairs,
      cpuS: (cpu.user + cpu.system) / 1e6, peakMB: process.resourceUsage().maxRSS / 1024 }));`;
  const r = await exec(process.execPath, ["--input-type=module", "-e", script]);
  if (r.code !== 0) throw new Error(`load of ${dataset} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as {
    loadMs: number;
    cpuS: number;
    queries: number;
    docs: number;
    pairs: number;
    peakMB: number;
  };
}

/** The whole run under GNU time: wall seconds, peak RSS and the report's own timings. */
async function runWhole(dataset: string, endpoint: string, extra: string[] = []) {
  const out = join(SCALE_DIR, "run-out");
  rmSync(out, { recursive: true, force: true });
  const args = ["-f", "%M %e %U %S", process.execPath, "dist/cli/main.js", "run", "--dataset", dataset];
  args.push(
    "--model",
    MODEL,
    "--endpoint",
    endpoint,
    "-j",
    J,
    "--no-cache",
    "--quiet",
    "--out",
    out,
    ...extra,
  );
  const r = await exec(TIME, args);
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [kb, seconds, user, system] = last.split(" ").map(Number);
  if (r.code !== 0) throw new Error(`run on ${dataset} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
  const ndcg = report.variants?.find((v: { id: string }) => v.id === MODEL)?.metrics?.["nDCG@10"]?.mean;
  return {
    peakMB: kb / 1024,
    seconds,
    cpuS: user + system,
    rerankSeconds: report.timing?.rerankSeconds as number,
    ndcg,
  };
}

const mb = (n: number) => `${n.toFixed(0)} MB`;
const s = (n: number) => `${n.toFixed(1)} s`;

let server: Awaited<ReturnType<typeof startServe>> | undefined;
if (SERVE) server = await startServe();
const endpoint = server ? `${server.url}/rerank` : "embedded";
console.log(
  `server: ${server ? `separate process (${server.url})` : "embedded, in the run's process"}; -j ${J}`,
);
try {
  if (SIZES.length) console.log("\nlabelled CSV (20 rows per query, documents 50–400 words)");
  for (const size of SIZES) {
    const csv = await generateCsv({ mb: size });
    const load = await loadAlone(csv.out);
    console.log(
      `${size} MB: ${load.pairs} rows, ${load.queries} queries; load ${s(load.loadMs / 1000)} ` +
        `(CPU ${s(load.cpuS)}), peak ${mb(load.peakMB)}`,
    );
    if (LOAD_ONLY) continue;
    const run = await runWhole(csv.out, endpoint);
    console.log(
      `${size} MB: run ${s(run.seconds)} (CPU ${s(run.cpuS)}, rerank phase ${s(run.rerankSeconds)}), ` +
        `peak ${mb(run.peakMB)}, ${MODEL} nDCG@10 ${run.ndcg?.toFixed(4)}`,
    );
  }
  if (BEIR_MB > 0) {
    const beir = await generateBeir({ mb: BEIR_MB });
    console.log(`\nBEIR corpus ${(beir.bytes / 1e6).toFixed(0)} MB, candidates ${beir.candidates}`);
    const load = await loadAlone(beir.dir, beir.candidates);
    console.log(
      `load: ${s(load.loadMs / 1000)} (CPU ${s(load.cpuS)}), peak ${mb(load.peakMB)}; ${load.queries} queries, ` +
        `${load.pairs} candidates, ${load.docs} documents kept`,
    );
    if (!LOAD_ONLY) {
      const run = await runWhole(beir.dir, endpoint, ["--candidates", beir.candidates]);
      console.log(
        `run: ${s(run.seconds)} (CPU ${s(run.cpuS)}, rerank phase ${s(run.rerankSeconds)}), peak ${mb(run.peakMB)}, ` +
          `${MODEL} nDCG@10 ${run.ndcg?.toFixed(4)}`,
      );
    }
  }
} finally {
  server?.child.kill();
}
