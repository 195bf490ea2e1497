/**
 * A run file's rankings as raw bytes, one query at a time: the block the TREC run reader fills and
 * hands over, its duplicate check and its trec order. No string per document; the FNV hash of each id
 * is taken while copying, so the metrics can match ids against judgements without strings either.
 */

/**
 * One query's ranking as raw bytes, straight from a run file: no string per document. The TREC
 * reader fills it and hands it over while it is valid; `n` entries are in use.
 */
export interface RunBlock {
  qid: string;
  n: number;
  scores: Float64Array;
  /** The doc ids' UTF-8 bytes, back to back: id i is idBytes[idStart[i] .. idStart[i + 1]). */
  idBytes: Uint8Array;
  idStart: Int32Array;
  /** hashIdBytes of each id. */
  idHash: Int32Array;
}

/** A run block plus the 1-based file line of each entry (for error messages). */
export interface LocatedRunBlock extends RunBlock {
  lines: Int32Array;
}

/**
 * A run block filled entry by entry as a reader scans lines; its arrays grow as needed and are
 * reused from one query to the next (`clear`), so a whole run costs a handful of allocations.
 */
export class RunBlockBuilder implements LocatedRunBlock {
  qid = "";
  n = 0;
  scores = new Float64Array(1024);
  idBytes = new Uint8Array(16384);
  idStart = new Int32Array(1025);
  idHash = new Int32Array(1024);
  lines = new Int32Array(1024);

  clear(qid: string): void {
    this.qid = qid;
    this.n = 0;
  }

  /** Appends the id whose UTF-8 bytes are src[s, e), hashing while copying (hashIdBytes). */
  push(src: Uint8Array, s: number, e: number, score: number, line: number): void {
    const n = this.n;
    if (n === this.scores.length) this.grow();
    const at = this.idStart[n];
    if (at + (e - s) > this.idBytes.length) {
      const bigger = new Uint8Array(2 * (at + e - s));
      bigger.set(this.idBytes.subarray(0, at));
      this.idBytes = bigger;
    }
    const arena = this.idBytes;
    let h = 0x811c9dc5;
    for (let k = s, o = at; k < e; k++, o++) {
      const x = src[k];
      arena[o] = x;
      h = Math.imul(h ^ x, 0x01000193);
    }
    this.idHash[n] = h;
    this.scores[n] = score;
    this.lines[n] = line;
    this.idStart[n + 1] = at + (e - s);
    this.n = n + 1;
  }

  private grow(): void {
    const size = this.scores.length * 2;
    const f64 = new Float64Array(size);
    f64.set(this.scores);
    this.scores = f64;
    const i32 = (a: Int32Array, length: number) => {
      const b = new Int32Array(length);
      b.set(a);
      return b;
    };
    this.idStart = i32(this.idStart, size + 1);
    this.idHash = i32(this.idHash, size);
    this.lines = i32(this.lines, size);
  }
}

/** FNV-1a over bytes; the reader computes it while scanning, so ids are matched without strings. */
export function hashIdBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h;
}

/** strcmp of ids a and b of the block: < 0 when a's bytes sort first. */
export function compareBlockIds(b: RunBlock, a: number, c: number): number {
  const as = b.idStart[a];
  const al = b.idStart[a + 1] - as;
  const cs = b.idStart[c];
  const cl = b.idStart[c + 1] - cs;
  const m = Math.min(al, cl);
  const bytes = b.idBytes;
  for (let k = 0; k < m; k++) {
    const d = bytes[as + k] - bytes[cs + k];
    if (d !== 0) return d;
  }
  return al - cl;
}

/** Entry indices of the block in trec order: score descending, then id bytes descending (strcmp). */
export function blockTrecOrder(b: RunBlock): number[] {
  const order = Array.from({ length: b.n }, (_, i) => i);
  return order.sort((x, y) => {
    const d = b.scores[y] - b.scores[x];
    return d !== 0 ? d : compareBlockIds(b, y, x);
  });
}

/** A zeroed open-addressing table for `n` ids, reusing `table` when it is big enough. */
export function duplicateTable(table: Int32Array, n: number): Int32Array {
  let size = 1024;
  while (size < n * 2) size *= 2;
  return size <= table.length ? table.fill(0) : new Int32Array(size);
}

/**
 * The first id of the block that repeats an earlier one, as [later, earlier] entry indices, or
 * [-1, -1]. `table` must be zeroed, its length a power of two ≥ 2n.
 */
export function findDuplicate(b: RunBlock, table: Int32Array): [number, number] {
  const mask = table.length - 1;
  for (let i = 0; i < b.n; i++) {
    let slot = b.idHash[i] & mask;
    for (; table[slot] !== 0; slot = (slot + 1) & mask) {
      const j = table[slot] - 1;
      if (b.idHash[j] === b.idHash[i] && compareBlockIds(b, i, j) === 0) return [i, j];
    }
    table[slot] = i + 1;
  }
  return [-1, -1];
}
