/**
 * `report DIR` on a load's folder keeps the load section: everything the load measured on the wire
 * (rates, latency percentiles and histograms, sender lag, errors, the SLO) as it was, each step's
 * quality re-scored from results.jsonl when the measures change, and the rest of the load's report
 * (timing, the open-loop convention). A load folder whose report.json is gone or lacks its load
 * section fails in one line with exit 2, writing nothing.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoadStep, Report } from "../../src/report/schema.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { expectRefusal, REPO, runCli } from "../helpers/cli.js";
import { tempDir } from "../run/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let server: RunningServer;
let loadDir: string;
let loaded: Report;
let loadedText: string;
const QUERIES = 10;

const readReport = async (out: string) =>
  JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;
/** A step without its quality: what the load measured on the wire. */
const measured = ({ metrics: _, ...rest }: LoadStep) => rest;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-load-report-"));
  server = await startServer({ latencyMs: 2 });
  loadDir = join(dir, "load");
  // Two steps; each query answered exactly twice per step, so the mean per answer (the load's) is
  // the mean per query (a re-score's, from each query's last answer).
  const r = await runCli([
    "load",
    "--dataset",
    join(REPO, "datasets/tiny-beir"),
    "--candidates",
    "qrels",
    "--provider",
    "vllm",
    "--endpoint",
    `${server.url}/rerank`,
    "--model",
    "bm25",
    "--rate",
    "100,200",
    "--requests",
    String(2 * QUERIES),
    "--warmup",
    "0s",
    "--slo",
    "p99<5s",
    "--out",
    loadDir,
    "--quiet",
  ]);
  expect(r.code, r.stderr).toBe(0);
  loadedText = await readFile(join(loadDir, "report.json"), "utf8");
  loaded = JSON.parse(loadedText) as Report;
  expect(loaded.dataset.queries).toBe(QUERIES);
  expect(loaded.load?.steps).toHaveLength(2);
}, 30_000);

afterAll(async () => {
  await server?.close();
  await cleanup();
});

describe("report DIR of a load folder", () => {
  it("--measures: the measured part as the load wrote it, each step's quality re-scored", async () => {
    const out = join(dir, "rescored");
    const r = await runCli(["report", loadDir, "--measures", "nDCG@10,P@2", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const report = await readReport(out);
    const load = report.load;
    if (!load || !loaded.load) throw new Error("no load section");
    const { steps: _, ...section } = load;
    const { steps: __, ...loadedSection } = loaded.load;
    expect(section).toEqual(loadedSection);
    expect(load.slo?.text).toBe("p99<5s");
    expect(load.steps.map(measured)).toEqual(loaded.load.steps.map(measured));
    for (const [i, step] of load.steps.entries()) {
      const before = loaded.load.steps[i];
      expect(Object.keys(step.metrics)).toEqual(["nDCG@10", "P@2"]);
      // Re-scored from results.jsonl, it equals what the load scored as the answers came.
      expect(step.metrics["nDCG@10"]).toBeCloseTo(before.metrics["nDCG@10"], 10);
      const variant = report.variants.find((v) => v.id === step.variant);
      expect(step.metrics["P@2"]).toBeCloseTo(variant?.metrics["P@2"].mean ?? Number.NaN, 10);
      expect(step.metrics["P@2"]).toBeGreaterThan(0);
    }
    expect(report.measures).toEqual(["nDCG@10", "P@2"]);
    expect(report.timing).toEqual(loaded.timing);
    expect(report.throughput).toEqual(loaded.throughput);
    expect(report.conventions.loop).toBe(loaded.conventions.loop);
    expect(report.conventions.loop).toMatch(/^open loop/);
    expect(report.incomplete).toBeNull();
    expect(report.warnings.some((w) => /quality re-scored from results\.jsonl/.test(w))).toBe(true);
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).toMatch(/## Load/);
    expect(md).toMatch(/\| step +\| offered \/s \|.*\| +P@2 \|/);
    expect(await readFile(join(out, "report.html"), "utf8")).toMatch(/chart-load-latency/);
    // The load folder itself is left as it was.
    expect(await readFile(join(loadDir, "report.json"), "utf8")).toBe(loadedText);
  }, 10_000);

  it("in place with the load's own measures: the load section unchanged, quality as measured", async () => {
    const r = await runCli(["report", loadDir]);
    expect(r.code, r.stderr).toBe(0);
    const report = await readReport(loadDir);
    expect(report.load).toEqual(loaded.load);
    expect(report.timing).toEqual(loaded.timing);
    expect(report.warnings).toEqual(loaded.warnings);
    expect(await readFile(join(loadDir, "report.md"), "utf8")).toMatch(/## Load/);
  }, 10_000);

  it.each([
    ["missing", async (copy: string) => rm(join(copy, "report.json")), /cannot be read/],
    [
      "without its load section",
      async (copy: string) =>
        writeFile(join(copy, "report.json"), JSON.stringify({ ...loaded, load: undefined })),
      /has no load section/,
    ],
  ])("report.json %s: one line naming it, exit 2, nothing written", async (_, spoil, message) => {
    const copy = join(dir, `copy-${Math.random().toString(36).slice(2)}`);
    await mkdir(copy);
    for (const f of ["manifest.json", "results.jsonl", "qrels.txt", "report.json"])
      await copyFile(join(loadDir, f), join(copy, f));
    await spoil(copy);
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const r = await runCli(["report", copy, "--out", out]);
    expectRefusal(r, message, out);
    expect(r.stderr).toMatch(/report\.json/);
    const inPlace = await runCli(["report", copy]);
    expect(inPlace.code).toBe(2);
    expect(existsSync(join(copy, "report.md"))).toBe(false);
  });
});
