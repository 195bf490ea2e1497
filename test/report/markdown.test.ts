import { describe, expect, it } from "vitest";
import { headlineTable, markdownTable, renderMarkdown } from "../../src/report/markdown.js";
import { report, variants } from "./fixtures.js";

/** The sections whose content does not depend on timing. */
function timingFree(md: string): string {
  return md
    .split("\n## ")
    .filter(
      (s) =>
        !s.startsWith("Latency") &&
        !s.startsWith("top_n") &&
        !s.startsWith("Quality, latency") &&
        !s.startsWith("# "),
    )
    .join("\n## ");
}

describe("report.md", () => {
  it("bolds the best only where it beats every other variant beyond noise (Tukey groups)", () => {
    const r = report();
    const row = (table: string, id: string) => table.split("\n").find((l) => l.startsWith(`| ${id} `)) ?? "";
    for (const [id, mean] of [
      ["x.top2", 0.9],
      ["x.top3", 0.5],
      ["y.top2", 0.4],
    ] as const) {
      const v = r.variants.find((x) => x.id === id);
      if (v) v.metrics.AP = { mean, ci95: null };
    }
    // x.top2 alone in group a: its best is beyond noise.
    r.groups = {
      measure: "AP",
      method: "randomized Tukey HSD",
      letters: { "x.top2": "a", "x.top3": "b", "y.top2": "b", "y.top3": "b" },
    };
    let table = headlineTable(r, ["AP"]);
    expect(row(table, "x.top2")).toContain("**0.9000**");
    expect(row(table, "x.top3")).not.toContain("**");
    expect(table).toContain("| group (AP)");
    // x.top2 shares a letter with x.top3: the best may be noise, nothing is bold.
    r.groups.letters["x.top3"] = "ab";
    table = headlineTable(r, ["AP"]);
    expect(table).not.toContain("**");
    // A measure without groups and more than two variants: no bold either.
    expect(headlineTable(r, ["RR@10"])).not.toContain("**");
    expect(row(table, "y.top3")).toMatch(/\|\s+1 \| [a-z—]+\s+\|$/); // one failed query, then its group
  });

  it("bolds only among variants that evaluated the same queries; a mean with failures says so and is never bold", () => {
    const r = report();
    // y.top3 failed q2 (scored 0 there): even with the highest mean it is not compared with the others.
    const y3 = r.variants.find((v) => v.id === "y.top3");
    if (!y3) throw new Error("fixture");
    y3.metrics["RR@10"] = { mean: 1.5, ci95: null };
    r.groups = {
      measure: "RR@10",
      method: "randomized Tukey HSD",
      letters: { "x.top2": "a", "x.top3": "a", "y.top2": "b", "y.top3": "c" },
    };
    const table = headlineTable(r, ["RR@10"]);
    const row = (id: string) => table.split("\n").find((l) => l.startsWith(`| ${id} `)) ?? "";
    expect(row("y.top3")).toContain("1.5000 (1 failed)");
    expect(row("y.top3")).not.toContain("**");
    expect(row("x.top2")).toContain("**1.0000**");
    expect(renderMarkdown(r)).toContain(
      'a mean marked "(n failed)" or "(n never ran)" is over other queries than theirs',
    );
    r.conventions.complete = false;
    expect(headlineTable(r, ["RR@10"])).toContain("1.5000 (1 left out)");
    // Tasks that never ran (an interrupted run) are said apart from failures.
    r.conventions.complete = true;
    r.incomplete = {
      tasks: 8,
      missing: [
        { variant: "y.top3", qid: "q1" },
        { variant: "x.top2", qid: "q2" },
      ],
    };
    const cut = headlineTable(r, ["RR@10"]);
    const cutRow = (id: string) => cut.split("\n").find((l) => l.startsWith(`| ${id} `)) ?? "";
    expect(cutRow("y.top3")).toContain("1.5000 (1 failed, 1 never ran)");
    expect(cutRow("x.top2")).toMatch(/\(1 never ran\)/);
    expect(cutRow("x.top2")).not.toContain("failed");
  });

  it("two variants: every one that prints the best is bold when their comparison is significant, none when not; ▲/▼ mark it", () => {
    const r = report({ vs: [variants[0], variants[1]] });
    const [a, b] = r.variants;
    a.metrics.AP = { mean: 0.3, ci95: null };
    b.metrics.AP = { mean: 0.1 + 0.2 + 0.1, ci95: null };
    const c = r.comparisons.find((x) => x.measure === "AP");
    if (!c) throw new Error("fixture has a comparison on AP");
    c.significant = false;
    expect(headlineTable(r, ["AP"])).not.toContain("**");
    c.significant = true;
    c.delta = 0.1;
    const table = headlineTable(r, ["AP"]);
    expect(table).toMatch(/^\| x\.top3 +\| \*\*0\.4000 ▲\*\* \|/m);
    expect(table).toMatch(/^\| x\.top2 \(baseline\) +\| +0\.3000 \|/m);
  });

  it("a single variant has nothing to compare: no bold", () => {
    expect(headlineTable(report({ vs: [variants[0]] }))).not.toContain("**");
  });

  it("has every section, the top_n table side by side, failures by id, conventions and the fingerprint", () => {
    const md = renderMarkdown(report());
    for (const h of [
      "## Results",
      "## Latency and throughput",
      "## top_n",
      "## Candidate ceiling",
      "## Failures, ties and notes",
      "## Conventions",
      "## Dataset and configuration",
    ]) {
      expect(md).toContain(h);
    }
    expect(md).toMatch(
      /\| model \| nDCG@3 @top_n=2 \| p95 ms @top_n=2 \| nDCG@3 @top_n=3 \| p95 ms @top_n=3 \|/,
    );
    expect(md).toMatch(/^\| x\s+\|/m);
    expect(md).toContain("- y.top3: `q2`\n  - http 503, e.g. `overloaded`");
    expect(md).toContain("R@3 of the candidate lists: **0.7500**");
    expect(md).toMatch(/^\| x\.top2 .*\| totalTokens 42, searchUnits 2 \|/m);
    expect(md).toContain("the k6 rule");
    // 0.1 s of CPU over 8 requests (the fixture's records).
    expect(md).toContain("Client CPU: 12.50 ms per request");
    expect(md).toContain("Closed loop at concurrency 4");
    expect(md).toContain(`sha256:${"ab".repeat(32)}`);
    expect(md).not.toContain("Optimistic");
  });

  it("without several top_n values there is no top_n table; the judged pool is flagged optimistic", () => {
    const md = renderMarkdown(report({ vs: [variants[0], variants[2]], source: "qrels" }));
    expect(md).not.toContain("## top_n");
    expect(md).toContain("**Optimistic:**");
  });

  it("is deterministic apart from timing figures", () => {
    const a = renderMarkdown(report({ latency: 10 }));
    const b = renderMarkdown(report({ latency: 250 }));
    expect(a).not.toEqual(b);
    expect(timingFree(a)).toEqual(timingFree(b));
    expect(renderMarkdown(report({ latency: 10 }))).toEqual(a);
  });

  it("markdownTable pads cells and right-aligns numbers", () => {
    expect(markdownTable(["a", "num"], [["xy", "1.5"]], ["left", "right"])).toBe(
      "| a   | num |\n|-----|----:|\n| xy  | 1.5 |",
    );
  });
});
