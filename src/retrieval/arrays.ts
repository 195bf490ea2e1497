/**
 * The growable typed arrays the index is built in, and the bounded heap search ranks with.
 * Postings go to fixed-size chunks rather than one doubling array: no copy on growth, no 2× peak
 * while a 500 MB buffer doubles, and finish() can drop each chunk once it has been read.
 */
import { compareTrec } from "../trec/order.js";

/** A growable Int32Array (one value per term or per document). */
export class IntBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1 << 12) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length++] = v;
  }
  /** Room for at least n values (the new ones are 0). */
  reserve(n: number): void {
    if (n <= this.data.length) return;
    const next = new Int32Array(Math.max(n, this.data.length * 2));
    next.set(this.data);
    this.data = next;
  }
}

/** Values per chunk: 1 Mi (4 MiB of Int32, 2 MiB of Uint16). */
export const CHUNK_BITS = 20;
export const CHUNK = 1 << CHUNK_BITS;

/** An append-only sequence in CHUNK-sized typed arrays; chunk i holds values [i·CHUNK, (i+1)·CHUNK). */
export class Chunked<A extends Int32Array | Uint16Array> {
  chunks: (A | undefined)[] = [];
  length = 0;
  private last: A;
  constructor(private readonly make: (n: number) => A) {
    this.last = make(CHUNK);
    this.chunks.push(this.last);
  }
  push(v: number): void {
    const at = this.length & (CHUNK - 1);
    if (at === 0 && this.length > 0) {
      this.last = this.make(CHUNK);
      this.chunks.push(this.last);
    }
    this.last[at] = v;
    this.length++;
  }
}

/** A bounded heap keeping the k best documents in trec order; its root is the worst kept. */
export class TopK {
  private readonly heap: number[] = [];
  constructor(
    private readonly k: number,
    private readonly ids: readonly string[],
    private readonly scores: Float64Array,
  ) {}

  /** a ranks after b (a is worse). */
  private worse(a: number, b: number): boolean {
    return compareTrec(this.ids[a], this.scores[a], this.ids[b], this.scores[b]) > 0;
  }

  offer(d: number): void {
    const h = this.heap;
    if (h.length < this.k) {
      h.push(d);
      let i = h.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(h[i], h[parent])) break;
        [h[i], h[parent]] = [h[parent], h[i]];
        i = parent;
      }
      return;
    }
    if (this.k === 0) return;
    // Most documents score below the worst kept: one number comparison rejects them.
    const s = this.scores[d];
    const worst = this.scores[h[0]];
    if (s < worst || !this.worse(h[0], d)) return;
    h[0] = d;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < h.length && this.worse(h[l], h[w])) w = l;
      if (r < h.length && this.worse(h[r], h[w])) w = r;
      if (w === i) break;
      [h[i], h[w]] = [h[w], h[i]];
      i = w;
    }
  }

  sorted(): number[] {
    return [...this.heap].sort((a, b) =>
      compareTrec(this.ids[a], this.scores[a], this.ids[b], this.scores[b]),
    );
  }
}
