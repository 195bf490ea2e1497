/**
 * The demo (`npm start`) after the reshaping into a run folder with a manifest: its report.json and
 * report.md equal what rerank-eval 0.1.0 wrote (test/fixtures/demo-v0.1) in everything but timing
 * and the deliberate changes, each named here:
 * - schemaVersion 2 (notes counted by code, `incomplete`), and "report schema 2" in report.md;
 * - the configuration records the dataset path made absolute, and the new
 *   skipQueriesWithoutRelevant (false); `withoutRelevant` and the ceiling's meanWithRelevant are new;
 * - the notes column reads the same, built from typed notes;
 * - new: `baseline`, `rankingDiffs` and their section "Where the variants differ most from the baseline";
 *   `front`, `cost` and the section "Quality, latency and cost"; the statistics (intervals,
 *   comparisons, groups, power, significance), the "Against the baseline" section, and the results
 *   tables' marks (▲/▼ beyond noise, Tukey groups, bold only for a best beyond noise);
 * - new: each variant's `cached` (answers from the response cache; 0 here: the embedded server is not cached).
 * - new: `concurrency` (the limit the tasks ran under, adaptive on 429s) and its line in the
 *   latency section.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/types.js";
import { loadRunConfig, resolveRunOptions } from "../../src/run/config.js";
import { runEvaluation } from "../../src/run/index.js";
import { tempDir } from "../run/helpers.js";

const FIXTURE = new URL("../fixtures/demo-v0.1/", import.meta.url).pathname;

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir("rerank-eval-demo-")));
afterAll(() => cleanup());

type Json = Record<string, unknown>;

/** Everything timing touches, removed from a report (as plain JSON). */
function untimed(report: Json): Json {
  const { timing, createdAt, throughput, ...rest } = report;
  const variants = (rest.variants as Json[]).map((v) => {
    const { latency, throughput: vt, ...kept } = v;
    return kept;
  });
  return { ...rest, variants };
}

/** report.md without its timing figures: the latency section, p95 columns and phase durations. */
function untimedMarkdown(md: string): string[] {
  const latency = md.indexOf("## Latency and throughput");
  const next = md.indexOf("\n## ", latency + 1);
  const text = md.slice(0, latency) + md.slice(next + 1);
  return text
    .replace(/rerank phase [0-9.]+ s/g, "rerank phase _ s")
    .split("\n")
    .map((line) => {
      // The top_n table's rows (model, nDCG@10, p95, nDCG@10, p95): the p95 cells are timing.
      if (!/^\| (bm25|tfidf) /.test(line)) return line;
      return line
        .split("|")
        .map((c, i) => (i === 3 || i === 5 ? "_" : c))
        .join("|");
    });
}

describe("the demo report after the reshaping", () => {
  it("equals rerank-eval 0.1.0's apart from timing and the named deliberate changes", async () => {
    const out = join(dir, "demo");
    const options = resolveRunOptions(await loadRunConfig("examples/demo.yaml"), { out });
    await runEvaluation(options, { quiet: true, env: {} });
    const now = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report & Json;
    const before = JSON.parse(await readFile(join(FIXTURE, "report.json"), "utf8")) as Json;

    // Deliberate: the schema version, `incomplete`, the absolute dataset path, notes by code.
    expect(before.schemaVersion).toBe(1);
    expect(now.schemaVersion).toBe(2);
    expect(now.incomplete).toBeNull();
    expect(now.config.dataset.path).toBe(resolve("datasets/capitals.csv"));
    expect(now.baseline).toBe("bm25.top3");
    expect(now.rankingDiffs.map((d) => d.variant)).toEqual(["bm25.top10", "tfidf.top3", "tfidf.top10"]);
    expect(now.withoutRelevant).toEqual({ count: 0, skipped: false, queries: [] });
    expect(now.candidates.ceiling.meanWithRelevant).toBe(now.candidates.ceiling.mean);
    const asV1 = {
      ...now,
      schemaVersion: 1,
      incomplete: undefined,
      withoutRelevant: undefined,
      baseline: undefined,
      rankingDiffs: undefined,
      front: undefined,
      comparisons: undefined,
      groups: undefined,
      power: undefined,
      significance: undefined,
      concurrency: undefined,
      candidates: { ...now.candidates, ceiling: { ...now.candidates.ceiling, meanWithRelevant: undefined } },
      config: {
        ...now.config,
        dataset: { ...now.config.dataset, path: "datasets/capitals.csv" },
        skipQueriesWithoutRelevant: undefined,
      },
      variants: now.variants.map((v) => ({
        ...v,
        notes: Object.fromEntries(Object.values(v.notes).flatMap((n) => Object.entries(n.details))),
        cost: undefined,
        cached: undefined,
        // Means unchanged; their intervals are new.
        metrics: Object.fromEntries(Object.entries(v.metrics).map(([m, x]) => [m, { mean: x.mean }])),
      })),
    };
    expect(Object.keys(now.variants[1].notes)).toEqual(["clamped"]);
    expect(now.variants.map((v) => v.cached)).toEqual([0, 0, 0, 0]);
    expect(untimed(JSON.parse(JSON.stringify(asV1)))).toEqual(untimed(before));

    const full = await readFile(join(out, "report.md"), "utf8");
    const diffs = full.indexOf("## Where the variants differ most from the baseline");
    expect(diffs).toBeGreaterThan(0);
    const cut = (text: string, from: string, to: string) =>
      text.slice(0, text.indexOf(from)) + text.slice(text.indexOf(to));
    // The results tables now say what is beyond noise (▲/▼, groups, bold only for a real best) and
    // gain "Against the baseline": their means are checked through report.json above.
    const tables = (text: string) =>
      cut(
        cut(text, "## Results", "## Latency and throughput"),
        "<details><summary>All measures",
        "\n</details>",
      );
    const md = tables(
      cut(
        full.slice(0, diffs) + full.slice(full.indexOf("## Conventions")),
        "## Quality, latency and cost",
        "## Candidate ceiling",
      ),
    );
    const mdBefore = tables(await readFile(join(FIXTURE, "report.md"), "utf8"));
    const expected = untimedMarkdown(mdBefore).map((line) =>
      line
        .replace("report schema 1", "report schema 2")
        .replace("  path: datasets/capitals.csv", `  path: ${resolve("datasets/capitals.csv")}`),
    );
    // The configuration block gains the new setting, after `complete`.
    expected.splice(expected.indexOf("complete: true") + 1, 0, "skipQueriesWithoutRelevant: false");
    expect(untimedMarkdown(md)).toEqual(expected);
  });
});
