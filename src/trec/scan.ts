/**
 * Scanning one line of a TREC file in place (byte offsets into the reader's buffer, no strings):
 * fields, blanks, and the exact score parser. Every line ends with '\n', which stops the scanners.
 */
import { NL } from "./lines.js";

/** Splits one line (ending at '\n') into byte ranges; used where strings are wanted anyway. */
export function fields(buf: Buffer, p: number, out: number[]): number {
  out.length = 0;
  for (let c = buf[p]; c !== NL; ) {
    while (c <= 32 && c !== NL) c = buf[++p];
    if (c === NL) break;
    out.push(p);
    while (c > 32) c = buf[++p];
    out.push(p);
  }
  return p + 1;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Parses a decimal score exactly as strtod would (correctly rounded): up to 15 significant digits
 * and a power of ten up to 22, one IEEE multiplication or division of two exact values is exact
 * rounding (Clinger's fast path); anything else goes through Number(). NaN when not a finite number.
 */
export function parseScore(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  let c = buf[i];
  const neg = c === 45;
  if (c === 45 || c === 43) c = buf[++i];
  let mant = 0;
  let sig = 0;
  let exp10 = 0;
  let digits = 0;
  for (; c >= 48 && c <= 57; c = buf[++i], digits++) {
    mant = mant * 10 + (c - 48);
    if (mant !== 0) sig++;
  }
  if (c === 46 && i < e) {
    for (c = buf[++i]; c >= 48 && c <= 57; c = buf[++i], digits++, exp10--) {
      mant = mant * 10 + (c - 48);
      if (mant !== 0) sig++;
    }
  }
  if ((c === 101 || c === 69) && i < e && digits > 0) {
    let j = i + 1;
    let d = buf[j];
    const eneg = d === 45;
    if (d === 45 || d === 43) d = buf[++j];
    let x = 0;
    const from = j;
    for (; d >= 48 && d <= 57 && x < 1e6; d = buf[++j]) x = x * 10 + (d - 48);
    if (j > from) {
      exp10 += eneg ? -x : x;
      i = j;
    }
  }
  if (i === e && digits > 0 && sig <= 15 && exp10 >= -22 && exp10 <= 22) {
    const v = exp10 >= 0 ? mant * POW10[exp10] : mant / POW10[-exp10];
    return neg ? -v : v;
  }
  const v = Number(Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString("latin1"));
  return Number.isFinite(v) ? v : Number.NaN;
}

/** Index of the first non-blank byte at or after p (the line's '\n' stops it). */
export function skipSpace(buf: Buffer, p: number): number {
  let c = buf[p];
  while (c <= 32 && c !== NL) c = buf[++p];
  return p;
}

/** Index just past the field starting at p. */
export function word(buf: Buffer, p: number): number {
  while (buf[p] > 32) p++;
  return p;
}
