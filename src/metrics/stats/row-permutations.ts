/**
 * The permutation distribution of the randomized Tukey HSD (tukey.ts): for each sample, every
 * query's row of k scores is permuted uniformly at random and the range (max − min) of the k column
 * sums is recorded.
 *
 * A row's permutation is Fisher–Yates: position j = k − 1, …, 1 takes the r-th of the j + 1 values
 * not yet placed, r uniform in [0, j]. The k − 1 choices together are one uniform integer in [0, k!)
 * read in the factorial number system (a Lehmer code), so while k ≤ 12 (12! < 2³¹) one 32-bit word
 * draws a whole row's permutation, or several rows' when k! is small (rng.ts, DigitDrawer). Beyond
 * 12 each choice takes a word of its own. (Decoding the digits through lookup tables instead of
 * divisions was tried: no faster, the time goes to moving the values.)
 */
import { DigitDrawer, type WordSource } from "./rng.js";

const MAX_PACKED = 12;

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

/**
 * out[b] = max_v − min_v of the column sums of the n × k matrix x (query-major: x[i·k + v]) after
 * permuting each row at random, for b < samples. k ≥ 2.
 */
export function rangeDistribution(
  x: Float64Array,
  n: number,
  k: number,
  samples: number,
  next: WordSource,
): Float64Array {
  const packed = k <= MAX_PACKED;
  // Rows are permuted two at a time (two independent chains of swaps in flight, ~25 % faster); an
  // odd n gets a row of zeros with code 0 (the identity), which adds exactly nothing.
  const rows = n + (n & 1);
  const xs = rows === n ? x : new Float64Array(rows * k);
  if (xs !== x) xs.set(x);
  const codes = new Int32Array(rows);
  const drawCodes = new DigitDrawer(next, packed ? factorial(k) : 1);
  const drawStep = Array.from({ length: k }, (_, j) => new DigitDrawer(next, j + 1));
  const sums = new Float64Array(k);
  const row = new Float64Array(k);
  const row2 = new Float64Array(k);
  const out = new Float64Array(samples);
  for (let b = 0; b < samples; b++) {
    sums.fill(0);
    if (packed) {
      drawCodes.fill(codes, n);
      for (let i = 0; i < rows; i += 2) {
        const base = i * k;
        for (let j = 0; j < k; j++) {
          row[j] = xs[base + j];
          row2[j] = xs[base + k + j];
        }
        let c = codes[i];
        let c2 = codes[i + 1];
        for (let j = k - 1; j > 0; j--) {
          // c < 12! < 2³¹: |0 keeps the division in integers (V8's % on doubles is a library call).
          const m = j + 1;
          const q = (c / m) | 0;
          const r = c - q * m;
          c = q;
          const q2 = (c2 / m) | 0;
          const r2 = c2 - q2 * m;
          c2 = q2;
          sums[j] += row[r] + row2[r2];
          row[r] = row[j];
          row2[r2] = row2[j];
        }
        sums[0] += row[0] + row2[0];
      }
    } else
      for (let i = 0; i < n; i++) {
        const base = i * k;
        for (let j = 0; j < k; j++) row[j] = x[base + j];
        for (let j = k - 1; j > 0; j--) {
          const r = drawStep[j].one();
          sums[j] += row[r];
          row[r] = row[j];
        }
        sums[0] += row[0];
      }
    let lo = sums[0];
    let hi = sums[0];
    for (let v = 1; v < k; v++) {
      if (sums[v] < lo) lo = sums[v];
      else if (sums[v] > hi) hi = sums[v];
    }
    out[b] = hi - lo;
  }
  return out;
}
