/**
 * report.html: one self-contained page (no script, no stylesheet or font to fetch, readable with
 * JavaScript off). Its charts are SVG rendered here from report.json, each with a table of its
 * numbers; every text that comes from the report is escaped. Same report, same bytes.
 */

import type { ResultRecord } from "../results/record.js";
import {
  attemptLatencyChart,
  type Chart,
  deltaCharts,
  fmt,
  frontChart,
  latencyChart,
  measureChart,
  topNChart,
} from "./html-charts.js";
import { loadLatencyChart, loadStepsTableHtml, loadThroughputChart } from "./html-load.js";
import { escapeHtml as esc, renderSvg } from "./html-svg.js";
import { cachedText, concurrencyText, firstStageTime } from "./markdown.js";
import type { Report } from "./types.js";

const STYLE = `
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}
caption{text-align:left;font-weight:600;padding:.3rem 0}
.chart{display:flex;flex-wrap:wrap;align-items:flex-start;gap:1.5rem;margin:1rem 0 1.5rem}
figure{margin:0}svg{max-width:100%;height:auto}
details{margin:.3rem 0 1rem}.baseline{background:#f1f3f5}.note{color:#555}
.grid{display:flex;flex-wrap:wrap;gap:1rem}.grid table{margin:0}
`;

/** `records` (each variant's, in query order) give the per-attempt latency samples. */
export async function renderHtml(
  report: Report,
  records: Map<string, ResultRecord[]> = new Map(),
): Promise<string> {
  const primary = report.front.measure;
  const parts: string[] = [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>rerank-eval report: ${esc(report.dataset.name)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    "<main>",
    `<h1>rerank-eval report: ${esc(report.dataset.name)}</h1>`,
    `<p class="note">${esc(report.tool.name)} ${esc(report.tool.version)}, created ${esc(report.createdAt)}; ` +
      `${report.dataset.queries} queries, ${report.variants.length} variants; candidates: ` +
      `${esc(report.candidates.source)}${esc(firstStageTime(report))}; baseline ` +
      `${report.baseline === null ? "none" : `<code>${esc(report.baseline)}</code>`}; primary measure ${esc(primary)}.</p>`,
    ...notices(report),
    "<h2>Headline</h2>",
    headlineTable(report),
    ...(await loadSection(report)),
  ];

  parts.push("<h2>Means with 95 % intervals</h2>");
  for (const [i, m] of report.headline.entries()) parts.push(await figure(measureChart(report, m, i + 1)));

  const latency = latencyChart(report);
  const attempts = attemptLatencyChart(report, records);
  parts.push(
    "<h2>Latency</h2>",
    // What the latency figures leave out (cached answers) and the concurrency they were measured at.
    ...[cachedText(report).trim(), concurrencyText(report)]
      .filter((t): t is string => Boolean(t))
      .map((t) => `<p class="note">${esc(t)}</p>`),
    latency ? await figure(latency) : '<p class="note">No latency was measured.</p>',
    ...(attempts ? [await figure(attempts)] : []),
  );

  parts.push(`<h2>Per-query differences against the baseline (${esc(primary)})</h2>`);
  const deltas = deltaCharts(report);
  if (deltas.length === 0) parts.push('<p class="note">No variant to compare with a baseline.</p>');
  for (const c of deltas) parts.push(await figure(c));

  const front = frontChart(report);
  parts.push(
    "<h2>Quality against latency</h2>",
    front ? await figure(front) : '<p class="note">No latency to plot.</p>',
  );

  const topN = topNChart(report);
  parts.push(
    "<h2>top_n effect</h2>",
    topN ? await figure(topN) : '<p class="note">No model ran with more than one top_n.</p>',
  );

  parts.push(...holes(report));

  parts.push("<h2>Ranking differences</h2>", ...rankingDiffs(report), "</main>", "</body>", "</html>", "");
  return parts.join("\n");
}

/** A load report's curve, throughput and steps (nothing for a run's report). */
async function loadSection(report: Report): Promise<string[]> {
  const steps = loadStepsTableHtml(report);
  if (!report.load || !steps) return [];
  const out = ["<h2>Load: latency against throughput</h2>"];
  const { slo, maxRate, steps: all } = report.load;
  if (slo && maxRate === null && all.some((s) => s.phase !== "sweep"))
    out.push(`<p role="alert"><strong>No offered rate held the SLO</strong> (${esc(slo.text)}).</p>`);
  for (const chart of [loadLatencyChart(report), loadThroughputChart(report)])
    if (chart) out.push(await figure(chart));
  out.push(table(steps.head, steps.rows, steps.caption));
  return out;
}

async function figure(c: Chart): Promise<string> {
  const svg = await renderSvg(c.spec, { id: c.id, title: c.title, desc: c.desc });
  return [
    '<div class="chart">',
    `<figure aria-labelledby="${c.id}-caption">`,
    `<figcaption id="${c.id}-caption">${esc(c.title)}</figcaption>`,
    svg,
    "</figure>",
    table(c.table.head, c.table.rows, `The numbers of the chart: ${c.title}`),
    "</div>",
  ].join("\n");
}

function table(head: string[], rows: string[][], caption: string, rowClass?: (i: number) => string): string {
  const th = head.map((h) => `<th scope="col">${esc(h)}</th>`).join("");
  const body = rows.map((r, i) => {
    const cls = rowClass?.(i);
    const cells = r
      .map((c, j) => (j === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`))
      .join("");
    return `<tr${cls ? ` class="${cls}"` : ""}>${cells}</tr>`;
  });
  return `<table>\n<caption>${esc(caption)}</caption>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body.join("\n")}\n</tbody>\n</table>`;
}

function headlineTable(report: Report): string {
  const letters = report.groups?.letters ?? {};
  const head = ["variant", "top_n", `group (${report.groups?.measure ?? "—"})`, ...report.headline];
  const rows = report.variants.map((v) => [
    v.id === report.baseline ? `${v.id} (baseline)` : v.id,
    v.topN === null ? "—" : String(v.topN),
    letters[v.id] ?? "—",
    ...report.headline.map((m) => {
      const x = v.metrics[m];
      if (!x) return "—";
      return x.ci95 ? `${fmt(x.mean)} [${fmt(x.ci95[0])}, ${fmt(x.ci95[1])}]` : fmt(x.mean);
    }),
  ]);
  const method = report.groups
    ? `; groups by ${report.groups.method}: variants sharing a letter are not distinguishable`
    : "";
  return table(head, rows, `Mean of each headline measure with its 95 % interval${method}`, (i) =>
    report.variants[i].id === report.baseline ? "baseline" : "",
  );
}

function notices(report: Report): string[] {
  const out: string[] = [];
  if (report.incomplete) {
    out.push(
      `<p role="alert"><strong>Incomplete run:</strong> ${report.incomplete.tasks} tasks never ran; they count 0 under the complete convention.</p>`,
    );
  }
  if (report.failures.count > 0) {
    out.push(
      `<p role="alert"><strong>${report.failures.count} failed tasks</strong> (at most ${report.failures.maxFailures} allowed).</p>`,
    );
  }
  if (report.warnings.length > 0) {
    out.push("<h2>Warnings</h2>", "<ul>", ...report.warnings.map((w) => `<li>${esc(w)}</li>`), "</ul>");
  }
  return out;
}

/** Judged@k per variant and the unjudged pairs most often placed high (markdown.ts says the same). */
function holes(report: Report): string[] {
  const h = report.holes;
  if (!h) return [];
  const out = [
    "<h2>Judgement holes</h2>",
    `<p class="note">The candidates are not the judged pool: unjudged documents count as not relevant, so a variant whose top ${h.k} is less than ${h.threshold * 100} % judged may be understated (BEIR's hole@${h.k}).</p>`,
    table(
      ["variant", `Judged@${h.k}`, "note"],
      report.variants.map((v) => [
        v.id,
        fmt(h.judged[v.id] ?? 0),
        h.below.includes(v.id) ? "nDCG may be understated" : "",
      ]),
      `Share of each variant's top ${h.k} that is judged`,
    ),
  ];
  if (h.unjudged.length)
    out.push(
      table(
        ["document", "query", "qid", "variants"],
        h.unjudged.map((u) => [u.docId, u.query, u.qid, String(u.variants)]),
        `Unjudged documents most often in a rerank variant's top ${h.top}: the labelling worth doing first`,
      ),
    );
  return out;
}

function rankingDiffs(report: Report): string[] {
  if (report.rankingDiffs.length === 0) return ['<p class="note">No ranking differences to show.</p>'];
  const out: string[] = [];
  for (const d of report.rankingDiffs) {
    out.push(`<h3>${esc(d.variant)} against ${esc(d.baseline)} (${esc(d.measure)}, top ${d.k})</h3>`);
    for (const q of d.queries) {
      const sign = q.delta > 0 ? "+" : "";
      out.push(
        `<details><summary>query <code>${esc(q.qid)}</code>: Δ ${esc(d.measure)} ${sign}${fmt(q.delta)}</summary>`,
      );
      out.push('<div class="grid">');
      for (const [who, list] of [
        [d.baseline, q.baseline],
        [d.variant, q.variant],
      ] as const) {
        out.push(
          table(
            ["rank", "document", "grade", "change"],
            list.map((e) => [
              String(e.rank),
              e.docId,
              e.grade === null ? "unjudged" : String(e.grade),
              e.tag,
            ]),
            `${who}, query ${q.qid}`,
          ),
        );
      }
      out.push("</div>", "</details>");
    }
  }
  return out;
}
