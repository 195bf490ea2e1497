/**
 * Seeded draws for the resampling procedures. The generator is @stdlib's MT19937 (the Mersenne
 * Twister of numpy's legacy RandomState and of R), keyed by [seed, stream] through init_by_array, so
 * that each procedure (bootstrap, sign flips, Tukey permutations) has its own stream: changing the
 * number of bootstrap resamples does not change the randomization p-value, and the same seed gives
 * the same figures whatever else a report computes.
 *
 * A call to the generator costs more than the arithmetic that uses it, so one 32-bit word is made to
 * carry several small uniform digits (see `DigitDrawer`).
 */
import mt19937 from "@stdlib/random-base-mt19937";

/** One uniform 32-bit unsigned integer per call. */
export type WordSource = () => number;

/** The stream of each procedure (the second word of the MT19937 key). */
export const STREAM = { bootstrap: 1, signs: 2, tukey: 3 } as const;

const TWO_32 = 4294967296;

/** Checks a user seed: an integer in [0, 2³² − 1] (0 allowed: the key is an array). */
export function checkSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_32)
    throw new RangeError(`seed must be an integer in [0, 4294967295], got ${seed}`);
}

export function wordStream(seed: number, stream: number): WordSource {
  checkSeed(seed);
  return mt19937.factory({ seed: [seed, stream] });
}

/**
 * Independent uniform integers in [0, radix), exactly uniform: one word carries m digits, where
 * radix^m ≤ 2³² is as large as possible; a word at or above the largest multiple of radix^m below
 * 2³² is redrawn (rejection, never a biased modulo), and the accepted word's value modulo radix^m is
 * read as m base-radix digits. The words used depend only on the radix and the count asked for,
 * never on the data, so every pair of variants compared over the same queries sees the same digits.
 */
export class DigitDrawer {
  readonly radix: number;
  /** digits carried per word */
  readonly perWord: number;
  private readonly range: number;
  private readonly limit: number;

  constructor(
    private readonly next: WordSource,
    radix: number,
  ) {
    if (!Number.isInteger(radix) || radix < 1 || radix > TWO_32)
      throw new RangeError(`radix must be an integer in [1, 2^32], got ${radix}`);
    this.radix = radix;
    let m = 0;
    let range = 1;
    // radix 1 carries no information: any number of digits per word, all 0.
    if (radix === 1) m = 32;
    else
      while (range * radix <= TWO_32) {
        range *= radix;
        m++;
      }
    this.perWord = m;
    this.range = range;
    this.limit = Math.floor(TWO_32 / range) * range;
  }

  /** Writes `count` digits into out[0..count). */
  fill(out: Int32Array, count: number = out.length): void {
    const { next, radix, perWord, range, limit } = this;
    if (radix === 1) {
      out.fill(0, 0, count);
      return;
    }
    let i = 0;
    while (i < count) {
      let u = next();
      while (u >= limit) u = next();
      // Floor division, not %: V8 computes % of doubles by a slow library call.
      let v = u - Math.floor(u / range) * range;
      const end = Math.min(count, i + perWord);
      for (; i < end; i++) {
        const q = Math.floor(v / radix);
        out[i] = v - q * radix;
        v = q;
      }
    }
  }

  /** One digit (a whole word for it: for the rare slow paths only). */
  one(): number {
    if (this.radix === 1) return 0;
    // For a single digit the limit of one digit per word applies, not that of perWord digits.
    const lim = Math.floor(TWO_32 / this.radix) * this.radix;
    let u = this.next();
    while (u >= lim) u = this.next();
    return u % this.radix;
  }
}
