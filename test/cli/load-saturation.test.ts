/**
 * The must-shows, small enough for CI, against the reference server (src/server) on
 * 127.0.0.1: coordinated omission (a 1 s pause mid-run shows in the open loop's p99, not in the
 * closed-loop run's at the same concurrency), and saturation with --capacity (latency flat below
 * capacity, queueing above it, --find-max-rate within 10 % of it).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { runCli } from "../helpers/cli.js";
import { syntheticRows, tempDir, writeCsv } from "../run/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-load-sat-"));
  csv = await writeCsv(dir, syntheticRows(400, 3));
});
afterAll(() => cleanup());

const readReport = async (out: string) =>
  JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;

/** A 5 ms server that pauses 1 s once it has answered `after` requests. */
async function pausingServer(after: number): Promise<RunningServer> {
  let answered = 0;
  let server: RunningServer | undefined;
  server = await startServer({
    latencyMs: 5,
    log: () => {
      if (++answered === after) server?.pause(1000);
    },
  });
  return server;
}

const target = (s: RunningServer) => [
  "--provider",
  "vllm",
  "--endpoint",
  `${s.url}/rerank`,
  "--model",
  "bm25",
];

/** `rerank-eval load` of the CSV against `server` into `out`, quiet, with the step's own flags. */
const loadInto = (out: string, server: Parameters<typeof target>[0], flags: string[]) =>
  runCli(["load", "--dataset", csv, ...target(server), ...flags, "--out", out, "--quiet"]);

describe("coordinated omission", () => {
  it("open loop: a 1 s pause mid-run shows in p99 (about 1 s)", async () => {
    const server = await pausingServer(60);
    try {
      const out = join(dir, "open");
      const r = await loadInto(out, server, [
        "--rate",
        "100",
        "--duration",
        "2s",
        "--warmup",
        "0s",
        "--max-in-flight",
        "1000",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const step = (await readReport(out)).load?.steps[0];
      // ~100 requests were due during the pause: their latencies from the intended time run up to 1 s.
      expect(step?.latency.p99).toBeGreaterThan(800);
      // About 1 s: the pause, plus the burst of ~100 held requests answered at once on a shared core.
      expect(step?.latency.p99).toBeLessThan(2500);
      expect(step?.requests).toBe(200);
      expect(step?.errors).toBe(0);
    } finally {
      await server.close();
    }
  }, 30_000);

  it("closed loop at the same concurrency: the same pause hides below p99 (only the calls in flight saw it)", async () => {
    const server = await pausingServer(60);
    try {
      const out = join(dir, "closed");
      const r = await runCli([
        "run",
        "--dataset",
        csv,
        ...target(server),
        "-j",
        "2",
        "--no-cache",
        "--out",
        out,
        "--quiet",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const latency = (await readReport(out)).variants[0].latency?.request;
      // The pause happened (the 2 calls in flight waited ~1 s) ...
      expect(latency?.max).toBeGreaterThan(800);
      // ... but 2 of 400 samples are under 1 %: a closed loop's p99 does not see it.
      expect(latency?.p99).toBeLessThan(300);
    } finally {
      await server.close();
    }
  }, 30_000);
});

describe("saturation with --capacity", () => {
  // 200 ms per request, 8 in service: 40 requests/s. Long service times keep a busy CI core's
  // timer jitter (tens of ms) small next to the queueing the test looks for.
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ latencyMs: 200, capacity: 8 });
  });
  afterAll(() => server.close());

  it("latency is flat below capacity and queues above it", async () => {
    const out = join(dir, "sweep");
    const r = await loadInto(out, server, ["--rate", "10,80", "--duration", "1s", "--warmup", "250ms"]);
    expect(r.code, r.stderr).toBe(0);
    const [below, above] = (await readReport(out)).load?.steps ?? [];
    // Below: the service time and little else. Above: 40/s more than the server takes, for 1.25 s.
    expect(below.latency.p50).toBeGreaterThanOrEqual(199);
    expect(below.latency.p95).toBeLessThan(320);
    expect(above.latency.p95).toBeGreaterThan(600);
    expect(above.latency.p95).toBeGreaterThan(2 * below.latency.p95);
    expect(above.achievedRate).toBeLessThan(55);
    expect(below.achievedRate).toBeGreaterThan(8);
  }, 30_000);

  it('--find-max-rate --slo "p95<300ms" lands within 10 % of the capacity', async () => {
    const out = join(dir, "search");
    const r = await loadInto(out, server, [
      "--find-max-rate",
      "--slo",
      "p95<300ms",
      "--rate",
      "30",
      "--search-precision",
      "0.1",
      "--duration",
      "800ms",
      "--warmup",
      "200ms",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const load = (await readReport(out)).load;
    expect(load?.maxRate).not.toBeNull();
    expect(Math.abs((load?.maxRate as number) - 40) / 40).toBeLessThanOrEqual(0.1);
    expect(load?.steps[0].phase).toBe("exponential");
    expect(load?.steps.some((s) => s.phase === "bisection")).toBe(true);
    expect(load?.slo).toEqual({ text: "p95<300ms", percentile: "p95", thresholdMs: 300, maxErrorRate: 0.01 });
    expect(r.stdout).toMatch(/the highest rate that held it: \*\*[\d.]+ requests\/s\*\*/);
  }, 30_000);
});
