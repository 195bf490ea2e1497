/**
 * Concurrency efficiency of `rerank-eval run`: 1,000 synthetic queries (10 candidates each) against
 * `serve --latency-ms 50` started as a SEPARATE process, at -j 1, 8, 50, 100. Prints the rerank
 * phase (report.json timing.rerankSeconds) against the ideal queries × 0.05 s / j.
 * -j 1 runs a 100-query sample (--sample 100) and is extrapolated ×10 (1,000 × 50 ms = 50 s otherwise).
 *
 *   npm run build && npx tsx bench/concurrency.ts [--model identity]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const QUERIES = 1000;
const CANDIDATES = 10;
const LATENCY_S = 0.05;
const modelArg = process.argv.indexOf("--model");
const MODEL = modelArg >= 0 ? process.argv[modelArg + 1] : "identity";
const DATA = "bench/data";

if (!existsSync("dist/cli/main.js")) {
  console.error("bench/concurrency: build first (npm run build)");
  process.exit(1);
}

/** Deterministic synthetic set: query q's document d is graded by a fixed rule. */
function generate(path: string): void {
  if (existsSync(path)) return;
  const rows = ["query_id,query,doc_id,document,label"];
  for (let q = 1; q <= QUERIES; q++) {
    for (let d = 1; d <= CANDIDATES; d++) {
      const label = (q * 7 + d * 3) % 11 === 0 ? 2 : (q + d) % 5 === 0 ? 1 : 0;
      rows.push(
        `q${q},synthetic query ${q} about topic ${q % 37},q${q}-d${d},passage ${d} on topic ${(q + d) % 37} for query ${q},${label}`,
      );
    }
  }
  writeFileSync(path, `${rows.join("\n")}\n`);
}

function startServe(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ["dist/cli/main.js", "serve", "--port", "0", "--latency-ms", "50", "--quiet"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      out += c;
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

function run(args: string[]): Promise<{ code: number | null; wallS: number; stderr: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, ["dist/cli/main.js", "run", ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, BENCH_RERANK_KEY: "bench-key-not-secret" },
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  return new Promise((resolve) =>
    child.on("close", (code) => resolve({ code, wallS: (performance.now() - started) / 1000, stderr })),
  );
}

mkdirSync(DATA, { recursive: true });
const csv = join(DATA, `concurrency-${QUERIES}.csv`);
generate(csv);
const { child, url } = await startServe();
const rows: string[][] = [];
try {
  for (const j of [1, 8, 50, 100]) {
    const sample = j === 1 ? 100 : QUERIES;
    const out = join(DATA, `concurrency-j${j}`);
    const args = [
      "--dataset",
      csv,
      "--model",
      MODEL,
      "--endpoint",
      `${url}/rerank`,
      "--api-key-env",
      "BENCH_RERANK_KEY",
    ];
    args.push(
      "-j",
      String(j),
      "--out",
      out,
      "--quiet",
      ...(sample < QUERIES ? ["--sample", String(sample)] : []),
    );
    const r = await run(args);
    if (r.code !== 0) throw new Error(`run -j ${j} exited ${r.code}: ${r.stderr}`);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    const rerank: number = report.timing.rerankSeconds;
    const scale = QUERIES / sample;
    const ideal = (QUERIES * LATENCY_S) / j;
    const p = report.variants[0].latency.query;
    rows.push([
      String(j),
      String(sample),
      (rerank * scale).toFixed(3) + (scale !== 1 ? " (×10)" : ""),
      ideal.toFixed(3),
      ((rerank * scale) / ideal).toFixed(3),
      p.p50.toFixed(1),
      p.p99.toFixed(1),
      report.throughput.queriesPerSecond.toFixed(0),
      r.wallS.toFixed(2),
    ]);
  }
} finally {
  child.kill("SIGTERM");
}

const headers = [
  "-j",
  "queries",
  "rerankSeconds (1,000 q)",
  "ideal s",
  "ratio",
  "p50 ms",
  "p99 ms",
  "queries/s",
  "process wall s",
];
const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join("  ");
console.log(
  `rerank-eval run: ${QUERIES} queries × ${CANDIDATES} candidates, model ${MODEL}, serve --latency-ms 50 (separate process)`,
);
console.log(line(headers));
for (const r of rows) console.log(line(r));
const j50 = rows.find((r) => r[0] === "50");
if (j50)
  console.log(`target at -j 50: ratio ≤ 1.15 → ${Number(j50[4]) <= 1.15 ? "met" : "NOT met"} (${j50[4]})`);
