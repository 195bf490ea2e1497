/**
 * Latencies of a load step in an HdrHistogram (hdr-histogram-js): values in whole microseconds,
 * 3 significant digits, so p99.9 of a million samples costs a few KB and no sort. The report gets
 * the percentiles in ms, the histogram compressed (base64, HdrHistogram's own format: any HDR tool
 * decodes it) and a short bucket list for readers without one.
 */
import { createRequire } from "node:module";
import type * as Hdr from "hdr-histogram-js";

/**
 * The library, loaded with the first histogram: it builds its WebAssembly at load, about 15 MB of a
 * process's memory that only `load` (and a load folder's report) needs.
 */
let library: typeof Hdr | undefined;
function hdr(): typeof Hdr {
  library ??= createRequire(import.meta.url)("hdr-histogram-js") as typeof Hdr;
  return library;
}

/** Upper bounds (ms) of the bucket list written next to the encoded histogram. */
const BUCKET_BOUNDS_MS = [
  1,
  2,
  3,
  5,
  7,
  10,
  15,
  20,
  30,
  50,
  70,
  100,
  150,
  200,
  300,
  500,
  700,
  1000,
  1500,
  2000,
  3000,
  5000,
  7000,
  10_000,
  20_000,
  60_000,
  Number.POSITIVE_INFINITY,
];

export interface Percentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export class LatencyHistogram {
  readonly #h = hdr().build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
  readonly #buckets = new Float64Array(BUCKET_BOUNDS_MS.length);

  /** One sample, ms (negative values, a clock quirk, count as 0). */
  record(ms: number): void {
    const v = ms > 0 ? ms : 0; // NaN counts as 0 too (Math.max would keep it)
    this.#h.recordValue(Math.round(v * 1000));
    let i = 0;
    while (v > BUCKET_BOUNDS_MS[i]) i++;
    this.#buckets[i]++;
  }

  get count(): number {
    return this.#h.totalCount;
  }

  /** The value at percentile p (0–100), ms; 0 with no samples. */
  at(p: number): number {
    return this.count === 0 ? 0 : this.#h.getValueAtPercentile(p) / 1000;
  }

  percentiles(): Percentiles {
    return {
      p50: this.at(50),
      p90: this.at(90),
      p95: this.at(95),
      p99: this.at(99),
      p999: this.at(99.9),
      max: this.count === 0 ? 0 : this.#h.maxValue / 1000,
    };
  }

  /** The histogram as the report keeps it: encoded whole, and its non-empty buckets (ms). */
  serialize(): { encoded: string; buckets: { upToMs: number; count: number }[] } {
    const buckets: { upToMs: number; count: number }[] = [];
    for (let i = 0; i < BUCKET_BOUNDS_MS.length; i++) {
      if (this.#buckets[i] === 0) continue;
      // JSON has no Infinity: the last bucket's bound is the largest sample.
      const upToMs = Number.isFinite(BUCKET_BOUNDS_MS[i]) ? BUCKET_BOUNDS_MS[i] : this.at(100);
      buckets.push({ upToMs, count: this.#buckets[i] });
    }
    return { encoded: hdr().encodeIntoCompressedBase64(this.#h), buckets };
  }
}

/** The encoded histogram read back (µs values), for tools and tests. */
export function decodeHistogram(encoded: string): Hdr.Histogram {
  return hdr().decodeFromCompressedBase64(encoded, 32, false);
}
