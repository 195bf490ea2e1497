/**
 * report.html of a load report: the latency–throughput curve (p50/p95/p99 against offered rate) with
 * the SLO line and the max rate marked, achieved against offered, and the step table; in headless
 * Chromium (JavaScript off) each chart an <svg> with its labels. Without /usr/bin/chromium the
 * browser test skips (CI installs it: .ci/run).
 */
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { renderHtml } from "../../src/report/html.js";
import { loadLatencyChart, loadStepsTableHtml } from "../../src/report/html-load.js";
import { hasChromium, openChromium, watchedPage } from "../helpers/browser.js";
import { report as runReport } from "./fixtures.js";
import { loadReport, SATURATING } from "./load-fixtures.js";

const searched = () =>
  loadReport({
    steps: [
      { rate: 20, p50: 51, phase: "exponential" },
      { rate: 40, p50: 51, phase: "exponential" },
      { rate: 80, p50: 52, phase: "exponential" },
      { rate: 160, p50: 60, phase: "exponential" },
      { rate: 320, achieved: 160, p50: 2600, phase: "exponential" },
      { rate: 240, achieved: 160, p50: 1400, phase: "bisection" },
      { rate: 200, achieved: 161, p50: 700, phase: "bisection" },
      { rate: 180, achieved: 162, p50: 240, phase: "bisection" },
      { rate: 170, achieved: 162, p50: 72, phase: "bisection" },
    ],
    slo: { text: "p95<100ms", percentile: "p95", thresholdMs: 100 },
    maxRate: 170,
  });

/** The <svg id="…">…</svg> element of a chart in the page. */
function svgOf(page: string, id: string): string {
  const start = page.indexOf(`<svg id="${id}"`);
  expect(start, id).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf("</svg>", start) + 6);
}

describe("report.html of a load report", () => {
  it("draws the curve with the SLO line and the max rate, achieved against offered, and the steps", async () => {
    const report = searched();
    const page = await renderHtml(report);
    expect(page).toContain("<h2>Load: latency against throughput</h2>");
    const curve = svgOf(page, "chart-load-latency");
    expect(curve).toContain('aria-labelledby="chart-load-latency-title chart-load-latency-desc"');
    expect(curve).toContain("Latency against offered rate: p50, p95 and p99");
    // The SLO and the max rate are labelled in the chart itself, not only in its table.
    expect(curve).toContain("SLO p95 &lt; 100 ms");
    expect(curve).toContain("max rate 170/s");
    // 51 ms to 4 s (p99 at 320/s): a log axis, said in its title.
    expect(curve).toContain("latency from intended send (ms, log scale)");
    for (const p of ["p50", "p95", "p99"]) expect(curve).toContain(`>${p}</text>`);
    expect(svgOf(page, "chart-load-throughput")).toContain("achieved rate (answers/s)");
    // The chart's table lists the rates in ascending order though the search probed 320 before 170.
    const rows = loadLatencyChart(report)?.table.rows.map((r) => r[0]);
    expect(rows).toEqual(["20", "40", "80", "160", "170", "180", "200", "240", "320"]);
    // The step table keeps the order the steps ran in, with phase, SLO verdict and quality.
    expect(page).toMatch(
      /<th scope="row">5 \(exponential\)<\/th><td>320<\/td><td>160\.0<\/td><td>1600<\/td><td>0<\/td><td>0<\/td><td>2600<\/td>/,
    );
    expect(page).toMatch(/<th scope="row">9 \(bisection\)<\/th><td>170<\/td>.*<td>held<\/td><\/tr>/);
    expect(page).toMatch(/<th scope="row">8 \(bisection\)<\/th><td>180<\/td>.*<td>missed<\/td><\/tr>/);
    expect(page).toContain("SLO p95&lt;100ms, error budget 1.00 %; highest rate that held it: 170/s");
    expect(page).not.toContain("No offered rate held the SLO");
  });

  it("a sweep without SLO: no SLO line, no max rate, a linear axis when latency stays within a decade", async () => {
    const report = loadReport({ steps: SATURATING.slice(0, 4) });
    const page = await renderHtml(report);
    const curve = svgOf(page, "chart-load-latency");
    expect(curve).not.toContain("SLO");
    expect(curve).not.toContain("max rate");
    expect(curve).toContain("latency from intended send (ms)");
    expect(loadStepsTableHtml(report)?.head).not.toContain("SLO held");
    expect(loadStepsTableHtml(report)?.head).toContain("nDCG@3");
  });

  it("says so when a search found no rate that held the SLO", async () => {
    const report = loadReport({
      steps: [{ rate: 10, p50: 400, phase: "exponential" }],
      slo: { text: "p99<100ms", percentile: "p99", thresholdMs: 100 },
      maxRate: null,
    });
    const page = await renderHtml(report);
    expect(page).toContain(
      '<p role="alert"><strong>No offered rate held the SLO</strong> (p99&lt;100ms).</p>',
    );
    expect(svgOf(page, "chart-load-latency")).not.toContain("max rate");
  });

  it("shows the quality drop of a step whose answers were truncated", async () => {
    const report = loadReport({
      steps: [
        { rate: 50, p50: 50 },
        { rate: 400, p50: 60, truncated: true },
      ],
    });
    const table = loadStepsTableHtml(report);
    const col = table?.head.indexOf("nDCG@3") ?? -1;
    const [kept, cut] = (table?.rows ?? []).map((r) => Number(r[col]));
    expect(kept).toBeGreaterThan(0.8);
    expect(cut).toBe(0);
  });

  it("a run's report has no load section; the same load report gives the same bytes", async () => {
    expect(await renderHtml(runReport())).not.toContain("Load: latency against throughput");
    const report = searched();
    expect(await renderHtml(report)).toBe(await renderHtml(structuredClone(report)));
  });

  it.skipIf(!hasChromium)(
    "opens in headless Chromium: the load charts are SVGs with their labels, nothing fetched",
    async () => {
      const browser = await openChromium("rerank-eval-load-html-");
      try {
        const file = join(browser.dir, "report.html");
        await writeFile(file, await renderHtml(searched()));
        const url = pathToFileURL(file).href;
        const { page, requests, errors } = await watchedPage(browser.context);
        await page.goto(url, { waitUntil: "load" });
        for (const id of ["chart-load-latency", "chart-load-throughput"]) {
          const svg = page.locator(`svg#${id}`);
          const box = await svg.boundingBox();
          expect(box?.width ?? 0, id).toBeGreaterThan(300);
          expect(box?.height ?? 0, id).toBeGreaterThan(150);
          expect(await svg.getAttribute("role")).toBe("img");
        }
        const curve = page.locator("svg#chart-load-latency");
        await expect(curve.locator("text", { hasText: "SLO p95 < 100 ms" }).count()).resolves.toBe(1);
        await expect(curve.locator("text", { hasText: "max rate 170/s" }).count()).resolves.toBe(1);
        const shot = join(tmpdir(), "rerank-eval-load-report.png");
        await curve.screenshot({ path: shot });
        console.log(`load chart screenshot: ${shot}`);
        expect(errors).toEqual([]);
        expect(requests).toEqual([url]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
