/**
 * The load sender's figures (issue 12), against `serve` as a SEPARATE process (bench/serve-process.ts)
 * and `rerank-eval load` as another, so neither's work is on the other's event loop:
 *
 * 1. 2,000 requests/s of a 100-document payload (300 bytes each) against `serve --latency-ms 20
 *    --capacity 200`: achieved within 1 % of offered and sender lag p99 under 5 ms (the targets),
 *    for both answer shapes (SHAPES), with --connections 100 (autocannon's connections in 3), ATTEMPTS
 *    times each with the CPU the host took during each (a virtual machine's steal time), beside
 *    the same load with a connection per request in flight (the default), and beside the floor: the
 *    same step loop with a bare undici send (bench/sender-floor.ts) on as many connections, whose lag
 *    is what this machine allows a Node sender;
 * 2. the highest rate it holds on this machine (a sweep upwards, the same two criteria);
 * 3. autocannon (-R, the same rate, payload and route) in the same run, for comparison;
 * 4. the must-show: a sweep against `serve --latency-ms 50 --capacity 8` (160/s) shows latency flat
 *    below 160/s and queueing above, and --find-max-rate --slo "p95<100ms" lands within 10 % of 160.
 *
 *   npm run build && npx tsx bench/load.ts [--duration 10s]
 * Figures depend on the machine's load: `uptime` is printed with them.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { stealDuring } from "../src/load/host-cpu.js";
import type { Report } from "../src/report/types.js";
import { senderFloor } from "./sender-floor.js";
import { startServe } from "./serve-process.js";

const durationArg = process.argv.indexOf("--duration");
const DURATION = durationArg >= 0 ? process.argv[durationArg + 1] : "10s";
/**
 * Section 1's warmup: `load`'s own default. The warmup ramps up from 0 (schedule.ts), so it sends
 * half the requests a full-rate one did, and the bench's first load meets a fresh `serve`: with 3 s,
 * that first load (Cohere shape) fell behind in 3 of 6 runs; with 5 s it held in 3 of 3.
 */
const WARMUP_SECONDS = 5;
const DOCS = 100;
const DOC_BYTES = 300;
/** Sections 1 to 3's connections: rerank-eval's --connections, the floor's and autocannon's. */
const CONNECTIONS = 100;
/**
 * Section 1's measurements of the target, per shape. On this 2-vCPU virtual machine the host takes
 * CPU time now and then (steal): 2,000/s steps that lost under 8 % of it held the 5 ms lag target,
 * most that lost more missed it (src/load/host-cpu.ts), so each shape is measured more than once
 * and every attempt is printed with what the host took.
 */
const ATTEMPTS = 3;

if (!existsSync("dist/cli/main.js")) {
  console.error("bench/load: build first (npm run build)");
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), "rerank-eval-bench-load-"));

function load(args: string[]): Promise<Report> {
  const out = join(work, `out-${Math.random().toString(36).slice(2)}`);
  const child = spawn(process.execPath, ["dist/cli/main.js", "load", ...args, "--out", out, "--quiet"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  return new Promise((resolve, reject) =>
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`load exited ${code}: ${stderr}`));
      else resolve(JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as Report);
    }),
  );
}

/**
 * The two answer shapes the sender meets: Cohere v2's (scores only, as Cohere, Jina, Voyage, TEI and
 * Infinity answer) and vLLM's, which echoes every document (`document: {text}`, as regolo does too),
 * so each answer is ~36 KB instead of ~4 KB to encode on the server and parse in the sender.
 */
const SHAPES = [
  { name: "Cohere v2 answers (scores only)", provider: "cohere", route: "/v2/rerank" },
  { name: "vLLM answers (every document echoed)", provider: "vllm", route: "/rerank" },
] as const;
type Shape = (typeof SHAPES)[number];

const synthetic = (url: string, shape: Shape) => [
  "--provider",
  shape.provider,
  "--endpoint",
  `${url}${shape.route}`,
  "--model",
  "identity",
  "--docs",
  String(DOCS),
  "--doc-bytes",
  String(DOC_BYTES),
];
type Step = NonNullable<Report["load"]>["steps"][number];
const holds = (s: Step) =>
  Math.abs(s.achievedRate - s.offeredRate) / s.offeredRate <= 0.01 && s.senderLag.p99 < 5 && s.dropped === 0;
/** The CPU the host took, as the rows print it (absent off Linux). */
const stolenText = (percent: number | undefined) =>
  percent === undefined ? "" : `  host took ${percent.toFixed(1)} % of the CPU`;
const row = (s: Step) =>
  `${String(s.offeredRate).padStart(6)}/s  achieved ${s.achievedRate.toFixed(1).padStart(8)}/s  ` +
  `p50 ${s.latency.p50.toFixed(1).padStart(7)} ms  p99 ${s.latency.p99.toFixed(1).padStart(7)} ms  ` +
  `lag p50 ${s.senderLag.p50.toFixed(2)} p99 ${s.senderLag.p99.toFixed(2)} max ${s.senderLag.max.toFixed(1)} ms  ` +
  `dropped ${s.dropped} errors ${s.errors}` +
  (s.connectionWait?.waited
    ? `  waited for a connection ${s.connectionWait.waited} (p99 ${s.connectionWait.p99.toFixed(1)} ms)`
    : "") +
  stolenText(s.cpuStolenPercent);
const uptime = () =>
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(", ")} on this machine`;

async function sender(): Promise<void> {
  const { child, url } = await startServe(["--latency-ms", "20", "--capacity", "200"]);
  const seconds =
    Number.parseFloat(DURATION) * (DURATION.endsWith("ms") ? 0.001 : DURATION.endsWith("m") ? 60 : 1);
  const body = JSON.stringify({
    model: "identity",
    query: "river mountain city",
    documents: Array.from(
      { length: DOCS },
      (_, i) => `${"lorem ipsum ".repeat(25).slice(0, DOC_BYTES - 4)} ${i}`,
    ),
  });
  try {
    for (const [n, shape] of SHAPES.entries()) {
      console.log(
        `\n1${"ab"[n]}. ${shape.name}: 2,000/s of ${DOCS} documents × ${DOC_BYTES} bytes against serve --latency-ms 20 --capacity 200 (${DURATION}, warmup ${WARMUP_SECONDS}s); ${uptime()}`,
      );
      const at2000 = [...synthetic(url, shape), "--rate", "2000", "--duration", DURATION];
      const warm = ["--warmup", `${WARMUP_SECONDS}s`];
      let met = 0;
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const r = await load([...at2000, ...warm, "--connections", String(CONNECTIONS)]);
        const s = (r.load as NonNullable<Report["load"]>).steps[0];
        if (holds(s)) met++;
        console.log(`   rerank-eval load --connections ${CONNECTIONS} (${attempt}/${ATTEMPTS})  ${row(s)}`);
        console.log(
          `      target (achieved within 1 %, lag p99 < 5 ms): ${holds(s) ? "MET" : "NOT MET"}; process CPU ${r.timing.rerankCpuSeconds?.toFixed(1)} s`,
        );
      }
      console.log(`   target met in ${met} of ${ATTEMPTS}`);
      // The default: a connection for every request in flight, however many a stall leaves waiting.
      const d = await load([...at2000, ...warm]);
      const ds = (d.load as NonNullable<Report["load"]>).steps[0];
      console.log(
        `   rerank-eval load (a connection per request in flight, the default)  ${row(ds)}  ${holds(ds) ? "held" : "not held"}`,
      );
      // The floor: the same step loop with a bare undici send, answers parsed (or only read).
      for (const parse of [true, false]) {
        const [f, stolen] = await stealDuring(() =>
          senderFloor(
            `${url}${shape.route}`,
            body,
            { rate: 2000, seconds, warmupSeconds: WARMUP_SECONDS, connections: CONNECTIONS },
            parse,
          ),
        );
        console.log(
          `   floor (${CONNECTIONS} connections), ${parse ? "answers parsed" : "answers read only"}: achieved ${f.achievedRate.toFixed(1)}/s  ` +
            `p50 ${f.latency.p50.toFixed(1)} ms  p99 ${f.latency.p99.toFixed(1)} ms  ` +
            `lag p50 ${f.lag.p50.toFixed(2)} p99 ${f.lag.p99.toFixed(2)} max ${f.lag.max.toFixed(1)} ms${stolenText(stolen)}`,
        );
      }
    }

    for (const shape of SHAPES) {
      console.log(
        `\n2. the highest rate the sender holds (same criteria, --connections ${CONNECTIONS}), ${shape.name}, 5 s steps; ${uptime()}`,
      );
      const sweep = await load([
        ...synthetic(url, shape),
        "--rate",
        "1000,1500,2000,2500,3000,4000",
        "--duration",
        "5s",
        "--warmup",
        "2s",
        "--connections",
        String(CONNECTIONS),
      ]);
      let best = 0;
      for (const st of (sweep.load as NonNullable<Report["load"]>).steps) {
        console.log(`   ${row(st)}${holds(st) ? "  holds" : ""}`);
        if (holds(st)) best = Math.max(best, st.offeredRate);
      }
      console.log(`   highest rate held: ${best || "none"}/s`);
    }

    for (const shape of SHAPES) {
      console.log(
        `\n3. autocannon -R 2000, the same payload, ${shape.name}, ${CONNECTIONS} connections, ${DURATION}; ${uptime()}`,
      );
      const [ac, stolen] = await stealDuring(() =>
        autocannon({
          url: `${url}${shape.route}`,
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          connections: CONNECTIONS,
          overallRate: 2000,
          duration: seconds,
        }),
      );
      console.log(
        `   achieved ${(ac.requests.total / seconds).toFixed(1)}/s  p50 ${ac.latency.p50} ms  p99 ${ac.latency.p99} ms  ` +
          `max ${ac.latency.max} ms  non-2xx ${ac.non2xx} errors ${ac.errors}${stolenText(stolen)}` +
          "  (autocannon times from the actual send: no coordinated-omission correction)",
      );
    }
  } finally {
    child.kill();
  }
}

async function mustShow(): Promise<void> {
  const { child, url } = await startServe(["--latency-ms", "50", "--capacity", "8"]);
  try {
    const target = ["--provider", "vllm", "--endpoint", `${url}/rerank`, "--model", "bm25", "--docs", "20"];
    console.log(`\n4. must-show: serve --latency-ms 50 --capacity 8 (160/s); ${uptime()}`);
    const sweep = await load([
      ...target,
      "--rate",
      "40,80,120,150,170,200,240",
      "--duration",
      DURATION,
      "--warmup",
      "2s",
    ]);
    for (const st of (sweep.load as NonNullable<Report["load"]>).steps) console.log(`   ${row(st)}`);
    const search = await load([
      ...target,
      "--find-max-rate",
      "--slo",
      "p95<100ms",
      "--rate",
      "40",
      "--duration",
      "5s",
      "--warmup",
      "2s",
    ]);
    const l = search.load as NonNullable<Report["load"]>;
    for (const st of l.steps)
      console.log(`   ${st.phase.padEnd(11)} ${row(st)} SLO ${st.sloMet ? "held" : "missed"}`);
    const off = l.maxRate === null ? Number.NaN : Math.abs(l.maxRate - 160) / 160;
    console.log(
      `   --find-max-rate --slo "p95<100ms": ${l.maxRate}/s (${(off * 100).toFixed(1)} % from 160: ${off <= 0.1 ? "within 10 %" : "NOT within 10 %"})`,
    );
  } finally {
    child.kill();
  }
}

try {
  await sender();
  await mustShow();
} finally {
  rmSync(work, { recursive: true, force: true });
}
