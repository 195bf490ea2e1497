import type { Ranking } from "./types.js";

/**
 * Compares two ids in UTF-8 byte order (C strcmp), which is Unicode code point order.
 * JavaScript's `<` compares UTF-16 code units, which disagrees exactly when one unit is a surrogate
 * (U+D800–U+DFFF, i.e. a code point above U+FFFF) and the other is U+E000–U+FFFF: shifting those two
 * bands restores code point order without encoding either string (no Buffer per comparison).
 */
export function compareIdBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x - y;
    }
  }
  return a.length - b.length;
}

/**
 * The trec_eval order: negative when document a ranks before b. Score descending, then doc id
 * descending in byte order (trec_eval sorts ties by `strcmp(b, a)`).
 */
export function compareTrec(aId: string, aScore: number, bId: string, bScore: number): number {
  if (aScore > bScore) return -1;
  if (aScore < bScore) return 1;
  return compareIdBytes(bId, aId);
}

/** Indices of `r` in trec order. */
export function trecOrder(r: Ranking): Int32Array {
  const n = r.docIds.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const { docIds, scores } = r;
  order.sort((i, j) => compareTrec(docIds[i], scores[i], docIds[j], scores[j]));
  return order;
}

/** A new ranking in trec order (scores as a Float64Array). */
export function sortTrec(r: Ranking): Ranking {
  checkLengths(r);
  const order = trecOrder(r);
  const docIds = new Array<string>(order.length);
  const scores = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) {
    docIds[i] = r.docIds[order[i]];
    scores[i] = r.scores[order[i]];
  }
  return { docIds, scores };
}

/**
 * True when two documents among the top k (trec order) have equal scores: there the id tie-break,
 * not the model, decided the order.
 */
export function tiesInTopK(r: Ranking, k: number): boolean {
  const sorted = sortTrec(r);
  const top = Math.min(k, sorted.docIds.length);
  for (let i = 1; i < top; i++) if (sorted.scores[i] === sorted.scores[i - 1]) return true;
  return false;
}

export function checkLengths(r: Ranking): void {
  if (r.docIds.length !== r.scores.length) {
    throw new RangeError(`ranking has ${r.docIds.length} doc ids but ${r.scores.length} scores`);
  }
}
