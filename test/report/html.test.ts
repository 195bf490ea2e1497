/**
 * report.html from the demo's report: self-contained (no URL outside the report's own text, no
 * script), deterministic, escaped, and — in Debian's headless Chromium with JavaScript off — every
 * chart an <svg>, no request but the file's own, no console error. Without /usr/bin/chromium the
 * browser test skips (CI installs it: .ci/run).
 */
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtml } from "../../src/report/html.js";
import { renumberIds } from "../../src/report/html-svg.js";
import type { Report } from "../../src/report/types.js";
import type { ResultRecord } from "../../src/results/index.js";
import { collateRecords, readManifest, readResults } from "../../src/results/index.js";
import { loadRunConfig, resolveRunOptions } from "../../src/run/config.js";
import { runEvaluation } from "../../src/run/index.js";
import { CHROMIUM, hasChromium, openChromium, watchedPage } from "../helpers/browser.js";
import { tempDir } from "../run/helpers.js";

if (!hasChromium)
  console.warn(`report.html browser test skipped: ${CHROMIUM} is absent (apt-get install -y chromium)`);

let dir: string;
let cleanup: () => Promise<void>;
let report: Report;
let html: string;
/** The run's records by variant, as the renderer got them (the per-attempt latencies). */
let records: Map<string, ResultRecord[]>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-html-"));
  const out = join(dir, "demo");
  const options = resolveRunOptions(await loadRunConfig("examples/demo.yaml"), { out });
  await runEvaluation(options, { quiet: true, env: {} });
  report = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;
  html = await readFile(join(out, "report.html"), "utf8");
  const manifest = await readManifest(join(out, "manifest.json"));
  records = collateRecords(manifest, await readResults(join(out, "results.jsonl"))).byVariant;
}, 60_000);
afterAll(() => cleanup());

/**
 * The demo's charts: one per headline measure, latency percentiles, the per-attempt distribution, one
 * delta per non-baseline variant, front, top_n.
 */
function chartIds(r: Report): string[] {
  return [
    ...r.headline.map((_, i) => `chart-measure-${i + 1}`),
    "chart-latency",
    "chart-attempt-latency",
    ...r.variants.slice(1).map((_, i) => `chart-delta-${i + 1}`),
    "chart-front",
    "chart-topn",
  ];
}

/** Every string the report holds, as the page would show it (escaped). */
function reportTexts(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) reportTexts(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      reportTexts(v, out);
    }
  }
  return out;
}

const escapeText = (t: string) =>
  t
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");

describe("report.html", () => {
  it("is written next to report.md with every chart as inline SVG and a table under each", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    for (const id of chartIds(report)) {
      expect(html).toContain(`<svg id="${id}" role="img" aria-labelledby="${id}-title ${id}-desc"`);
      expect(html).toContain(`<title id="${id}-title">`);
    }
    // The headline table: group letters, intervals, the baseline marked.
    expect(html).toContain("bm25.top3 (baseline)");
    expect(html).toMatch(/<th scope="row">tfidf\.top10<\/th><td>10<\/td><td>a<\/td><td>0\.8333 \[/);
    expect(html.match(/<table>/g)?.length).toBeGreaterThan(chartIds(report).length);
    // The concurrency the latencies were measured at, as report.md says it.
    expect(html).toMatch(/<p class="note">Concurrency: \d+ requests in flight at most, throughout\.<\/p>/);
  });

  it("refers to nothing outside itself: no script, no stylesheet link, no URL but the report's own text", async () => {
    const withUrl = {
      ...report,
      warnings: ["the server at https://api.example.com/v1/rerank answered 503 <once>"],
    };
    const page = await renderHtml(withUrl);
    expect(page).not.toMatch(/<script|<link|<img|<iframe|<object|@import|url\((?!#)/i);
    // Only in-page references as attributes.
    for (const m of page.matchAll(/\s(?:src|href|xlink:href|srcset|action|poster)="([^"]*)"/gi))
      expect(m[1].startsWith("#"), m[0]).toBe(true);
    expect(page).toContain("https://api.example.com/v1/rerank answered 503 &lt;once&gt;");
    let rest = page;
    for (const t of reportTexts(withUrl).filter((s) => /https?:\/\//.test(s)))
      rest = rest.split(escapeText(t)).join("");
    expect(rest).not.toMatch(/https?:\/\//);
  });

  it("is the same bytes for the same report, and escapes every text from it", async () => {
    // From the folder alone (report.json and the records on disk): the bytes the run wrote.
    expect(await renderHtml(report, records)).toBe(html);
    const evil = '<b id="x">tfidf</b>&top10';
    const bad = JSON.parse(
      JSON.stringify(report).replaceAll('"tfidf.top10"', JSON.stringify(evil)),
    ) as Report;
    bad.dataset.name = "<script>alert(1)</script>";
    const page = await renderHtml(bad);
    expect(page).not.toContain("<script");
    expect(page).not.toContain('<b id="x">');
    expect(page).toContain("&lt;b id=&quot;x&quot;&gt;tfidf&lt;/b&gt;&amp;top10");
  });

  it("renders a lone variant, a first stage without latency and an incomplete run without failing", async () => {
    const [first] = report.variants;
    const lone: Report = {
      ...report,
      baseline: null,
      comparisons: [],
      groups: null,
      rankingDiffs: [],
      front: { ...report.front, variants: [] },
      incomplete: { tasks: 2, missing: [{ variant: "fs", qid: "cap01" }] },
      warnings: ["2 tasks never ran"],
      variants: [{ ...first, id: "fs", kind: "first-stage", model: null, topN: null, latency: null }],
    };
    const page = await renderHtml(lone);
    expect(page).toContain("Incomplete run:");
    expect(page).toContain("<li>2 tasks never ran</li>");
    expect(page).toContain("No latency was measured.");
    expect(page).toContain("No variant to compare with a baseline.");
    expect(page).toContain("No model ran with more than one top_n.");
    expect(page).toContain("No ranking differences to show.");
    expect(page.match(/<svg /g)?.length).toBe(report.headline.length);
  });

  it("draws the per-query chart of a 2,000-query run (bars by rank, unnamed) without overflowing vega", async () => {
    const many = structuredClone(report);
    const measure = many.front.measure;
    const n = 2000;
    for (const [j, v] of many.variants.entries()) {
      const values: Record<string, number> = {};
      for (let i = 0; i < n; i++) values[`q${i}`] = ((i * 7919 + j * 104729) % 1000) / 1000;
      v.perQuery[measure] = values;
    }
    const page = await renderHtml(many);
    const delta = page.slice(page.indexOf('id="chart-delta-1"'));
    expect(delta.indexOf("<svg")).toBeGreaterThan(-1);
    expect(delta.slice(0, delta.indexOf("</svg>"))).not.toContain(">q1999<");
    expect(page).toContain(`${n} queries, sorted from the largest gain`);
  }, 60_000);

  it("renumbers the SVG ids per chart, references included", () => {
    const svg =
      '<svg><clipPath id="clip7"><rect/></clipPath><g clip-path="url(#clip7)"/><use href="#clip7"/></svg>';
    expect(renumberIds(svg, "c")).toBe(
      '<svg><clipPath id="c-1"><rect/></clipPath><g clip-path="url(#c-1)"/><use href="#c-1"/></svg>',
    );
  });

  it.skipIf(!hasChromium)(
    "opens in headless Chromium with JavaScript off: every chart an <svg>, no other request, no console error",
    async () => {
      const browser = await openChromium("rerank-eval-chromium-");
      try {
        const file = join(dir, "demo", "report.html");
        const url = pathToFileURL(file).href;
        const { page, requests, failed, errors } = await watchedPage(browser.context);
        await page.goto(url, { waitUntil: "load" });
        for (const id of chartIds(report)) {
          const box = await page.locator(`svg#${id}`).boundingBox();
          expect(box, id).not.toBeNull();
          expect(box?.width ?? 0, id).toBeGreaterThan(50);
        }
        expect(await page.locator("svg").count()).toBe(chartIds(report).length);
        expect(await page.locator("h1").textContent()).toContain(report.dataset.name);
        const shot = join(tmpdir(), "rerank-eval-report-html.png");
        await page.screenshot({ path: shot, fullPage: true });
        console.log(`report.html screenshot: ${shot}`);
        expect(failed).toEqual([]);
        expect(errors).toEqual([]);
        expect(requests).toEqual([url]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
