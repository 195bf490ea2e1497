/**
 * The latency objective of --slo, read strictly: `p95<500ms`, `p99 < 1.5s`, `p999<250ms`. A
 * percentile among p50, p90, p95, p99, p999, `<`, a positive number and a unit (ms or s). Anything
 * else is refused in one line saying what was expected.
 */
import { UsageError } from "../errors.js";

export const SLO_PERCENTILES = ["p50", "p90", "p95", "p99", "p999"] as const;
export type SloPercentile = (typeof SLO_PERCENTILES)[number];

export interface Slo {
  text: string;
  percentile: SloPercentile;
  thresholdMs: number;
}

const FORM = /^\s*(p\d+)\s*<\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$/;

export function parseSlo(text: string): Slo {
  const expected = "expected a percentile, '<' and a time, e.g. --slo \"p95<500ms\"";
  const m = FORM.exec(text);
  if (!m) throw new UsageError(`--slo: cannot read '${text}': ${expected} (units ms or s)`);
  const percentile = m[1] as SloPercentile;
  if (!SLO_PERCENTILES.includes(percentile))
    throw new UsageError(
      `--slo: unknown percentile '${m[1]}' in '${text}': use one of ${SLO_PERCENTILES.join(", ")}`,
    );
  const value = Number(m[2]);
  const thresholdMs = m[3] === "s" ? value * 1000 : value;
  if (!(thresholdMs > 0)) throw new UsageError(`--slo: the threshold in '${text}' must be above 0`);
  return { text: text.trim(), percentile, thresholdMs };
}
