/**
 * report.md: a pure function of the report model. It must read well on GitHub, and two runs with
 * the same inputs must give the same text apart from timing figures (no dates in headings, stable
 * order everywhere).
 */
import { stringify } from "yaml";
import { count } from "../text/words.js";
import type { RankingDiff } from "./diffs.js";
import { loadMarkdown } from "./load-markdown.js";
import { primaryMeasure } from "./model.js";
import type { Report, ReportVariant } from "./types.js";

type Align = "left" | "right";

/** A Markdown table with padded cells, so it also reads in a terminal. */
export function markdownTable(headers: string[], rows: string[][], align: Align[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => (r[i] ?? "").length)));
  const cell = (s: string, i: number) => (align[i] === "right" ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (align[i] === "right" ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

const fmt = (x: number) => x.toFixed(4);
const ms = (x: number | undefined) => (x === undefined ? "—" : x.toFixed(1));

/**
 * Variants × measures. A difference that may be noise is not dressed up as a result:
 * - ▲/▼ mark a mean better/worse than the baseline's beyond noise (randomization test, corrected
 *   over every comparison of the report);
 * - **bold** marks the best value only where it beats every other variant beyond noise (Tukey HSD
 *   groups on the measure they were computed for; with two variants, their comparison), and only
 *   among variants that evaluated the same queries: a mean that counts failed or never-run queries
 *   says "(n failed)", "(n never ran)" or both, and is not compared;
 * - the group column gives the Tukey letters: variants sharing a letter are not distinguishable.
 */
export function headlineTable(report: Report, measures = report.headline): string {
  const { peers, lost } = comparable(report);
  const mark = report.conventions.complete ? "failed" : "left out";
  const groups = report.groups;
  const rows = report.variants.map((v) => {
    const n = lost.get(v.id) ?? 0;
    return [
      v.id === report.baseline ? `${v.id} (baseline)` : v.id,
      ...measures.map((m) => {
        const x = fmt(v.metrics[m]?.mean ?? 0);
        if (n > 0) return `${x} (${lostWords(v.failures.count, n - v.failures.count, mark)})`;
        const text = `${x}${arrow(report, v.id, m)}`;
        return peers.has(v.id) && bestBeyondNoise(report, m, peers).has(v.id) ? `**${text}**` : text;
      }),
      String(v.failures.count),
      ...(groups ? [groups.letters[v.id] ?? "—"] : []),
    ];
  });
  const headers = ["variant", ...measures, "failed", ...(groups ? [`group (${groups.measure})`] : [])];
  return markdownTable(headers, rows, ["left", ...measures.map(() => "right" as const), "right", "left"]);
}

/** " ▲" / " ▼" when the variant differs from the baseline on m beyond noise, else "". */
function arrow(report: Report, id: string, m: string): string {
  const c = report.comparisons.find((x) => x.variant === id && x.measure === m);
  if (!c?.significant) return "";
  return c.delta > 0 ? " ▲" : " ▼";
}

/**
 * The variants printing the best value of m, when that best is beyond noise: none share a Tukey
 * letter with any other variant (on the groups' measure), or, with exactly two variants, their
 * comparison is significant. Elsewhere nothing is bold: a best that may be noise is not marked.
 */
function bestBeyondNoise(report: Report, m: string, peers: Set<string>): Set<string> {
  const candidates = report.variants.filter((v) => peers.has(v.id));
  if (candidates.length < 2) return new Set();
  const top = fmt(Math.max(...candidates.map((v) => v.metrics[m]?.mean ?? 0)));
  const best = candidates.filter((v) => fmt(v.metrics[m]?.mean ?? 0) === top);
  const rest = candidates.filter((v) => !best.includes(v));
  if (rest.length === 0) return new Set();
  const g = report.groups;
  if (g && g.measure === m) {
    const shares = (a: string, b: string) =>
      [...(g.letters[a] ?? "")].some((l) => (g.letters[b] ?? "").includes(l));
    return best.every((b) => rest.every((r) => !shares(b.id, r.id)))
      ? new Set(best.map((b) => b.id))
      : new Set();
  }
  if (candidates.length === 2) {
    const c = report.comparisons.find((x) => x.measure === m);
    return c?.significant ? new Set(best.map((b) => b.id)) : new Set();
  }
  return new Set();
}

/**
 * The variants whose means are over the same queries: those with no failed or never-run query.
 * `lost` is each variant's count of such queries (failures plus tasks that never ran).
 */
function comparable(report: Report): { peers: Set<string>; lost: Map<string, number> } {
  const lost = new Map<string, number>();
  for (const v of report.variants) if (v.failures.count) lost.set(v.id, v.failures.count);
  for (const t of report.incomplete?.missing ?? []) lost.set(t.variant, (lost.get(t.variant) ?? 0) + 1);
  return { peers: new Set(report.variants.filter((v) => !lost.has(v.id)).map((v) => v.id)), lost };
}

export function renderMarkdown(report: Report): string {
  const d = report.dataset;
  const out: string[] = [];
  out.push(`# rerank-eval report: ${d.name}`, "");
  const sampled = d.sample ? ` (a sample of ${d.sample.size} of ${d.sample.of}, seed ${d.sample.seed})` : "";
  out.push(
    `${d.queries} queries${sampled}, ${d.judged} judgements, ${d.documents} documents (${d.format}). ` +
      `Candidates: ${report.candidates.source}${firstStageTime(report)}, up to ${report.candidates.maxCandidates} per query. ` +
      `${report.variants.length} variants at concurrency ${report.config.concurrency}; ` +
      `rerank phase ${report.timing.rerankSeconds.toFixed(2)} s.`,
    "",
  );
  if (report.incomplete) out.push(incompleteText(report), "");
  if (report.candidates.optimistic) out.push(OPTIMISTIC, "");
  if (report.load) out.push("## Load", "", ...loadMarkdown(report.load, report.headline), "");
  out.push("## Results", "", headlineTable(report), "");
  out.push(
    `${marksText(report)}${boldScope(report)}. ${report.conventions.complete ? "Failed queries count 0 in every measure." : "Failed queries are left out of the means (--no-complete)."} All measures are in the table at the end.`,
    "",
  );
  const against = baselineText(report);
  if (against) out.push("## Against the baseline", "", against, "");
  out.push("## Latency and throughput", "", latencyTable(report), "");
  const concurrency = concurrencyText(report);
  if (concurrency) out.push(concurrency, "");
  const topN = topNTable(report);
  if (topN) out.push("## top_n", "", topN, "");
  out.push("## Quality, latency and cost", "", frontText(report), "");
  out.push("## Candidate ceiling", "", ceilingText(report), "");
  const holes = holesText(report);
  if (holes) out.push("## Judgement holes", "", holes, "");
  out.push("## Failures, ties and notes", "", qualityTable(report), "", failuresText(report), "");
  const diffs = diffsText(report.rankingDiffs);
  if (diffs.length) out.push("## Where the variants differ most from the baseline", "", ...diffs, "");
  out.push("## Conventions", "", ...conventions(report), "");
  out.push("## Dataset and configuration", "");
  out.push(`- Dataset \`${d.path}\`, fingerprint \`sha256:${d.fingerprint}\``);
  out.push(`- ${report.tool.name} ${report.tool.version}, report schema ${report.schemaVersion}`);
  for (const w of report.warnings) out.push(`- Warning: ${w}`);
  out.push("", "```yaml", stringify(report.config).trimEnd(), "```", "");
  out.push(
    "<details><summary>All measures</summary>",
    "",
    headlineTable(report, report.measures),
    "",
    "</details>",
    "",
  );
  if (report.incomplete) out.push(...missingTasks(report), "");
  return out.join("\n");
}

/** How long a first stage the run computed took (index and retrieval), shown after its name. */
export function firstStageTime(report: Report): string {
  const f = report.candidates.firstStage;
  if (!f) return "";
  return ` (retrieved in ${f.seconds.toFixed(2)} s: index ${f.indexSeconds.toFixed(2)} s, retrieval ${f.retrieveSeconds.toFixed(2)} s)`;
}

/** One line on the concurrency the tasks ran under (adaptive: lower after 429s); report.html says it too. */
export function concurrencyText(report: Report): string | undefined {
  const c = report.concurrency;
  if (!c) return undefined;
  if (c.min === c.max) return `Concurrency: ${c.max} requests in flight at most, throughout.`;
  const changes = c.timeline.length - 1;
  return (
    `Concurrency: adaptive, between ${c.min} and ${c.max} requests in flight (halved on 429s, grown back ` +
    `after sustained success; ${changes} changes, the timeline is in report.json).`
  );
}

function incompleteText(report: Report): string {
  const { missing, tasks } = report.incomplete ?? { missing: [], tasks: 0 };
  const counted = report.conventions.complete
    ? "they have no ranking and count 0 in every measure, like failures"
    : "they are left out of the means (--no-complete)";
  return (
    `> **Incomplete:** the run stopped before ${missing.length} of its ${tasks} (variant, query) tasks ran: ` +
    `${counted}. They are listed at the end.`
  );
}

/** The tasks that never ran, per variant (every one in report.json). */
function missingTasks(report: Report): string[] {
  const byVariant = new Map<string, string[]>();
  for (const { variant, qid } of report.incomplete?.missing ?? []) {
    const list = byVariant.get(variant) ?? [];
    list.push(qid);
    byVariant.set(variant, list);
  }
  const lines = [
    `<details><summary>Tasks that never ran (${report.incomplete?.missing.length ?? 0})</summary>`,
    "",
  ];
  for (const [variant, qids] of byVariant) {
    lines.push(`- ${variant} (${qids.length}): ${listed(qids)}`);
  }
  lines.push("", "</details>");
  return lines;
}

/**
 * Per variant, collapsed: the queries with the largest |Δ| from the baseline on the headline measure,
 * both top-k lists side by side with grades (— unjudged) and what moved.
 */
export function diffsText(diffs: readonly RankingDiff[]): string[] {
  const out: string[] = [];
  for (const d of diffs) {
    if (d.queries.length === 0) continue;
    out.push(
      `<details><summary>${d.variant} vs ${d.baseline}: the ${count(d.queries.length, "query", "queries")} with the largest |Δ ${d.measure}|</summary>`,
      "",
    );
    for (const q of d.queries) {
      out.push(`\`${q.qid}\`: Δ ${d.measure} ${q.delta >= 0 ? "+" : ""}${fmt(q.delta)}`, "");
      const rows = Array.from({ length: Math.max(q.baseline.length, q.variant.length) }, (_, i) => {
        const [b, v] = [q.baseline[i], q.variant[i]];
        const cell = (e: typeof b) =>
          e ? [`\`${e.docId}\``, e.grade === null ? "—" : String(e.grade), e.tag] : ["", "", ""];
        return [String(i + 1), ...cell(b), ...cell(v)];
      });
      out.push(
        markdownTable(["rank", d.baseline, "grade", "", d.variant, "grade", ""], rows, [
          "right",
          "left",
          "right",
          "left",
          "left",
          "right",
          "left",
        ]),
        "",
      );
    }
    out.push("</details>", "");
  }
  if (out.length)
    out.unshift(
      "Grades from the judgements (— unjudged); a new hit is a relevant document the baseline's top k lacked, a lost hit one it had.",
      "",
    );
  return out;
}

/** Each variant against the baseline on the primary measure, then what the query set can detect. */
function baselineText(report: Report): string | undefined {
  const m = report.power?.measure ?? report.front.measure;
  const rows = report.comparisons
    .filter((c) => c.measure === m)
    .map((c) => [
      c.variant,
      signed(c.delta),
      c.ci95 ? `[${signed(c.ci95[0])}, ${signed(c.ci95[1])}]` : "—",
      p(c.pRandomization),
      p(c.pTTest),
      p(c.pAdjusted),
      c.effectSize === null ? "—" : c.effectSize.toFixed(2),
      `${c.wins}/${c.ties}/${c.losses}`,
      `${(100 * c.harmRate).toFixed(0)} %`,
      c.significant ? (c.delta > 0 ? "better ▲" : "worse ▼") : "not distinguishable",
    ]);
  if (rows.length === 0) return undefined;
  const s = report.significance;
  const headers = [
    "variant",
    `Δ ${m}`,
    "95 % CI",
    "p (randomization)",
    "p (t-test)",
    "p (corrected)",
    "effect size",
    "wins/ties/losses",
    "harm",
    "verdict",
  ];
  const table = markdownTable(headers, rows, [
    "left",
    ...headers.slice(1, -1).map(() => "right" as const),
    "left",
  ]);
  const power = report.power;
  const sensitivity =
    power?.mde != null
      ? ` With these ${report.dataset.queries} queries, a difference smaller than about ${fmt(power.mde)} ${m} is likely to go unnoticed (α ${s.alpha}, power 0.8); telling 0.01 apart needs about ${power.queriesFor001} queries.`
      : "";
  return (
    `${table}\n\nΔ is the mean per-query difference from ${report.baseline} over the queries both evaluated; ` +
    `the interval is a ${s.ciMethod} (${s.resamples} resamples, seed ${s.seed}); the randomization test (sign flips, exact for 20 queries or fewer) ` +
    `gives the primary p-value, the t-test a cross-check, and the corrected p is ${s.correction === "holm" ? "Holm's" : "Benjamini–Hochberg's"} over all ` +
    `${report.comparisons.length} comparisons of this report (every headline measure in report.json). Harm: the share of queries the variant makes worse.${sensitivity}`
  );
}

const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;
const p = (x: number | null) => (x === null ? "—" : x < 0.0001 ? "<0.0001" : x.toFixed(4));

/** The marks of the headline table, in plain words. */
function marksText(report: Report): string {
  const s = report.significance;
  const n = report.comparisons.length;
  const test = `paired randomization test, ${s.correction === "holm" ? "Holm" : "Benjamini–Hochberg"}-corrected over the report's ${n} comparisons, p < ${s.alpha}`;
  const parts: string[] = [];
  if (n)
    parts.push(
      `▲/▼: better/worse than the baseline ${report.baseline} beyond noise (${test}); an unmarked difference may be noise`,
    );
  if (report.groups)
    parts.push(
      `group: variants sharing a letter are not distinguishable on ${report.groups.measure} (${report.groups.method}, ${s.permutations} permutations); "a" holds the best`,
    );
  parts.push("**bold**: the best value, only where it beats every other variant beyond noise");
  return `${parts.join(". ")}`;
}

/** "2 failed", "19 never ran", "2 failed, 19 never ran": what a mean is missing, by cause. */
function lostWords(failed: number, neverRan: number, mark: string): string {
  return [
    ...(failed > 0 ? [`${failed} ${mark}`] : []),
    ...(neverRan > 0 ? [`${neverRan} never ran`] : []),
  ].join(", ");
}

/** Said only when some variant's mean is not over every query (and so not compared). */
function boldScope(report: Report): string {
  const { lost } = comparable(report);
  if (lost.size === 0) return "";
  const mark = report.conventions.complete ? "failed" : "left out";
  return (
    `, among the variants that evaluated every query; a mean marked "(n ${mark})" or "(n never ran)" is over ` +
    "other queries than theirs, so it is not compared"
  );
}

const OPTIMISTIC =
  "> **Optimistic:** the candidates are the judged pool (`--candidates qrels`): every relevant document " +
  "is among them, so these figures are an upper bound of what the rerankers would do behind a real first stage.";

function latencyTable(report: Report): string {
  const rows = report.variants
    .filter((v) => v.kind === "rerank")
    .map((v) => {
      const q = v.latency?.query;
      const a = v.latency?.request;
      return [
        v.id,
        ms(q?.p50),
        ms(q?.p90),
        ms(q?.p95),
        ms(q?.p99),
        ms(q?.max),
        ms(q?.mean),
        ms(a?.p50),
        ms(a?.p95),
        String(v.calls?.attempts ?? 0),
        (v.throughput?.queriesPerSecond ?? 0).toFixed(1),
        (v.throughput?.documentsPerSecond ?? 0).toFixed(0),
      ];
    });
  const headers = ["variant", "p50", "p90", "p95", "p99", "max", "mean", "attempt p50", "attempt p95"];
  headers.push("attempts", "queries/s", "docs/s");
  const table = markdownTable(headers, rows, ["left", ...headers.slice(1).map(() => "right" as const)]);
  const t = report.throughput;
  return (
    `${table}\n\nMilliseconds per query (all attempts and back-off) and per HTTP attempt. ` +
    `Overall: ${t.queriesPerSecond.toFixed(1)} queries/s, ${t.documentsPerSecond.toFixed(0)} documents/s ` +
    `over the rerank phase (${report.timing.rerankSeconds.toFixed(2)} s); variants share one limiter, so each ` +
    `variant's rate is measured over its own first-to-last wall time. ` +
    cachedText(report) +
    clientCpuText(report)
  );
}

/** Answers the response cache gave made no call: said, since the figures above leave them out (report.html too). */
export function cachedText(report: Report): string {
  const cached = report.variants.filter((v) => v.cached > 0);
  const n = cached.reduce((s, v) => s + v.cached, 0);
  if (n === 0) return "";
  const each = cached.length > 1 ? ` (${cached.map((v) => `${v.id} ${v.cached}`).join(", ")})` : "";
  return `${count(n, "answer")} from the cache, not timed${each}: left out of the latency and throughput figures. `;
}

/** CPU of the rerank-eval process per API call (queries of the rerank variants). */
function clientCpuText(report: Report): string {
  const cpu = report.timing.rerankCpuSeconds;
  if (cpu === null) return "Client CPU: not recorded (the run wrote no report of its own).";
  const calls = report.variants.reduce((n, v) => n + (v.calls?.requests ?? 0), 0);
  return `Client CPU: ${(calls ? (1000 * cpu) / calls : 0).toFixed(2)} ms per request over the phase.`;
}

/**
 * Each model across its top_n values: the main measure and p95 side by side; one row per depth
 * when depth is a variant dimension too (top_n "all" for a variant without one).
 */
function topNTable(report: Report): string | undefined {
  const withDepth = report.variants.some((v) => v.depth !== undefined);
  const byModel = new Map<string, ReportVariant[]>();
  for (const v of report.variants) {
    if (v.kind !== "rerank" || (v.topN === null && !withDepth)) continue;
    const row = withDepth ? `${v.name}\n${v.depth}` : v.name;
    byModel.set(row, [...(byModel.get(row) ?? []), v]);
  }
  const tops = [...new Set([...byModel.values()].flat().map((v) => v.topN))].sort(
    (a, b) => (a ?? Number.POSITIVE_INFINITY) - (b ?? Number.POSITIVE_INFINITY),
  );
  if (tops.length < 2 && !withDepth) return undefined;
  const measure = primaryMeasure(report.measures, report.config.k, report.headline);
  const at = (n: number | null) => `@top_n=${n ?? "all"}`;
  const headers = [
    "model",
    ...(withDepth ? ["depth"] : []),
    ...tops.flatMap((n) => [`${measure} ${at(n)}`, `p95 ms ${at(n)}`]),
  ];
  const rows = [...byModel].map(([row, vs]) => [
    ...row.split("\n"),
    ...tops.flatMap((n) => {
      const v = vs.find((x) => x.topN === n);
      return v ? [fmt(v.metrics[measure]?.mean ?? 0), ms(v.latency?.query?.p95)] : ["—", "—"];
    }),
  ]);
  return markdownTable(headers, rows, ["left", ...headers.slice(1).map(() => "right" as const)]);
}

/** Text from the data inside a table cell: a pipe would end the cell. */
const cellText = (text: string) => text.replace(/\|/g, "\\|");

/** Judged@k per variant and the unjudged pairs placed high: where the judgements have holes. */
function holesText(report: Report): string | undefined {
  const h = report.holes;
  if (!h) return undefined;
  const judged = markdownTable(
    ["variant", `Judged@${h.k}`],
    report.variants.map((v) => [v.id, fmt(h.judged[v.id] ?? 0)]),
    ["left", "right"],
  );
  const below = h.below.length
    ? `Below ${h.threshold}: ${h.below.join(", ")}: nDCG may be understated, since unjudged documents count as not relevant (BEIR's hole@${h.k}).`
    : `Every variant's top ${h.k} is at least ${h.threshold * 100}% judged.`;
  const out = [
    `The candidates are not the judged pool, so a variant can place unjudged documents high. ${below}`,
    "",
    judged,
  ];
  if (h.unjudged.length)
    out.push(
      "",
      `Unjudged documents most often in a rerank variant's top ${h.top} (judging these first helps most):`,
      "",
      markdownTable(
        ["variants", "query", "qid", "document"],
        h.unjudged.map((u) => [String(u.variants), cellText(u.query), cellText(u.qid), cellText(u.docId)]),
        ["right", "left", "left", "left"],
      ),
    );
  return out.join("\n");
}

/** Each variant on the three axes a choice weighs, the ones no other beats marked. */
function frontText(report: Report): string {
  const f = report.front;
  const onFront = new Set(f.variants);
  const priced = report.variants.some((v) => v.cost);
  const money = (x: number | null | undefined, currency = "") =>
    x === null || x === undefined ? "—" : `${x.toFixed(x < 1 ? 4 : 2)}${currency ? ` ${currency}` : ""}`;
  const withDepth = report.variants.some((v) => v.depth !== undefined);
  const rows = report.variants.map((v) => [
    v.id,
    ...(withDepth ? [String(v.depth ?? report.candidates.depth ?? "")] : []),
    fmt(v.metrics[f.measure]?.mean ?? 0),
    v.kind === "first-stage" ? "0.0" : ms(v.latency?.query?.p95),
    ...(priced
      ? [
          v.kind === "first-stage" ? "0" : money(v.cost?.per1kQueries, v.cost?.currency),
          money(v.cost?.perPlus001, v.cost?.currency),
        ]
      : []),
    onFront.has(v.id) ? "yes" : "",
  ]);
  const headers = [
    "variant",
    ...(withDepth ? ["depth"] : []),
    f.measure,
    "p95 ms",
    ...(priced ? ["cost / 1k queries", `cost of +0.01 ${f.measure} / 1k`] : []),
    "on the front",
  ];
  const table = markdownTable(headers, rows, [
    "left",
    ...headers.slice(1, -1).map(() => "right" as const),
    "left",
  ]);
  const axes = f.axes.join(", ");
  // Variants counted alike (the same model at several top_n, usually) are named together.
  const byBasis = new Map<string, string[]>();
  for (const v of report.variants) {
    if (!v.cost) continue;
    const key = v.cost.basis.join(", ");
    byBasis.set(key, [...(byBasis.get(key) ?? []), v.id]);
  }
  const basis = [...byBasis].map(([text, ids]) => `${ids.join(", ")}: ${text}`).join("; ");
  return (
    `${table}\n\nOn the front: no other variant is at least as good on ${axes} and better on one.` +
    (priced
      ? ` Cost from each model's price (${basis}); +0.01 is over the baseline ${report.baseline}.`
      : " No model has a price (`price: {perSearchUnit, per1kRequests or perMillionTokens}` in the config adds cost).")
  );
}

function ceilingText(report: Report): string {
  const c = report.candidates;
  const depth = c.depth !== null ? ` (cut at depth ${c.depth})` : "";
  const missing = c.missingDocuments
    ? ` ${c.missingDocuments} candidates named documents without text and were skipped.`
    : "";
  const blame =
    "No reranker can recall more than its candidates hold, so a low ceiling is the first stage's fault, not the reranker's.";
  const found = `${c.ceiling.relevantInCandidates} of ${c.ceiling.relevantTotal} relevant documents are candidates`;
  const none = c.ceiling.queriesWithoutRelevant;
  const skipped = report.withoutRelevant.skipped && report.withoutRelevant.count > 0;
  const left = skipped
    ? ` ${report.withoutRelevant.count} queries without a relevant document were left out (--skip-queries-without-relevant): ${listed(report.withoutRelevant.queries)}.`
    : "";
  if (none === 0)
    return `${c.ceiling.measure} of the candidate lists${depth}: **${fmt(c.ceiling.mean)}** — ${found}; 0 queries have no relevant document. ${blame}${left}${missing}`;
  // The mean over all queries counts those without a relevant document as 0: say both, or the
  // line contradicts itself ("0.9000 — 435 of 435 relevant documents are candidates").
  const scored = report.dataset.queries;
  return (
    `${c.ceiling.measure} of the candidate lists${depth}: **${fmt(c.ceiling.meanWithRelevant)}** over the ` +
    `${scored - none} queries that have a relevant document (${found}). ${none} of the ${scored} queries have ` +
    `none: they score 0 in every measure whatever the ranking, so over all ${scored} the ceiling is ` +
    `${fmt(c.ceiling.mean)}, and no mean in this report can exceed ${fmt((scored - none) / scored)}. ${blame}${missing}`
  );
}

/** Ids in backticks, the first 50, then how many more report.json holds. */
function listed(ids: string[]): string {
  const shown = ids.slice(0, 50).map((q) => `\`${q}\``);
  return `${shown.join(", ")}${ids.length > 50 ? `, … (${ids.length - 50} more in report.json)` : ""}`;
}

function qualityTable(report: Report): string {
  const rows = report.variants.map((v) => {
    const kinds = Object.entries(v.failures.byKind)
      .map(([k, n]) => `${k}: ${n}`)
      .join(", ");
    // Each wording with its count ("top_n clamped 10->8 (5)"), grouped by code.
    const notes = Object.keys(v.notes)
      .sort(byText)
      .flatMap((code) =>
        Object.keys(v.notes[code].details)
          .sort(byText)
          .map((detail) => `${detail} (${v.notes[code].details[detail]})`),
      )
      .join("; ");
    const usage = Object.entries(v.usage)
      .map(([key, n]) => `${key} ${n}`)
      .join(", ");
    return [v.id, String(v.failures.count), kinds || "—", String(v.ties.queries), usage || "—", notes || "—"];
  });
  const k = report.variants[0]?.ties.k ?? 10;
  return markdownTable(
    ["variant", "failed", "errors by kind", `queries with ties in top ${k}`, "usage (totals)", "notes"],
    rows,
    ["left", "right", "left", "right", "left", "left"],
  );
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function failuresText(report: Report): string {
  const f = report.failures;
  if (f.count === 0) return "No query failed.";
  const lines = [
    `${f.count} (variant, query) tasks failed after their retries (max-failures ${f.maxFailures}: ` +
      `${f.exceeded ? "exceeded, the run exits with code 3" : "within budget"}). ${report.conventions.complete ? "They count 0 in every measure." : "They are left out of the means."}`,
    "",
  ];
  for (const v of report.variants) {
    if (v.failures.count === 0) continue;
    lines.push(`- ${v.id}: ${listed(v.failures.queries)}`);
    for (const [kind, message] of Object.entries(v.failures.examples)) {
      lines.push(`  - ${kind}, e.g. \`${message.replaceAll("`", "'")}\``);
    }
  }
  return lines.join("\n");
}

function conventions(report: Report): string[] {
  const c = report.conventions;
  return [
    `- Measures as trec_eval computes them; ties: ${c.ties}.`,
    c.complete
      ? "- Complete convention (trec_eval `-c`): every evaluated query counts; a query without a ranking scores 0."
      : "- Without the complete convention (`--no-complete`): queries without a ranking (failures) are left out of the means.",
    `- Relevant = grade ≥ ${c.relevanceLevel}; nDCG uses linear gain.`,
    "- A reranked list holds only what the API returned (top_n): documents it did not return are not retrieved.",
    `- \`run-<variant>.trec\` reproduces these numbers: \`rerank-eval evaluate --qrels qrels.txt --run run-<variant>.trec${c.complete ? " --complete" : ""}\` (trec_eval${c.complete ? " -c" : ""}); scores are printed at full precision so ties stay ties.`,
    `- Latency percentiles: ${c.percentiles}.`,
    `- ${c.loop[0].toUpperCase()}${c.loop.slice(1)}.`,
  ];
}
