/**
 * report.md's load section (`rerank-eval load`): the steps as one table (offered vs achieved,
 * drops, errors, latency from the intended send time, sender lag, quality per step) and the SLO
 * verdict with the highest rate that held it.
 */
import { markdownTable } from "./markdown.js";
import type { LoadSection, LoadStep } from "./schema.js";

/** A request rate as the load's HTML and compare reports write it: whole rates as they are, others to one decimal. */
export const rateText = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/**
 * The steps as one table, in the order they ran (report.md and report.html): offered vs achieved,
 * drops, errors, latency from the intended send time, sender lag p99, the CPU the host took (when
 * it took any worth naming), `measures` and the SLO verdict.
 */
export function loadStepTable(load: LoadSection, measures: string[]): { head: string[]; rows: string[][] } {
  const withSlo = load.slo !== null;
  const withWait = boundedConnections(load) !== undefined;
  const withStolen = load.steps.some(tookCpu);
  const head = [
    "step",
    "offered /s",
    "achieved /s",
    "requests",
    "dropped",
    "errors",
    "p50 ms",
    "p90 ms",
    "p95 ms",
    "p99 ms",
    "p99.9 ms",
    "max ms",
    "lag p99 ms",
    ...(withWait ? ["waited for a connection", "wait p99 ms"] : []),
    ...(withStolen ? ["host took CPU %"] : []),
    ...measures,
    ...(withSlo ? ["SLO"] : []),
  ];
  const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const rows = load.steps.map((s, i) => [
    `${i + 1}${s.phase === "sweep" ? "" : ` (${s.phase})`}`,
    String(s.offeredRate),
    s.achievedRate.toFixed(1),
    String(s.requests),
    String(s.dropped),
    String(s.errors),
    ms(s.latency.p50),
    ms(s.latency.p90),
    ms(s.latency.p95),
    ms(s.latency.p99),
    ms(s.latency.p999),
    ms(s.latency.max),
    ms(s.senderLag.p99),
    ...(withWait ? [String(s.connectionWait?.waited ?? 0), ms(s.connectionWait?.p99 ?? 0)] : []),
    ...(withStolen ? [s.cpuStolenPercent === undefined ? "–" : s.cpuStolenPercent.toFixed(1)] : []),
    ...measures.map((m) => (m in s.metrics ? s.metrics[m].toFixed(4) : "–")),
    ...(withSlo ? [s.sloMet === null ? "–" : s.sloMet ? "held" : "missed"] : []),
  ]);
  return { head, rows };
}

/** --connections when it bounded the requests on the wire below --max-in-flight; else undefined. */
export function boundedConnections(load: LoadSection): number | undefined {
  return load.connections !== undefined && load.connections < load.maxInFlight ? load.connections : undefined;
}

/**
 * The host took enough of the machine's CPU during the step to name (steal time, host-cpu.ts): an
 * idle virtual machine here lost well under 1 %.
 */
export function tookCpu(s: LoadStep): s is LoadStep & { cpuStolenPercent: number } {
  return (s.cpuStolenPercent ?? 0) >= 1;
}

export function loadMarkdown(load: LoadSection, headline: string[]): string[] {
  const connections = boundedConnections(load);
  const measures = headline.filter((m) => load.steps.some((s) => m in s.metrics)).slice(0, 2);
  const { head: headers, rows } = loadStepTable(load, measures);
  const out = [
    `Open loop, ${load.arrival} arrivals (seed ${load.seed}), at most ${load.maxInFlight} requests in flight ` +
      "(a request due beyond that is dropped and counted)" +
      (connections !== undefined
        ? `, at most ${connections} on the wire, one a connection (a request due while all are busy waits for one: its wait is in its latency, and counted apart)`
        : "") +
      `; payloads from the ${load.payload === "dataset" ? "dataset's queries and candidates, cycled" : "synthetic set"}. ` +
      "Latency is measured from each request's intended send time (coordinated omission corrected); " +
      "sender lag is how late the sender was, so an overloaded client is not mistaken for a slow server. " +
      "Quality is the mean over every answer of the step.",
    "",
    markdownTable(headers, rows, ["left", ...headers.slice(1).map(() => "right" as const)]),
  ];
  const errorKinds = load.steps.flatMap((s, i) =>
    Object.entries(s.errorsByKind).map(([kind, n]) => `step ${i + 1}: ${n} × ${kind}`),
  );
  if (errorKinds.length) out.push("", `Errors by kind: ${errorKinds.join("; ")}.`);
  const lagged = load.steps.filter((s) => s.senderLag.p99 > 5);
  if (lagged.length)
    out.push(
      "",
      `The sender was late (lag p99 above 5 ms) at ${lagged.map((s) => `${s.offeredRate}/s`).join(", ")}: ` +
        "those steps measure the client as much as the server.",
    );
  const robbed = load.steps.flatMap((s, i) =>
    tookCpu(s) ? [`step ${i + 1} (${s.cpuStolenPercent} %)`] : [],
  );
  if (robbed.length)
    out.push(
      "",
      `The host took CPU time from this machine (steal) during ${robbed.join(", ")}: ` +
        "their latency and sender lag include time when neither the sender nor the server could run.",
    );
  if (load.slo) {
    const budget = `error budget ${(load.slo.maxErrorRate * 100).toFixed(2)} % (errors and drops)`;
    const verdict =
      load.maxRate !== null
        ? `the highest rate that held it: **${load.maxRate} requests/s**`
        : load.steps.some((s) => s.sloMet)
          ? `held at ${load.steps
              .filter((s) => s.sloMet)
              .map((s) => `${s.offeredRate}/s`)
              .join(", ")}`
          : "**no step held it**";
    out.push("", `SLO \`${load.slo.text}\` with ${budget}: ${verdict}.`);
  }
  return out;
}
