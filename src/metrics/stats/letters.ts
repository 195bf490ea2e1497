/**
 * Compact letter display (Piepho, J. Comput. Graph. Stat. 13(2), 2004): letters such that two
 * variants share a letter exactly when they are not significantly different.
 *
 * Insert and absorb: start with one letter (column) holding every variant; for each significantly
 * different pair (i, j), every column holding both is replaced by two copies, one without i and one
 * without j; then a column contained in another is absorbed (dropped). Sweep: a variant's letter is
 * dropped from a column when every other member of that column shares another letter with it and
 * the variant keeps at least one letter (the display stays valid and gets shorter). Finally the
 * columns are ordered by the best variant they hold, so the best mean gets "a", the next group "b",
 * and so on.
 */

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * `order`: the variants, best mean first; `differ(i, j)`: whether order[i] and order[j] differ
 * significantly (symmetric). Returns each variant's letters, in alphabetical order.
 */
export function compactLetters(
  order: readonly string[],
  differ: (i: number, j: number) => boolean,
): Record<string, string> {
  const k = order.length;
  let columns: boolean[][] = k ? [Array.from({ length: k }, () => true)] : [];
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      if (!differ(i, j)) continue;
      const next: boolean[][] = [];
      for (const col of columns) {
        if (col[i] && col[j]) {
          const withoutI = col.slice();
          withoutI[i] = false;
          const withoutJ = col.slice();
          withoutJ[j] = false;
          next.push(withoutI, withoutJ);
        } else next.push(col);
      }
      columns = absorb(next);
    }
  columns = sweep(columns, k);
  // Best variant first in each column's position: the column holding the best variant is "a".
  const first = (col: boolean[]) => col.indexOf(true);
  columns.sort((a, b) => first(a) - first(b) || compareColumns(a, b));
  if (columns.length > LETTERS.length)
    throw new RangeError(`compact letter display: ${columns.length} letters needed, at most 52`);
  const out: Record<string, string> = {};
  for (let v = 0; v < k; v++) out[order[v]] = columns.map((col, c) => (col[v] ? LETTERS[c] : "")).join("");
  return out;
}

/** Drops every column contained in another (of two equal columns, the later one). */
function absorb(columns: boolean[][]): boolean[][] {
  const subset = (a: boolean[], b: boolean[]) => a.every((x, i) => !x || b[i]);
  return columns.filter((col, c) =>
    columns.every((other, o) => o === c || !subset(col, other) || (subset(other, col) && c < o)),
  );
}

function sweep(columns: boolean[][], k: number): boolean[][] {
  const letters = (v: number) => columns.filter((col) => col[v]).length;
  for (const col of columns)
    for (let v = 0; v < k; v++) {
      if (!col[v] || letters(v) < 2) continue;
      const elsewhere = (u: number) => columns.some((other) => other !== col && other[u] && other[v]);
      let redundant = true;
      for (let u = 0; u < k && redundant; u++) if (u !== v && col[u] && !elsewhere(u)) redundant = false;
      if (redundant) col[v] = false;
    }
  return absorb(columns.filter((col) => col.includes(true)));
}

/** Lexicographic order of membership (earlier variants first), for ties of the first member. */
function compareColumns(a: boolean[], b: boolean[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] ? -1 : 1;
  return 0;
}
