/**
 * --find-max-rate: the highest offered rate whose step holds the SLO and the error budget, in few
 * steps. Exponential first (double while it holds, halve while it does not), then bisection
 * between the highest rate that held and the lowest that did not, until they are within
 * `precision` of each other or the steps run out. Every probe is a full step of the report.
 */

export type Phase = "exponential" | "bisection";

export interface SearchOptions {
  start: number;
  /** Stop bisecting when (failed − held) / held is at most this (default 0.05). */
  precision?: number;
  /** At most this many steps in all (default 12). */
  maxSteps?: number;
  /** Never probe below this (default 0.1 requests/s). */
  minRate?: number;
}

/** Runs a step at `rate` and says whether it held; false also ends the search when `stopped()`. */
export type Probe = (rate: number, phase: Phase) => Promise<boolean>;

export async function findMaxRate(
  probe: Probe,
  opts: SearchOptions,
  stopped: () => boolean = () => false,
): Promise<number | null> {
  const precision = opts.precision ?? 0.05;
  const maxSteps = opts.maxSteps ?? 12;
  const minRate = opts.minRate ?? 0.1;
  let steps = 0;
  let held: number | null = null;
  let failed: number | null = null;
  let rate = opts.start;
  const run = async (r: number, phase: Phase) => {
    steps++;
    const ok = await probe(round(r), phase);
    if (ok) held = Math.max(held ?? 0, round(r));
    else failed = Math.min(failed ?? Number.POSITIVE_INFINITY, round(r));
    return ok;
  };
  // Exponential: up while it holds, or down while it does not.
  const firstHeld = await run(rate, "exponential");
  while (steps < maxSteps && !stopped()) {
    if (firstHeld ? failed !== null : held !== null) break;
    rate = firstHeld ? rate * 2 : rate / 2;
    if (rate < minRate) break;
    await run(rate, "exponential");
  }
  // Bisection between the two.
  while (steps < maxSteps && !stopped() && held !== null && failed !== null) {
    const lo: number = held;
    const hi: number = failed;
    if ((hi - lo) / lo <= precision) break;
    await run((lo + hi) / 2, "bisection");
  }
  return held;
}

/** Rates as a person would write them: 3 significant digits. */
function round(rate: number): number {
  return Number(rate.toPrecision(3));
}
