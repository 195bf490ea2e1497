/**
 * The HTML report's charts, each a vega-lite spec built from report.json alone together with the
 * table of the numbers it draws (the accessible twin under every chart).
 */
import type { TopLevelSpec } from "vega-lite";
import type { ResultRecord } from "../results/record.js";
import type { Report, ReportVariant } from "./types.js";

export interface Chart {
  /** Unique in the page (an HTML id). */
  id: string;
  title: string;
  desc: string;
  spec: TopLevelSpec;
  table: { head: string[]; rows: string[][] };
}

const BASE = "#9aa5b1";
const MAIN = "#3366aa";
const FRONT = "#d9480f";

export const fmt = (x: number | null | undefined, digits = 4): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "—" : x.toFixed(digits);

const ms = (x: number | null | undefined): string => fmt(x, 1);

function base(
  title: string,
  desc: string,
  width = 420,
): Pick<TopLevelSpec, "title" | "description"> & object {
  return {
    title,
    description: desc,
    width,
    background: "white",
    config: { font: "sans-serif", view: { stroke: null } },
  } as Pick<TopLevelSpec, "title" | "description"> & object;
}

/** One bar per variant: the mean of `measure` with its 95 % interval as a whisker. */
export function measureChart(report: Report, measure: string, index: number): Chart {
  const rows = report.variants.map((v) => {
    const m = v.metrics[measure];
    return {
      variant: v.id,
      mean: m?.mean ?? null,
      lo: m?.ci95?.[0] ?? null,
      hi: m?.ci95?.[1] ?? null,
      role: v.id === report.baseline ? "baseline" : "variant",
    };
  });
  const order = rows.map((r) => r.variant);
  const title = `${measure}: mean per variant with its 95 % interval`;
  const spec = {
    ...base(title, `Bar chart of the mean ${measure} of each variant, whiskers at the 95 % interval.`),
    data: { values: rows },
    height: { step: 22 },
    encoding: { y: { field: "variant", type: "nominal", sort: order, title: null } },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          x: { field: "mean", type: "quantitative", title: measure },
          color: {
            field: "role",
            type: "nominal",
            scale: { domain: ["baseline", "variant"], range: [BASE, MAIN] },
            legend: { title: null, orient: "bottom" },
          },
        },
      },
      {
        transform: [{ filter: "datum.lo !== null" }],
        mark: { type: "rule", color: "#111", strokeWidth: 1.5 },
        encoding: { x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } },
      },
    ],
  } as unknown as TopLevelSpec;
  return {
    id: `chart-measure-${index}`,
    title,
    desc: `Mean ${measure} per variant; the whisker spans the 95 % interval.`,
    spec,
    table: {
      head: ["variant", "mean", "95 % low", "95 % high"],
      rows: rows.map((r) => [mark(report, r.variant), fmt(r.mean), fmt(r.lo), fmt(r.hi)]),
    },
  };
}

const STATS = ["p50", "p90", "p95", "p99", "max"] as const;

/** Per variant, the per-query latency percentiles on one line from p50 to max. */
export function latencyChart(report: Report): Chart | null {
  const timed = report.variants.filter((v) => v.latency?.query);
  if (timed.length === 0) return null;
  const rows = timed.flatMap((v) =>
    STATS.map((s) => ({ variant: v.id, stat: s, ms: v.latency?.query?.[s] ?? 0 })),
  );
  const title = "Latency per query (ms): p50, p90, p95, p99 and max";
  const spec = {
    ...base(title, "Strip of each variant's per-query latency percentiles."),
    data: { values: rows },
    height: { step: 26 },
    encoding: {
      y: { field: "variant", type: "nominal", sort: timed.map((v) => v.id), title: null },
      x: { field: "ms", type: "quantitative", title: "latency per query (ms)" },
    },
    layer: [
      { mark: { type: "line", color: "#888" }, encoding: { detail: { field: "variant" } } },
      {
        mark: { type: "point", filled: true, size: 70 },
        encoding: {
          shape: {
            field: "stat",
            type: "nominal",
            sort: [...STATS],
            legend: { orient: "bottom", title: null },
          },
          color: {
            field: "stat",
            type: "nominal",
            sort: [...STATS],
            legend: { orient: "bottom", title: null },
          },
        },
      },
    ],
  } as unknown as TopLevelSpec;
  return {
    id: "chart-latency",
    title,
    desc: "Per-query latency percentiles of each variant, in milliseconds.",
    spec,
    table: {
      head: ["variant", ...STATS, "queries"],
      rows: timed.map((v) => [
        mark(report, v.id),
        ...STATS.map((s) => ms(v.latency?.query?.[s])),
        String(v.latency?.query?.count ?? 0),
      ]),
    },
  };
}

/**
 * The distribution of every HTTP attempt's latency per variant, from the records' per-attempt
 * samples: a box (quartiles) with whiskers from the fastest to the slowest attempt.
 */
export function attemptLatencyChart(report: Report, records: Map<string, ResultRecord[]>): Chart | null {
  const rows = report.variants.flatMap((v) =>
    (records.get(v.id) ?? []).flatMap((r) => r.attemptLatenciesMs.map((ms) => ({ variant: v.id, ms }))),
  );
  if (rows.length === 0) return null;
  const ids = [...new Set(rows.map((r) => r.variant))];
  const title = "Latency per HTTP attempt (ms): the distribution of every sample";
  const spec = {
    ...base(title, "Box plot of each variant's per-attempt latencies: quartiles, whiskers from min to max."),
    data: { values: rows },
    height: { step: 26 },
    mark: { type: "boxplot", extent: "min-max", color: "#4c78a8" },
    encoding: {
      y: { field: "variant", type: "nominal", sort: ids, title: null },
      x: { field: "ms", type: "quantitative", title: "latency per attempt (ms)" },
    },
  } as unknown as TopLevelSpec;
  return {
    id: "chart-attempt-latency",
    title,
    desc: "Distribution of the per-attempt latencies of each variant, in milliseconds.",
    spec,
    table: {
      head: ["variant", "attempts", "p50", "p95", "max"],
      rows: report.variants
        .filter((v) => ids.includes(v.id))
        .map((v) => {
          const a = v.latency?.request;
          return [mark(report, v.id), String(a?.count ?? 0), ms(a?.p50), ms(a?.p95), ms(a?.max)];
        }),
    },
  };
}

/** Per-query variant − baseline on `measure`, largest gain first (ties by query id). */
export function queryDeltas(
  baseline: ReportVariant,
  variant: ReportVariant,
  measure: string,
): { qid: string; delta: number }[] {
  const b = baseline.perQuery[measure] ?? {};
  const v = variant.perQuery[measure] ?? {};
  return Object.keys(v)
    .filter((q) => q in b)
    .map((qid) => ({ qid, delta: v[qid] - b[qid] }))
    .sort((x, y) => y.delta - x.delta || (x.qid < y.qid ? -1 : x.qid > y.qid ? 1 : 0));
}

/** Above this many queries, a per-query chart's bars go unnamed (the table beside it names them). */
const NAMED_DELTA_BARS = 60;

export function deltaCharts(report: Report): Chart[] {
  const measure = report.front.measure;
  const baseline = report.variants.find((v) => v.id === report.baseline);
  if (!baseline) return [];
  return report.variants
    .filter((v) => v !== baseline)
    .map((v, i) => {
      const rows = queryDeltas(baseline, v, measure).map((d, rank) => ({
        ...d,
        rank: rank + 1,
        sign: d.delta > 0 ? "better" : d.delta < 0 ? "worse" : "equal",
      }));
      const title = `${v.id} − ${baseline.id}: ${measure} per query, sorted`;
      // A bar per query named on the axis while the names can be read; past that, bars by rank (an
      // explicit order of thousands of names compiles into one expression too deep for vega).
      const named = rows.length <= NAMED_DELTA_BARS;
      const spec = {
        ...base(
          title,
          `Per-query difference in ${measure} of ${v.id} against the baseline.`,
          named ? Math.max(240, rows.length * 12) : 900,
        ),
        data: { values: rows },
        height: 160,
        mark: { type: "bar" },
        encoding: {
          x: named
            ? {
                field: "qid",
                type: "nominal",
                sort: rows.map((r) => r.qid),
                title: "query",
                axis: { labelAngle: -60 },
              }
            : {
                field: "rank",
                type: "ordinal",
                title: "queries, from the largest gain to the largest loss",
                axis: null,
              },
          tooltip: [
            { field: "qid", title: "query" },
            { field: "delta", format: ".4f" },
          ],
          y: { field: "delta", type: "quantitative", title: `Δ ${measure}` },
          color: {
            field: "sign",
            type: "nominal",
            scale: { domain: ["better", "equal", "worse"], range: ["#2b8a3e", "#adb5bd", "#c92a2a"] },
            legend: { orient: "bottom", title: null },
          },
        },
      } as unknown as TopLevelSpec;
      return {
        id: `chart-delta-${i + 1}`,
        title,
        desc: `${rows.length} queries, sorted from the largest gain to the largest loss against ${baseline.id}.`,
        spec,
        table: {
          head: ["query", `Δ ${measure}`],
          rows: rows.map((r) => [r.qid, `${r.delta > 0 ? "+" : ""}${fmt(r.delta)}`]),
        },
      };
    });
}

/** Quality (front.measure) against p95 latency per query, the front's variants highlighted. */
export function frontChart(report: Report): Chart | null {
  const measure = report.front.measure;
  const onFront = new Set(report.front.variants);
  const withDepth = report.variants.some((v) => v.depth !== undefined);
  const rows = report.variants.map((v) => ({
    variant: v.id,
    depth: v.depth ?? report.candidates.depth,
    p95: v.latency?.query?.p95 ?? null,
    quality: v.metrics[measure]?.mean ?? null,
    front: onFront.has(v.id) ? "on the front" : "dominated",
  }));
  // Labels alternate above and below their points in p95 order, so neighbours' names do not print
  // over each other; with many variants only the front is named (the table below names them all).
  const drawn = rows
    .filter((r) => r.p95 !== null && r.quality !== null)
    .sort((a, b) => (a.p95 as number) - (b.p95 as number))
    .map((r, i) => ({ ...r, side: i % 2, label: rows.length <= 6 || r.front === "on the front" }));
  if (drawn.length === 0) return null;
  const title = `${measure} against p95 latency, the front marked`;
  const spec = {
    ...base(title, `Scatter of each variant's mean ${measure} against its p95 latency per query.`),
    data: { values: drawn },
    height: 260,
    encoding: {
      x: {
        field: "p95",
        type: "quantitative",
        title: "p95 latency per query (ms)",
        scale: { zero: false, nice: true, padding: 14 },
      },
      y: {
        field: "quality",
        type: "quantitative",
        title: measure,
        scale: { zero: false, nice: true, padding: 14 },
      },
    },
    layer: [
      {
        transform: [{ filter: "datum.front === 'on the front'" }],
        mark: { type: "line", color: FRONT, strokeDash: [4, 3] },
        encoding: { order: { field: "p95" } },
      },
      {
        mark: { type: "point", filled: true, size: 90 },
        encoding: {
          color: {
            field: "front",
            type: "nominal",
            scale: { domain: ["on the front", "dominated"], range: [FRONT, BASE] },
            legend: { orient: "bottom", title: null },
          },
        },
      },
      ...[
        { side: 0, dy: -8 },
        { side: 1, dy: 14 },
      ].map(({ side, dy }) => ({
        transform: [{ filter: `datum.label && datum.side === ${side}` }],
        mark: { type: "text", align: "left", dx: 7, dy, fontSize: 10 },
        encoding: { text: { field: "variant" } },
      })),
    ],
  } as unknown as TopLevelSpec;
  return {
    id: "chart-front",
    title,
    desc: `Each variant's mean ${measure} against its p95 latency; front variants: ${report.front.variants.join(", ") || "none"}.`,
    spec,
    table: {
      head: ["variant", ...(withDepth ? ["depth"] : []), "p95 latency (ms)", measure, "front"],
      rows: rows.map((r) => [
        mark(report, r.variant),
        ...(withDepth ? [String(r.depth ?? "")] : []),
        ms(r.p95),
        fmt(r.quality),
        r.front === "on the front" ? "yes" : "no",
      ]),
    },
  };
}

/** Each model's primary measure across its top_n values, for models run with more than one. */
export function topNChart(report: Report): Chart | null {
  const measure = report.front.measure;
  const byModel = new Map<string, ReportVariant[]>();
  for (const v of report.variants) {
    if (v.topN === null) continue;
    // Depth as a variant dimension: one line per model and depth.
    const key = v.depth === undefined ? v.name : `${v.name}, depth ${v.depth}`;
    byModel.set(key, [...(byModel.get(key) ?? []), v]);
  }
  const rows = [...byModel]
    .filter(([, vs]) => new Set(vs.map((v) => v.topN)).size > 1)
    .flatMap(([model, vs]) =>
      [...vs]
        .sort((a, b) => (a.topN ?? 0) - (b.topN ?? 0))
        .map((v) => ({
          model,
          variant: v.id,
          topN: v.topN,
          mean: v.metrics[measure]?.mean ?? null,
          lo: v.metrics[measure]?.ci95?.[0] ?? null,
          hi: v.metrics[measure]?.ci95?.[1] ?? null,
        })),
    );
  if (rows.length === 0) return null;
  const title = `top_n effect: ${measure} per model across its top_n values`;
  const spec = {
    ...base(title, `Line chart of each model's mean ${measure} against top_n.`),
    data: { values: rows },
    height: 220,
    encoding: {
      x: {
        field: "topN",
        type: "quantitative",
        title: "top_n",
        scale: { zero: false, padding: 16 },
        axis: { tickMinStep: 1, format: "d" },
      },
      color: { field: "model", type: "nominal", legend: { orient: "bottom", title: null } },
    },
    layer: [
      {
        mark: { type: "line", point: { filled: true, size: 60 } },
        encoding: { y: { field: "mean", type: "quantitative", title: measure, scale: { zero: false } } },
      },
      {
        transform: [{ filter: "datum.lo !== null" }],
        mark: { type: "rule" },
        encoding: { y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
      },
    ],
  } as unknown as TopLevelSpec;
  return {
    id: "chart-topn",
    title,
    desc: `Mean ${measure} of each model at each top_n it ran with; whiskers at the 95 % interval.`,
    spec,
    table: {
      head: ["model", "top_n", "variant", measure, "95 % low", "95 % high"],
      rows: rows.map((r) => [r.model, String(r.topN), r.variant, fmt(r.mean), fmt(r.lo), fmt(r.hi)]),
    },
  };
}

/** The variant id as shown in the tables: the baseline marked. */
function mark(report: Report, id: string): string {
  return id === report.baseline ? `${id} (baseline)` : id;
}
