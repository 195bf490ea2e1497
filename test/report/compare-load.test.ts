/**
 * `compare` on two load reports (say TEI against vLLM at the same offered rates): per offered rate
 * each side's latency percentiles, achieved rate, errors and quality and their difference; rates one
 * side alone ran are listed; gates per rate with compare's exit codes; mixing a load report with a
 * run's is one line and exit 2. The reports are hand-made fixtures valid against the load schema.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompareSource } from "../../src/report/compare.js";
import { parseFailOn } from "../../src/report/compare-gates.js";
import { compareLoadReports, isLoadComparison } from "../../src/report/compare-load.js";
import { loadCompareMarkdown } from "../../src/report/compare-load-render.js";
import type { Report } from "../../src/report/types.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../run/helpers.js";
import { report as runReport } from "./fixtures.js";
import { loadReport } from "./load-fixtures.js";

/** TEI: saturates at 160/s; ran 40, 80, 160, 200. */
const tei = () =>
  loadReport({
    model: "bge-reranker",
    endpoint: "http://127.0.0.1:8081/rerank",
    steps: [
      { rate: 40, p50: 50 },
      { rate: 80, p50: 52 },
      { rate: 160, p50: 60 },
      { rate: 200, achieved: 161, p50: 900, errors: 4 },
    ],
  });
/** vLLM: faster at 160/s, but sheds load by truncating at 320/s; ran 40, 80, 160, 320. */
const vllm = () =>
  loadReport({
    model: "bge-reranker",
    endpoint: "http://127.0.0.1:8082/v1/rerank",
    steps: [
      { rate: 40, p50: 40 },
      { rate: 80, p50: 41 },
      { rate: 160, p50: 45, errors: 2 },
      { rate: 320, achieved: 300, p50: 80, truncated: true },
    ],
  });

const source = (label: string, report: Report): CompareSource => ({ label, report, folder: null });

describe("compareLoadReports", () => {
  it("pairs the steps by offered rate: both sides and the difference; one-sided rates listed", () => {
    const r = compareLoadReports(source("tei", tei()), [source("vllm", vllm())], {
      allowDifferentDatasets: false,
      gates: [],
    });
    expect(r.kind).toBe("load");
    expect(r.measure).toBe("nDCG@3");
    expect(r.base.endpoint).toBe("bge-reranker at http://127.0.0.1:8081/rerank");
    const [p] = r.pairs;
    expect(p.rates.map((x) => x.offeredRate)).toEqual([40, 80, 160, 200, 320]);
    expect(p.onlyBase).toEqual([200]);
    expect(p.onlyCandidate).toEqual([320]);
    const at160 = p.rates[2];
    expect(at160.base?.latency.p95).toBeCloseTo(78);
    expect(at160.candidate?.latency.p95).toBeCloseTo(58.5);
    expect(at160.delta?.latency.p95).toBeCloseTo(-19.5);
    expect(at160.delta?.latency.p50).toBeCloseTo(-15);
    expect(at160.delta?.errors).toBe(2);
    expect(at160.delta?.errorRate).toBeCloseTo(2 / 800);
    expect(at160.delta?.achievedRate).toBe(0);
    expect(at160.delta?.quality).toBe(0);
    // One side only: no difference made up.
    expect(p.rates[3]).toMatchObject({ candidate: null, delta: null });
    expect(p.rates[4]).toMatchObject({ base: null, delta: null });
    expect(p.rates[4].candidate?.quality).toBe(0); // the truncated answers' quality
  });

  it("renders one row per rate with base → candidate (Δ), and the one-sided rates", () => {
    const md = loadCompareMarkdown(
      compareLoadReports(source("tei", tei()), [source("vllm", vllm())], {
        allowDifferentDatasets: false,
        gates: [],
      }),
    );
    expect(md).toContain("## tei → vllm");
    expect(md).toContain(
      "| 160 | 160.0 → 160.0 (+0.0) | 60.0 → 45.0 (-15.0) | 78.0 → 58.5 (-19.5) | 96.0 → 72.0 (-24.0) | 120.0 → 90.0 (-30.0) | 150.0 → 112.5 (-37.5) | 0 → 2 (+2) | 0.0 % → 0.3 % (+0.3) | 0.8801 → 0.8801 (+0.0000) |",
    );
    expect(md).toMatch(/\| 200 \(base only\) \| 161\.0 → – \| 900\.0 → – \|/);
    expect(md).toMatch(/\| 320 \(candidate only\) \| – → 300\.0 \|.* – → 0\.0000 \|$/m);
    expect(md).toContain("- Rates only the base ran: 200/s");
    expect(md).toContain("- Rates only the candidate ran: 320/s");
  });

  it("evaluates a gate at every common rate, naming the rate where it fails", () => {
    const measures = tei().measures;
    const r = compareLoadReports(source("vllm", vllm()), [source("tei", tei())], {
      allowDifferentDatasets: false,
      gates: [parseFailOn("p95 > +20%", measures), parseFailOn("failures > 0", measures)],
    });
    const p95 = r.gates.filter((g) => g.gate === "p95 > +20%");
    expect(p95.map((g) => g.pair)).toEqual(["vllm → tei @ 40/s", "vllm → tei @ 80/s", "vllm → tei @ 160/s"]);
    expect(p95.map((g) => g.status)).toEqual(["failed", "failed", "failed"]);
    expect(p95[2].reason).toBe("vllm → tei at 160/s: p95 58.5 → 78.0 ms, +33.3% (gate: p95 > +20%)");
    expect(p95[2].value).toBeCloseTo(19.5 / 58.5);
    // TEI had no errors at the common rates: passes everywhere.
    expect(r.gates.filter((g) => g.gate === "failures > 0").map((g) => g.status)).toEqual([
      "passed",
      "passed",
      "passed",
    ]);
  });

  it("refuses a load report against a run's, drift and cost gates, and other datasets", () => {
    expect(isLoadComparison(source("a", tei()), [source("b", vllm())])).toBe(true);
    expect(isLoadComparison(source("a", runReport()), [source("b", runReport())])).toBe(false);
    expect(() => isLoadComparison(source("a", tei()), [source("run", runReport())])).toThrow(
      "a is a load report and run is not; compare takes reports of one kind",
    );
    const other = tei();
    other.dataset.fingerprint = "cd".repeat(32);
    expect(() =>
      compareLoadReports(source("a", tei()), [source("b", other)], {
        allowDifferentDatasets: false,
        gates: [],
      }),
    ).toThrow("dataset fingerprint");
    expect(() =>
      compareLoadReports(source("a", tei()), [source("b", vllm())], {
        allowDifferentDatasets: false,
        gates: [parseFailOn("cost > +10%", tei().measures)],
      }),
    ).toThrow("cost gates do not apply");
  });
});

describe("rerank-eval compare A B on load reports", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let a: string;
  let b: string;
  let run: string;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir("rerank-eval-compare-load-"));
    a = join(dir, "tei.json");
    b = join(dir, "vllm.json");
    run = join(dir, "run.json");
    await writeFile(a, JSON.stringify(tei()));
    await writeFile(b, JSON.stringify(vllm()));
    await writeFile(run, JSON.stringify(runReport()));
  });
  afterAll(() => cleanup());

  it("writes compare.md and compare.json, prints the common rates, exit 0", async () => {
    const out = join(dir, "cmp");
    const r = await runCli(["compare", a, b, "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${a} → ${b}`);
    expect(r.stdout).toContain("  160/s  p95 78.0 → 58.5 ms  achieved 160.0 → 160.0/s  errors 0 → 2");
    expect(r.stdout).toContain("only the base ran 200/s");
    expect(r.stdout).toContain("only the candidate ran 320/s");
    const md = await readFile(join(out, "compare.md"), "utf8");
    expect(md.startsWith("# rerank-eval compare: load")).toBe(true);
    const json = JSON.parse(await readFile(join(out, "compare.json"), "utf8"));
    expect(json.kind).toBe("load");
    expect(json.pairs[0].rates).toHaveLength(5);
  });

  it("a failed gate is exit 1 naming the rate; JUnit has one testcase per rate", async () => {
    const junit = join(dir, "junit.xml");
    const r = await runCli([
      "compare",
      b,
      a,
      "--out",
      join(dir, "gated"),
      "--fail-on",
      "p99 > +10%",
      "--junit",
      junit,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("3 of 3 gates failed");
    expect(r.stderr).toContain(`${b} → ${a} at 160/s: p99 72.0 → 96.0 ms`);
    const xml = await readFile(junit, "utf8");
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml.match(/<failure /g)).toHaveLength(3);
  });

  it("user mistakes are one line and exit 2", async () => {
    for (const [args, msg] of [
      [[a, run], "is a load report and"],
      [[a, b, "--max-drift", "rbo@10 < 0.9"], "drift gates do not apply"],
      [
        [a, b, "--significant", "--fail-on", "nDCG@3 < -0.01"],
        "--significant does not apply to load reports",
      ],
      [[a, b, "--variant-map", "x=y"], "--variant-map does not apply to load reports"],
      [[a, b, "--fail-on", "mean > 10ms"], "not a mean"],
    ] as const) {
      const r = await runCli(["compare", ...args, "--out", join(dir, "never")]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(msg);
    }
    await expect(readFile(join(dir, "never", "compare.md"))).rejects.toThrow();
  });
});
