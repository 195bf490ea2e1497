/**
 * report.html's load section (reports of `rerank-eval load`): the latency–throughput curve with the
 * SLO as a horizontal line and the highest rate that held it marked, achieved against offered rate,
 * and the table of the steps. Built from report.json's `load` alone, like the other charts.
 */
import type { TopLevelSpec } from "vega-lite";
import { type Chart, fmt } from "./html-charts.js";
import { boundedConnections, loadStepTable, rateText as rate } from "./load-markdown.js";
import type { LoadSection, LoadStep } from "./schema.js";
import type { Report, ReportVariant } from "./types.js";

/** The percentiles drawn as lines: the middle, the usual SLO one and the tail. */
const CURVES = ["p50", "p95", "p99"] as const;
const CURVE_COLOURS = ["#3366aa", "#d9480f", "#862e9c"];
const SLO = "#c92a2a";
const MAX_RATE = "#2b8a3e";

const ms = (x: number | null | undefined): string => fmt(x, 1);

/** Steps with the endpoint they were sent to, in rate order (a rate search probes out of order). */
function stepsOf(report: Report, load: LoadSection): { step: LoadStep; endpoint: string }[] {
  const byId = new Map(report.variants.map((v) => [v.id, v]));
  return load.steps
    .map((step) => ({ step, endpoint: endpointOf(byId.get(step.variant)) }))
    .sort((a, b) => a.step.offeredRate - b.step.offeredRate || a.endpoint.localeCompare(b.endpoint));
}

/** "model at endpoint": what a curve stands for (a load report may hold more than one). */
function endpointOf(v: ReportVariant | undefined): string {
  if (!v) return "—";
  return `${v.model ?? v.name} at ${v.endpoint ?? "—"}`;
}

/**
 * A log axis when the values span more than a decade (queueing past saturation: from tens of ms to
 * seconds), so the flat part below saturation stays readable; linear otherwise.
 */
function scaleFor(values: number[]): { type: "log" | "linear"; zero?: boolean } {
  const positive = values.filter((x) => x > 0);
  if (positive.length === 0) return { type: "linear" };
  return Math.max(...positive) / Math.min(...positive) > 10
    ? { type: "log" }
    : { type: "linear", zero: true };
}

function base(title: string, desc: string): object {
  return {
    title,
    description: desc,
    width: 520,
    height: 280,
    background: "white",
    config: { font: "sans-serif", view: { stroke: null } },
  };
}

/** Latency percentiles (y) against offered rate (x), one line per percentile and endpoint. */
export function loadLatencyChart(report: Report): Chart | null {
  const load = report.load;
  if (!load || load.steps.length === 0) return null;
  const steps = stepsOf(report, load);
  const endpoints = [...new Set(steps.map((s) => s.endpoint))];
  const several = endpoints.length > 1;
  // A log axis cannot show 0 (a step that got no answer): such points are left out of the lines.
  const rows = steps.flatMap(({ step, endpoint }) =>
    CURVES.map((p) => ({ rate: step.offeredRate, ms: step.latency[p], curve: p, endpoint })),
  );
  const yScale = scaleFor([...rows.map((r) => r.ms), load.slo?.thresholdMs ?? 0]);
  const drawn = yScale.type === "log" ? rows.filter((r) => r.ms > 0) : rows;
  const title = "Latency against offered rate: p50, p95 and p99";
  const slo = load.slo;
  const marks: object[] = [
    {
      data: { values: drawn },
      mark: { type: "line", point: { filled: true, size: 40 } },
      encoding: {
        x: {
          field: "rate",
          type: "quantitative",
          title: "offered rate (requests/s)",
          scale: { ...scaleFor(drawn.map((r) => r.rate)), nice: false },
        },
        y: {
          field: "ms",
          type: "quantitative",
          title: `latency from intended send (ms${yScale.type === "log" ? ", log scale" : ""})`,
          scale: yScale,
        },
        color: {
          field: "curve",
          type: "nominal",
          sort: [...CURVES],
          scale: { domain: [...CURVES], range: CURVE_COLOURS },
          legend: { orient: "bottom", title: null },
        },
        ...(several
          ? { strokeDash: { field: "endpoint", type: "nominal", legend: { orient: "bottom", title: null } } }
          : { detail: { field: "endpoint" } }),
      },
    },
  ];
  if (slo) {
    const label = `SLO ${slo.percentile} < ${rate(slo.thresholdMs)} ms`;
    marks.push(
      {
        data: { values: [{ ms: slo.thresholdMs, label }] },
        mark: { type: "rule", color: SLO, strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { field: "ms", type: "quantitative" } },
      },
      {
        data: { values: [{ ms: slo.thresholdMs, label }] },
        mark: { type: "text", color: SLO, align: "left", baseline: "bottom", dy: -3, x: 4, fontSize: 11 },
        encoding: { y: { field: "ms", type: "quantitative" }, text: { field: "label" } },
      },
    );
  }
  if (load.maxRate !== null) {
    const label = `max rate ${rate(load.maxRate)}/s`;
    marks.push(
      {
        data: { values: [{ rate: load.maxRate, label }] },
        mark: { type: "rule", color: MAX_RATE, strokeDash: [2, 3], strokeWidth: 1.5 },
        encoding: { x: { field: "rate", type: "quantitative" } },
      },
      {
        data: { values: [{ rate: load.maxRate, label }] },
        mark: { type: "text", color: MAX_RATE, align: "left", baseline: "top", dx: 4, y: 4, fontSize: 11 },
        encoding: { x: { field: "rate", type: "quantitative" }, text: { field: "label" } },
      },
    );
  }
  const spec = {
    ...base(title, "Line chart of the latency percentiles of each load step against its offered rate."),
    layer: marks,
  } as unknown as TopLevelSpec;
  const sloText = slo ? `; the SLO (${slo.text}) as a horizontal line` : "";
  const maxText =
    load.maxRate !== null ? `; the highest rate that held it, ${rate(load.maxRate)}/s, marked` : "";
  return {
    id: "chart-load-latency",
    title,
    desc: `p50, p95 and p99 latency of each step (from each request's intended send time) against the offered rate${sloText}${maxText}.`,
    spec,
    table: {
      head: [...(several ? ["endpoint"] : []), "offered /s", ...CURVES.map((p) => `${p} ms`)],
      rows: steps.map(({ step, endpoint }) => [
        ...(several ? [endpoint] : []),
        rate(step.offeredRate),
        ...CURVES.map((p) => ms(step.latency[p])),
      ]),
    },
  };
}

/** Achieved against offered rate, with the line where they are equal: saturation is where they part. */
export function loadThroughputChart(report: Report): Chart | null {
  const load = report.load;
  if (!load || load.steps.length === 0) return null;
  const steps = stepsOf(report, load);
  const several = new Set(steps.map((s) => s.endpoint)).size > 1;
  const rows = steps.map(({ step, endpoint }) => ({
    offered: step.offeredRate,
    achieved: step.achievedRate,
    endpoint,
  }));
  const top = Math.max(...rows.flatMap((r) => [r.offered, r.achieved]));
  const title = "Achieved against offered rate";
  const spec = {
    ...base(title, "Line chart of each step's achieved rate against its offered rate."),
    layer: [
      {
        data: {
          values: [
            { offered: 0, achieved: 0 },
            { offered: top, achieved: top },
          ],
        },
        mark: { type: "line", color: "#adb5bd", strokeDash: [4, 4] },
        encoding: {
          x: { field: "offered", type: "quantitative" },
          y: { field: "achieved", type: "quantitative" },
        },
      },
      {
        data: { values: rows },
        mark: { type: "line", color: "#3366aa", point: { filled: true, size: 40 } },
        encoding: {
          x: { field: "offered", type: "quantitative", title: "offered rate (requests/s)" },
          y: { field: "achieved", type: "quantitative", title: "achieved rate (answers/s)" },
          ...(several
            ? {
                strokeDash: { field: "endpoint", type: "nominal", legend: { orient: "bottom", title: null } },
              }
            : {}),
        },
      },
    ],
  } as unknown as TopLevelSpec;
  return {
    id: "chart-load-throughput",
    title,
    desc: "Each step's achieved rate against its offered rate; the dashed grey line is achieved = offered.",
    spec,
    table: {
      head: [...(several ? ["endpoint"] : []), "offered /s", "achieved /s", "achieved / offered"],
      rows: steps.map(({ step, endpoint }) => [
        ...(several ? [endpoint] : []),
        rate(step.offeredRate),
        fmt(step.achievedRate, 1),
        step.offeredRate > 0 ? `${fmt((100 * step.achievedRate) / step.offeredRate, 1)} %` : "—",
      ]),
    },
  };
}

/** The steps as run (search order kept): every figure of the section, quality included. */
export function loadStepsTableHtml(
  report: Report,
): { head: string[]; rows: string[][]; caption: string } | null {
  const load = report.load;
  if (!load || load.steps.length === 0) return null;
  const measure = report.front.measure || report.headline[0] || Object.keys(load.steps[0].metrics)[0] || "";
  const slo = load.slo;
  const { head, rows } = loadStepTable(load, measure ? [measure] : []);
  const connections = boundedConnections(load);
  const parts = [
    `${load.arrival} arrivals (seed ${load.seed})`,
    `at most ${load.maxInFlight} in flight`,
    ...(connections !== undefined ? [`at most ${connections} connections`] : []),
    `${load.payload} payloads`,
    ...(slo ? [`SLO ${slo.text}, error budget ${fmt(100 * slo.maxErrorRate, 2)} %`] : []),
    ...(load.maxRate !== null ? [`highest rate that held it: ${rate(load.maxRate)}/s`] : []),
  ];
  return { head, rows, caption: `Load steps in the order they ran: ${parts.join("; ")}` };
}
