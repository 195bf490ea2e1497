/**
 * `rerank-eval load` end to end on real loopback servers: quality under load equals an unloaded
 * run's when nothing is shed, a server that truncates above a rate shows the drop at that step,
 * bad flags fail in one line with exit 2 and nothing written, and Ctrl-C writes a partial report
 * marked incomplete and exits 130.
 */
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/schema.js";
import { buildCli, expectRefusal, REPO, runCli, runCliForReport, startCli } from "../helpers/cli.js";
import { waitFor } from "../helpers/wait.js";
import { EMBEDDED_LOAD, lastRelevantRows, startSheddingServer } from "../load/helpers.js";
import { tempDir, writeCsv } from "../run/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-load-"));
});
afterAll(() => cleanup());

const readReport = async (out: string) =>
  JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;
const TINY = join(REPO, "datasets/tiny-beir");

/** A load of `csv` against a vLLM-speaking test server. */
const vllmLoad = (csv: string, endpoint: string) => [
  "load",
  "--dataset",
  csv,
  "--provider",
  "vllm",
  "--endpoint",
  endpoint,
  "--model",
  "m",
];

describe("load: quality under load", () => {
  it("equals the unloaded run's metrics when nothing is shed", async () => {
    const common = ["--dataset", TINY, "--candidates", "qrels", "--endpoint", "embedded", "--model", "bm25"];
    const runOut = join(dir, "run");
    const { report: unloaded } = await runCliForReport([
      "run",
      ...common,
      "--out",
      runOut,
      "--no-cache",
      "--quiet",
    ]);
    const queries = unloaded.dataset.queries;
    expect(queries).toBeGreaterThan(5);

    const out = join(dir, "load");
    // Every query answered exactly 3 times in the step: the mean per answer is the mean per query.
    const { report } = await runCliForReport([
      "load",
      ...common,
      "--rate",
      "100",
      "--requests",
      String(3 * queries),
      "--warmup",
      "0s",
      "--out",
      out,
      "--quiet",
    ]);
    const step = report.load?.steps[0];
    expect(step?.requests).toBe(3 * queries);
    expect(step?.errors).toBe(0);
    for (const m of ["nDCG@10", "RR@10", "AP"]) {
      const expected = unloaded.variants[0].metrics[m].mean;
      expect(step?.metrics[m]).toBeCloseTo(expected, 10);
      // The step is also a variant of the run-style report, scored per query like a run.
      expect(report.variants[0].metrics[m].mean).toBeCloseTo(expected, 10);
    }
    expect(report.variants[0].id).toBe(step?.variant);
    expect(report.incomplete).toBeNull();
    expect(report.conventions.loop).toMatch(/open loop/);
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).toMatch(/## Load/);
    expect(md).toMatch(/\| step +\| offered \/s \|/);
    for (const f of ["manifest.json", "results.jsonl", "report.html", "qrels.txt"])
      expect(existsSync(join(out, f))).toBe(true);
    // The in-flight bound (default 1000) is the folder's concurrency: a load cycles its payloads, so
    // it is not cut to the number of queries as a run's worker pool is, and nothing warns that it was.
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.config.concurrency).toBe(1000);
    expect(report.warnings.join(" ")).not.toMatch(/concurrency/);
    // One record per (step, query): compact, whatever the rate.
    const lines = (await readFile(join(out, "results.jsonl"), "utf8")).trim().split("\n");
    expect(lines.length).toBe(queries);
  }, 30_000);

  it("shows a truncating server's drop at the step above its rate", async () => {
    const server = await startSheddingServer(25, 2);
    try {
      const csv = await writeCsv(dir, lastRelevantRows(10, 4), "last.csv");
      const out = join(dir, "shed");
      const { run: r, report } = await runCliForReport([
        ...vllmLoad(csv, server.endpoint),
        "--rate",
        "10,60",
        "--duration",
        "1s",
        "--warmup",
        "500ms",
        "--slo",
        "p99<1s",
        "--out",
        out,
      ]);
      const steps = report.load?.steps ?? [];
      expect(steps.map((s) => s.offeredRate)).toEqual([10, 60]);
      expect(steps[0].metrics["nDCG@10"]).toBe(1);
      expect(steps[1].metrics["nDCG@10"]).toBeLessThan(0.2);
      expect(server.truncated).toBeGreaterThan(40);
      // Fast answers: the latency SLO held at both steps; only quality says what happened.
      expect(steps.every((s) => s.sloMet)).toBe(true);
      expect(r.stdout).toMatch(/SLO `p99<1s`/);
    } finally {
      await server.close();
    }
  }, 30_000);
});

/** An embedded load into `out` at `rate`, over `window` (--requests N or --duration D), no warmup. */
const loadInto = (out: string, rate: string, ...window: string[]) => [
  ...EMBEDDED_LOAD,
  "--rate",
  rate,
  ...window,
  "--warmup",
  "0s",
  "--out",
  out,
];

describe("load: --connections", () => {
  it("opens no more connections than it allows on the wire; what waited for one is in the report", async () => {
    // 2 connections to a server answering in 100 ms serve ~20/s: at 40/s for 1 s, requests wait.
    const server = await startSheddingServer(Number.POSITIVE_INFINITY, 0, 100);
    try {
      const csv = await writeCsv(dir, lastRelevantRows(4, 3), "conn.csv");
      const out = join(dir, "conn");
      const { run: r, report } = await runCliForReport([
        ...vllmLoad(csv, server.endpoint),
        "--rate",
        "40",
        "--duration",
        "1s",
        "--warmup",
        "0s",
        "--connections",
        "2",
        "--out",
        out,
      ]);
      expect(server.connections).toBeLessThanOrEqual(2);
      expect(server.mostActive).toBe(2);
      const load = report.load;
      const step = load?.steps[0];
      expect(load?.connections).toBe(2);
      expect(step?.dropped).toBe(0);
      expect(step?.errors).toBe(0);
      expect(step?.connectionWait?.waited).toBeGreaterThan(10);
      expect(step?.connectionWait?.max).toBeGreaterThan(200);
      expect(step?.latency.max).toBeGreaterThan(step?.connectionWait?.max ?? 0);
      expect(step?.metrics["nDCG@10"]).toBe(1);
      expect(report.conventions.loop).toMatch(/at most 2 on the wire/);
      const md = await readFile(join(out, "report.md"), "utf8");
      expect(md).toMatch(/at most 2 on the wire/);
      expect(md).toMatch(/\| waited for a connection \| wait p99 ms \|/);
      expect(r.stderr).toMatch(/waited for a connection \(p99 \d/);
    } finally {
      await server.close();
    }
  }, 30_000);

  it("without it, a load's report says nothing of connection waits", async () => {
    const out = join(dir, "noconn");
    const { report } = await runCliForReport(loadInto(out, "20", "--requests", "5"));
    expect(report.load?.connections).toBe(1000);
    expect(report.load?.steps[0].connectionWait?.waited).toBe(0);
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).not.toMatch(/waited for a connection|on the wire/);
  }, 30_000);
});

describe("load: the host's CPU", () => {
  it("each step records the share of the machine's CPU the host took, where the system tells it", async () => {
    const { report } = await runCliForReport(loadInto(join(dir, "stolen"), "20,40", "--requests", "5"));
    const stolen = report.load?.steps.map((s) => s.cpuStolenPercent) ?? [];
    expect(stolen).toHaveLength(2);
    for (const p of stolen) {
      if (!existsSync("/proc/stat")) expect(p).toBeUndefined();
      else {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(100);
      }
    }
  }, 30_000);
});

describe("load: bad flags", () => {
  it.each([
    [["--rate", "10", "--slo", "p97<1s"], /--slo: unknown percentile 'p97'/],
    [["--rate", "10", "--slo", "p95<500"], /--slo: cannot read 'p95<500'/],
    [["--rate", "10", "--duration", "60"], /--duration must be a time with its unit/],
    [["--rate", "0"], /--rate must be a positive number/],
    [["--rate", "10,abc"], /--rate must be a positive number .* got 'abc'/],
    [[], /no rate: pass --rate/],
    [["--find-max-rate"], /--find-max-rate needs --slo/],
    [["--rate", "10", "--arrival", "burst"], /--arrival must be constant or poisson/],
    [["--rate", "10", "-j", "4"], /does not apply to load/],
    [["--rate", "10", "--max-error-rate", "2"], /--max-error-rate must be a share/],
    [["--rate", "10", "--duration", "1s", "--requests", "5"], /--duration or --requests, not both/],
    [["--rate", "10", "--dataset", "x"], /--docs makes synthetic payloads/],
    [["--rate", "10", "--max-in-flight", "0"], /--max-in-flight must be a positive integer/],
    [["--rate", "10", "--connections", "0"], /--connections must be a positive integer/],
    [
      ["--rate", "10", "--connections", "5", "--max-in-flight", "2"],
      /--connections 5 is above --max-in-flight 2: .*raise --max-in-flight too/,
    ],
  ])("%j: one line, exit 2, nothing written", async (args, message) => {
    const out = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    expectRefusal(await runCli([...EMBEDDED_LOAD, ...args, "--out", out]), message, out);
  });
});

describe("load: a folder a load already wrote", () => {
  const args = (out: string) => loadInto(out, "20", "--requests", "5");

  it("a finished or stopped load's folder is taken again; one killed before its report only with --overwrite", async () => {
    const out = join(dir, "again");
    expect((await runCli(args(out))).code).toBe(0);
    // A load's steps need not reach every query: its folder with a report is no unfinished run.
    expect((await runCli(args(out))).code).toBe(0);
    await rm(join(out, "report.json")); // as after a kill before the report
    const refused = await runCli(args(out));
    expectRefusal(refused, /holds a load that ended before its report: start over with --overwrite/);
    expect(refused.stderr).not.toMatch(/--resume/);
    const { report } = await runCliForReport([...args(out), "--overwrite"]);
    expect(report.load?.steps).toHaveLength(1);
  }, 30_000);

  it("a load killed hard after a step (no report, the manifest still the first one) is refused the same way", async () => {
    const out = join(dir, "killed");
    // In place (a semi-space size of the caller's own): the kill reaches the load itself.
    const { child, done } = startCli(loadInto(out, "20,20,20", "--duration", "1s"), {
      NODE_OPTIONS: "--max-semi-space-size=16",
    });
    // The first step's records are appended when it ends.
    await waitFor(async () => (await readFile(join(out, "results.jsonl"), "utf8").catch(() => "")) !== "");
    child.kill("SIGKILL");
    await done;
    expect(existsSync(join(out, "report.json"))).toBe(false);
    expectRefusal(
      await runCli(args(out)),
      /holds a load that ended before its report: start over with --overwrite/,
    );
    const { report } = await runCliForReport([...args(out), "--overwrite"]);
    expect(report.load?.steps).toHaveLength(1);
  }, 30_000);
});

describe("load: Ctrl-C", () => {
  beforeAll(() => buildCli(), 60_000);

  /**
   * A 60-second load at 20/s into `out`, returned once its step is well under way (its manifest is
   * written before the first request): still sending when the test stops it.
   */
  async function loadUnderWay(out: string, opts: { detached?: boolean } = {}) {
    const started = startCli(loadInto(out, "20", "--duration", "60s"), {}, opts);
    await waitFor(() => existsSync(join(out, "manifest.json")));
    await new Promise((r) => setTimeout(r, 600));
    return started;
  }

  it("writes the partial report marked incomplete and exits 130", async () => {
    const out = join(dir, "interrupted");
    const { child, done } = await loadUnderWay(out);
    child.kill("SIGINT");
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted: the load was stopped; report \(incomplete\)/);
    const report = await readReport(out);
    expect(report.incomplete).not.toBeNull();
    expect(report.load?.steps).toHaveLength(1);
    expect(report.load?.steps[0].requests).toBeGreaterThan(3);
    expect(report.load?.steps[0].requests).toBeLessThan(600);
    expect(report.warnings.join(" ")).toMatch(/interrupted/);
  }, 30_000);

  it("killed hard, the CLI's load child stops as on SIGTERM: its report written, marked incomplete", async () => {
    const out = join(dir, "orphan");
    const { child, done } = await loadUnderWay(out);
    child.kill("SIGKILL");
    await done;
    // The child (the load itself) has 60 s of schedule left: only its own stop writes the report now.
    await waitFor(() => existsSync(join(out, "report.json")));
    const report = await readReport(out);
    expect(report.incomplete).not.toBeNull();
    expect(report.load?.steps[0].requests).toBeLessThan(100);
  }, 30_000);

  it("one Ctrl-C in a terminal (SIGINT to the whole foreground group) is one stop, said once", async () => {
    const out = join(dir, "interrupted-group");
    const { child, done } = await loadUnderWay(out, { detached: true });
    process.kill(-(child.pid as number), "SIGINT");
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr.match(/SIGINT: stopping/g)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/aborting/);
    expect((await readReport(out)).load?.steps).toHaveLength(1);
  }, 30_000);
});
