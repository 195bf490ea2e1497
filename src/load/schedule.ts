/**
 * Arrival schedules of an open-loop step: the intended send time of every request, fixed before
 * the step starts and independent of how the server answers (that independence is what makes the
 * latencies measured from these times free of coordinated omission).
 */
import { wordStream } from "../metrics/stats/rng.js";

export type Arrival = "constant" | "poisson";

/** The stream of the MT19937 key for arrivals (rng.ts keys each procedure by [seed, stream]). */
const ARRIVAL_STREAM = 11;
const TWO_32 = 4294967296;

/** Intended send times in ms from the step's start, ascending, one per call to next(). */
export interface Schedule {
  next(): number;
}

/** Request i at i / rate: evenly spaced, the first at 0. */
export function constantSchedule(rate: number): Schedule {
  const gap = 1000 / rate;
  let i = 0;
  return { next: () => i++ * gap };
}

/**
 * A Poisson process of the given rate: exponential gaps with mean 1 / rate, drawn from a seeded
 * MT19937 so the same seed gives the same times. The first request at 0, like the constant one.
 */
export function poissonSchedule(rate: number, seed: number): Schedule {
  const word = wordStream(seed, ARRIVAL_STREAM);
  const mean = 1000 / rate;
  let at = 0;
  let first = true;
  return {
    next: () => {
      if (first) {
        first = false;
        return 0;
      }
      // (word + 0.5) / 2^32 is in (0, 1): the log never sees 0.
      at -= mean * Math.log((word() + 0.5) / TWO_32);
      return at;
    },
  };
}

export function scheduleOf(arrival: Arrival, rate: number, seed: number): Schedule {
  return arrival === "poisson" ? poissonSchedule(rate, seed) : constantSchedule(rate);
}

/**
 * A step's times: over the warmup the rate ramps up linearly from 0 to `rate` (request k at
 * sqrt(2 · warmupMs · k / rate), so rate × warmup / 2 requests), then `schedule` runs from warmupMs.
 * At full rate from the first request, a cold server (and the client's cold code) falls behind, and
 * an open loop then opens a connection for every request waiting: 2,000/s from cold opened about
 * 1,000, and both processes stayed behind long after the warmup. Ramping, the connections and the
 * compiled code grow with the load, so the window starts in the steady state. Deterministic: the
 * warmup is not recorded, so it needs no arrival process of its own.
 */
export function withWarmupRamp(schedule: Schedule, rate: number, warmupMs: number): Schedule {
  const perMs = rate / 1000;
  let k = 0;
  let ramping = warmupMs > 0;
  return {
    next: () => {
      if (ramping) {
        const at = Math.sqrt((2 * warmupMs * k) / perMs);
        if (at < warmupMs) {
          k++;
          return at;
        }
        ramping = false;
      }
      return warmupMs + schedule.next();
    },
  };
}
