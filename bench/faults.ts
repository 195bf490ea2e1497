/**
 * A fault run: 300 queries × 10 candidates × 2 models × top_n {3, 10} (1,200 tasks) against a
 * separate `serve --fail-rate 0.1 --drop-rate 0.02 --rate-limit 200` process, at -j 64 and -j 256,
 * each compared with a clean run (a fault-free server) of the same set. For each: tasks lost (failed
 * or missing), whether every variant's metrics equal the clean run's, the retries spent (attempts
 * beyond the first, from results.jsonl), and the effective concurrency the run reports. Both runs
 * use --retries 5 (see run()).
 *
 *   node bench/run.mjs faults     (or: npm run build && npx tsx bench/faults.ts)
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServe } from "./serve-process.js";

const QUERIES = 300;
const CANDIDATES = 10;
const DATA = "bench/data";
const FAULTS = ["--fail-rate", "0.1", "--drop-rate", "0.02", "--rate-limit", "200", "--seed", "3"];

if (!existsSync("dist/cli/main.js")) {
  console.error("bench/faults: build first (npm run build)");
  process.exit(1);
}

function generate(path: string): void {
  if (existsSync(path)) return;
  const rows = ["query_id,query,doc_id,document,label"];
  for (let q = 1; q <= QUERIES; q++)
    for (let d = 1; d <= CANDIDATES; d++) {
      const label = (q * 7 + d * 3) % 11 === 0 ? 2 : (q + d) % 5 === 0 ? 1 : 0;
      rows.push(
        `q${q},query ${q} about topic ${q % 37} and ${q % 3},q${q}-d${d},passage ${d} on topic ${(q + d) % 37} for query ${q},${label}`,
      );
    }
  writeFileSync(path, `${rows.join("\n")}\n`);
}

interface Outcome {
  code: number | null;
  wallS: number;
  report: {
    variants: { id: string; metrics: Record<string, { mean: number }>; failures?: unknown }[];
    failures?: { count?: number; tasks?: number };
    concurrency?: unknown;
  };
  records: { variant: string; qid: string; attempts: number; error?: unknown }[];
}

function run(url: string, j: number, out: string): Promise<Outcome> {
  const args = ["dist/cli/main.js", "run", "--dataset", csv, "--endpoint", `${url}/rerank`];
  args.push("--model", "bm25", "--model", "tfidf", "--top-n", "3", "--top-n", "10");
  // 10 % 503s and 2 % resets fail 12 % of attempts: with the default 3 retries (4 attempts) a task
  // is lost with probability 0.12⁴, about 0.25 of 1,200 tasks per run; 5 retries make it 0.004.
  // 429s no longer spend this budget (they have their own, by time).
  args.push("-j", String(j), "--retries", "5", "--out", out, "--quiet");
  rmSync(out, { recursive: true, force: true });
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  return new Promise((resolve, reject) =>
    child.on("close", (code) => {
      const wallS = (performance.now() - started) / 1000;
      if (!existsSync(join(out, "report.json")))
        return reject(new Error(`run -j ${j}: no report (${stderr})`));
      const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
      const records = readFileSync(join(out, "results.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      resolve({ code, wallS, report, records });
    }),
  );
}

const metricsOf = (o: Outcome) =>
  JSON.stringify(
    o.report.variants.map((v) => [v.id, Object.entries(v.metrics).map(([m, x]) => [m, x.mean])]),
  );

mkdirSync(DATA, { recursive: true });
const csv = join(DATA, `faults-${QUERIES}.csv`);
generate(csv);
const clean = await startServe([]);
let reference: Outcome;
try {
  reference = await run(clean.url, 16, join(DATA, "faults-clean"));
} finally {
  clean.child.kill("SIGTERM");
}
const tasks = reference.records.filter((r) => r.variant !== "first-stage").length;
console.log(
  `${QUERIES} queries × ${CANDIDATES} candidates × 2 models × top_n {3, 10}: ${tasks} tasks; serve ${FAULTS.join(" ")}`,
);
console.log("-j    exit  lost  metrics = clean  retries  wall s  effective concurrency");
for (const j of [64, 256]) {
  const faulty = await startServe(FAULTS);
  try {
    const o = await run(faulty.url, j, join(DATA, `faults-j${j}`));
    const api = o.records.filter((r) => r.variant !== "first-stage");
    const ok = new Set(api.filter((r) => !r.error).map((r) => `${r.variant}\u0000${r.qid}`));
    const lost = tasks - ok.size;
    const retries = api.reduce((s, r) => s + Math.max(0, r.attempts - 1), 0);
    const same = metricsOf(o) === metricsOf(reference);
    const c = o.report.concurrency as { max: number; min: number; timeline: unknown[] } | null | undefined;
    const conc = c ? `${c.max} → min ${c.min}, ${c.timeline.length} changes` : "(not reported)";
    console.log(
      `${String(j).padEnd(5)} ${String(o.code).padEnd(5)} ${String(lost).padEnd(5)} ${String(same).padEnd(16)} ${String(retries).padEnd(8)} ${o.wallS.toFixed(1).padEnd(7)} ${conc}`,
    );
  } finally {
    faulty.child.kill("SIGTERM");
  }
}
