/**
 * `rerank-eval compare`: a real regression (the embedded `random` scorer against `bm25` on the
 * shipped capitals set) is exit 1 with every failed gate named; a report against itself is exit 0;
 * the step summary and JUnit outputs; every user mistake is one line with exit 2.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.js";
import { tempDir } from "../run/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let bm25: string;
let random: string;

const DATASET = join(REPO, "datasets/capitals.csv");

async function run(model: string, out: string): Promise<void> {
  const r = await runCli([
    "run",
    "--dataset",
    DATASET,
    "--model",
    model,
    "--endpoint",
    "embedded",
    "--out",
    out,
  ]);
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-compare-"));
  bm25 = join(dir, "A");
  random = join(dir, "B");
  await run("bm25", bm25);
  await run("random", random);
});
afterAll(async () => {
  await cleanup();
});

const GATES = [
  "--fail-on",
  "nDCG@10 < -0.01",
  "--fail-on",
  "nDCG@10 < -2%",
  "--fail-on",
  "p99 > 5000ms",
  "--fail-on",
  "failures > 0",
  "--fail-on",
  "cost > +10%",
  "--non-inferior",
  "nDCG@10:0.01",
];

/** Loose JUnit reading: how many testcases, how many with a <failure>. */
function junitCounts(text: string) {
  return {
    testcases: (text.match(/<testcase\b/g) ?? []).length,
    failures: (text.match(/<failure\b/g) ?? []).length,
  };
}

describe("compare", () => {
  it("exits 1 on a real regression, naming every failed gate", async () => {
    const out = join(dir, "regression");
    const summary = join(dir, "summary.md");
    await writeFile(summary, "earlier step\n");
    const junit = join(dir, "regression.xml");
    const r = await runCli(
      [
        "compare",
        bm25,
        random,
        "--variant-map",
        "bm25=random",
        ...GATES,
        "--significant",
        // RR@10 drops by 0.06 but not significantly (p adj ≈ 0.9): with --significant it passes.
        "--fail-on",
        "RR@10 < -0.01",
        "--max-drift",
        "rbo@10 < 0.9",
        "--out",
        out,
        "--github",
        "--junit",
        junit,
      ],
      { GITHUB_STEP_SUMMARY: summary },
    );
    expect(r.code, r.stderr).toBe(1);
    const line = r.stderr.trim();
    expect(line.split("\n")).toHaveLength(1);
    expect(line).toMatch(/^rerank-eval: 4 of 8 gates failed: /);
    for (const g of ["nDCG@10 < -0.01", "nDCG@10 < -2%", "rbo@10 < 0.9"]) expect(line).toContain(g);
    expect(line).toContain("lower bound not above -0.0100");
    expect(line).not.toContain("RR@10");
    expect(r.stdout).toMatch(
      /passed {2}bm25 → random: RR@10 change -0\.0606 .*, not significant \(p adj 0\.\d+\)/,
    );

    const md = await readFile(join(out, "compare.md"), "utf8");
    expect(md).toContain("| bm25 → random | nDCG@10 |");
    expect(md).toContain("## Ranking drift");
    // Run folders: the queries where random differs most from bm25, both top-k lists with grades.
    expect(md).toContain("## Where the candidates differ most from the base");
    expect(md).toMatch(/<details><summary>random vs bm25: the 5 queries with the largest \|Δ nDCG@10\|/);
    expect(await readFile(summary, "utf8")).toBe(`earlier step\n${md}`);
    const json = JSON.parse(await readFile(join(out, "compare.json"), "utf8"));
    expect(json.gates.filter((g: { status: string }) => g.status === "failed")).toHaveLength(4);
    expect(json.rankingDiffs).toHaveLength(1);
    expect(json.rankingDiffs[0].queries[0].delta).toBeLessThan(0);
    expect(json.comparisons.every((c: { pAdjusted: number | null }) => c.pAdjusted !== null)).toBe(true);
    expect(junitCounts(await readFile(junit, "utf8"))).toEqual({ testcases: 8, failures: 4 });
  });

  it("exits 0 for a report against itself, and says when GITHUB_STEP_SUMMARY is not set", async () => {
    const out = join(dir, "self");
    const junit = join(dir, "self.xml");
    const r = await runCli(
      ["compare", bm25, join(bm25, "report.json"), ...GATES, "--out", out, "--github", "--junit", junit],
      { GITHUB_STEP_SUMMARY: undefined },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("rerank-eval: --github: GITHUB_STEP_SUMMARY is not set; no step summary written\n");
    expect(r.stdout).toContain("0 of 6 gates failed");
    expect(junitCounts(await readFile(junit, "utf8"))).toEqual({ testcases: 6, failures: 0 });
    const md = await readFile(join(out, "compare.md"), "utf8");
    expect(md).toContain("drift needs run folders");
  });

  it("takes gate flags before the positionals, once or repeated", async () => {
    const r = await runCli([
      "compare",
      "--fail-on",
      "nDCG@10 < -0.01",
      "--variant-map",
      "bm25=random",
      bm25,
      random,
      "--out",
      join(dir, "order"),
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^rerank-eval: 1 of 1 gate failed: bm25 → random: nDCG@10 change -0\.1055/);
  });

  it("a drift between identical runs is none", async () => {
    const r = await runCli([
      "compare",
      bm25,
      bm25,
      "--max-drift",
      "rbo@10 < 0.999",
      "--max-drift",
      "top1 > 0",
      "--out",
      join(dir, "drift"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(await readFile(join(dir, "drift", "compare.json"), "utf8"));
    expect(json.pairs[0].drift[0]).toMatchObject({
      k: 10,
      queries: 22,
      rbo: expect.closeTo(1, 12),
      tau: 1,
      top1: 0,
    });
  });

  it("refuses bad input with exit 2 and one line", async () => {
    const other = join(dir, "other");
    await mkdir(other);
    const report = JSON.parse(await readFile(join(bm25, "report.json"), "utf8"));
    report.dataset.fingerprint = "0".repeat(64);
    report.conventions.relevanceLevel = 2;
    await writeFile(join(other, "report.json"), JSON.stringify(report));
    const cases: [string[], RegExp][] = [
      [
        ["compare", bm25, other],
        /differ: dataset fingerprint .* relevance level 1 vs 2 \(pass --allow-different-datasets/,
      ],
      [
        ["compare", bm25, random, "--variant-map", "bm25=random", "--fail-on", "nDCG@10 <= 0"],
        /--fail-on "nDCG@10 <= 0" does not parse/,
      ],
      [["compare", bm25, random], /no variant pairs with the base's \(bm25\); map them with --variant-map/],
      [
        [
          "compare",
          bm25,
          join(other, "report.json"),
          "--allow-different-datasets",
          "--max-drift",
          "rbo@10 < 0.9",
        ],
        /drift needs run folders/,
      ],
      [["compare", bm25, join(dir, "nowhere")], /nowhere: no such file or folder/],
      [
        ["compare", bm25, random, "--variant-map", "bm25=rnd"],
        /--variant-map bm25=rnd: no candidate has a variant "rnd"/,
      ],
      [["compare", bm25, random, "--variant-map", "bm25"], /--variant-map "bm25" does not parse/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli([...args, "--out", join(dir, "refused")]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    // Allowed, it compares.
    const r = await runCli([
      "compare",
      bm25,
      other,
      "--allow-different-datasets",
      "--out",
      join(dir, "allowed"),
    ]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("gates latency, failures and cost per variant, over several candidates", async () => {
    const slow = join(dir, "slow");
    await mkdir(slow);
    const base = JSON.parse(await readFile(join(bm25, "report.json"), "utf8"));
    const priced = structuredClone(base);
    const cost = { currency: "EUR", total: 1, per1kQueries: 10, perPlus001: null, basis: [] };
    priced.variants[0].cost = cost;
    await writeFile(join(dir, "priced.json"), JSON.stringify(priced));
    const v = structuredClone(priced);
    const q = v.variants[0].latency.query;
    v.variants[0].latency.query = { ...q, p95: q.p95 * 1.5, p99: 900 };
    v.variants[0].failures = {
      count: 2,
      queries: ["cap01", "cap02"],
      byKind: { "http 503": 2 },
      examples: {},
    };
    v.variants[0].cost = { ...cost, per1kQueries: 11.5 };
    await writeFile(join(slow, "report.json"), JSON.stringify(v));
    const gates = [
      "--fail-on",
      "p95 > +20%",
      "--fail-on",
      "p99 > 800ms",
      "--fail-on",
      "failures > 0",
      "--fail-on",
      "cost > +10%",
      "--fail-on",
      "nDCG@10 < -0.01",
    ];
    const junit = join(dir, "slow.xml");
    const r = await runCli([
      "compare",
      join(dir, "priced.json"),
      slow,
      join(dir, "priced.json"),
      ...gates,
      "--correction",
      "bh",
      "--out",
      join(dir, "slow-out"),
      "--junit",
      junit,
    ]);
    expect(r.code, r.stderr).toBe(1);
    // Five gates × two candidates; the slow one fails four of them, the unchanged one none.
    expect(r.stderr).toMatch(/^rerank-eval: 4 of 10 gates failed: /);
    for (const what of [
      "p95",
      "→ 900.0 ms (gate: p99 > 800ms)",
      "failed tasks 0 → 2",
      "cost per 1k queries 10.0000 → 11.5000",
    ])
      expect(r.stderr).toContain(what);
    expect(r.stderr).toContain(`bm25 → bm25 (${slow})`);
    expect(junitCounts(await readFile(junit, "utf8"))).toEqual({ testcases: 10, failures: 4 });
    const json = JSON.parse(await readFile(join(dir, "slow-out", "compare.json"), "utf8"));
    expect(json.settings.correction).toBe("bh");
    // The slow candidate's failed queries are left out of its comparisons: 20 of 22 queries.
    expect(json.comparisons.find((c: { candidate: string }) => c.candidate === slow).queries).toBe(20);
  });
});

describe("compare without its files", () => {
  it("says what to name in one line, exit 2, instead of yargs' count of arguments", async () => {
    for (const argv of [["compare"], ["compare", "only-a-base"]]) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        "rerank-eval: error: name a base and at least one candidate: rerank-eval compare BASE CANDIDATE... (report.json files or run folders)\n",
      );
    }
  });
});
