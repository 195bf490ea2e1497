/**
 * The standard normal distribution, as far as the comparison statistics need it: Φ for the BCa
 * interval's adjusted levels and Φ⁻¹ for its bias correction and for the z constants of the power
 * formulas. simple-statistics has both (`cumulativeStdNormalProbability`, `probit`), but the first is
 * a two-decimal table and the second an approximation good to about 1e-3, which would move the BCa
 * levels and the MDE visibly; these two are good to ~1e-15 (checked against scipy's ndtr / ndtri in
 * test/fixtures/stats/reference.json).
 */

/**
 * Φ(x) by Marsaglia's Taylor series (J. Stat. Softw. 11(4), 2004):
 * Φ(x) = ½ + φ(x) · (x + x³/3 + x⁵/(3·5) + …), summed until the terms stop changing the sum.
 * Absolute error below 1e-15 everywhere, which is what interval levels need (relative accuracy in
 * the far tails is not: a level of 1e-20 and of 0 pick the same order statistic).
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  // Past ±38.5 the answer is 0 or 1 to double precision, and the series would need thousands of terms.
  if (x < -38.5) return 0;
  if (x > 38.5) return 1;
  const q = x * x;
  let s = x;
  let t = 0;
  let b = x;
  for (let i = 1; s !== t; ) {
    t = s;
    i += 2;
    b *= q / i;
    s = t + b;
  }
  // ln √(2π) = 0.91893853320467274178…
  const p = 0.5 + s * Math.exp(-0.5 * q - 0.9189385332046728);
  return Math.max(0, Math.min(1, p));
}

// Wichura's AS 241 (PPND16), Applied Statistics 37(3), 1988: relative error about 1e-16.
const A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
];
const B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271,
  28729.085735721943, 5226.495278852854,
];
const C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
];
const D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008, 0.015198666563616457,
  0.0005475938084995345, 1.0507500716444169e-9,
];
const E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487, 0.026532189526576124,
  0.0012426609473880784, 0.000027115555687434876, 2.0103343992922881e-7,
];
const F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
  0.000018463183175100548, 1.421511758316446e-7, 2.0442631033899397e-15,
];

function poly(c: readonly number[], r: number): number {
  let v = c[7];
  for (let i = 6; i >= 0; i--) v = v * r + c[i];
  return v;
}

/** Φ⁻¹(p): the z with Φ(z) = p; −∞ at 0, +∞ at 1, NaN outside [0, 1]. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly(A, r)) / poly(B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let z: number;
  if (r <= 5) {
    r -= 1.6;
    z = poly(C, r) / poly(D, r);
  } else {
    r -= 5;
    z = poly(E, r) / poly(F, r);
  }
  return q < 0 ? -z : z;
}
