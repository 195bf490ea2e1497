/**
 * Judgement holes on hand-made records (fixtures.ts): Judged@10 per variant worked out by hand,
 * the warning below 0.9 present or absent, the unjudged pairs counted across rerank variants, and
 * nothing at all for the judged pool. Rendered in report.md and report.html.
 */
import { describe, expect, it } from "vitest";
import { renderHtml } from "../../src/report/html.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { ReportSchema } from "../../src/report/schema.js";
import { manifest, record, records, score, variant, variants } from "./fixtures.js";

// qrels: q1 judges b (2) and z (1); q2 judges d (1). z.top2 ranks only judged documents.
const allJudged = variant("z", 2);
const zRecords = [
  record("z.top2", "q1", [
    ["b", 0.9],
    ["z", 0.1],
  ]),
  record("z.top2", "q2", [["d", 0.5]]),
];
const queries = [
  { qid: "q1", candidates: ["a", "b", "c"], text: "first query | with a pipe" },
  { qid: "q2", candidates: ["d", "e"], text: "second query" },
];

describe("judgement holes", () => {
  const report = score(manifest([...variants, allJudged], "run:/x/run.trec", queries), [
    ...records(),
    ...zRecords,
  ]);

  it("Judged@10 per variant over the queries it ranked, as worked out by hand", () => {
    const h = report.holes;
    expect(h).toBeDefined();
    // x.top2: q1 [b a] 1/2, q2 [d e] 1/2. x.top3: q1 1/3, q2 1/2. y.top2 (a, b tied): 1/2 and 1/2.
    // y.top3: q1 1/3, q2 failed (left out: it shows nothing). z.top2: all judged.
    expect(h?.judged["x.top2"]).toBeCloseTo(0.5, 12);
    expect(h?.judged["x.top3"]).toBeCloseTo(5 / 12, 12);
    expect(h?.judged["y.top2"]).toBeCloseTo(0.5, 12);
    expect(h?.judged["y.top3"]).toBeCloseTo(1 / 3, 12);
    expect(h?.judged["z.top2"]).toBe(1);
    expect(h?.below).toEqual(["x.top2", "x.top3", "y.top2", "y.top3"]);
  });

  it("warns for each variant below 0.9, not for the one above", () => {
    expect(report.warnings).toContain(
      "x.top3: nDCG may be understated: 58% of its top 10 is unjudged (BEIR's hole@10)",
    );
    expect(report.warnings).toContain(
      "y.top3: nDCG may be understated: 67% of its top 10 is unjudged (BEIR's hole@10)",
    );
    expect(report.warnings.filter((w) => w.includes("hole@10"))).toHaveLength(4);
    expect(report.warnings.some((w) => w.startsWith("z.top2"))).toBe(false);
  });

  it("lists the unjudged pairs by the rerank variants that put them in their top 3", () => {
    // (q1, a): top 3 of all four x/y variants; (q2, e): x.top2, x.top3, y.top2; (q1, c): x.top3, y.top3.
    expect(report.holes?.unjudged).toEqual([
      { qid: "q1", query: "first query | with a pipe", docId: "a", variants: 4 },
      { qid: "q2", query: "second query", docId: "e", variants: 3 },
      { qid: "q1", query: "first query | with a pipe", docId: "c", variants: 2 },
    ]);
    expect(ReportSchema.parse(report).holes).toEqual(report.holes);
  });

  it("is rendered in report.md and report.html", async () => {
    const md = renderMarkdown(report);
    expect(md).toContain("## Judgement holes");
    expect(md).toMatch(/\| x\.top3 +\| +0\.4167 \|/);
    expect(md).toMatch(/\| +4 \| first query \\\| with a pipe \| q1 +\| a +\|/);
    const html = await renderHtml(report);
    expect(html).toContain("<h2>Judgement holes</h2>");
    expect(html).toContain("<td>0.4167</td>");
  });

  it("is absent for the judged pool", () => {
    const pooled = score(manifest(variants, "qrels"), records());
    expect(pooled.holes).toBeUndefined();
    expect(pooled.warnings.some((w) => w.includes("hole@10"))).toBe(false);
    expect(renderMarkdown(pooled)).not.toContain("Judgement holes");
  });
});
