/**
 * BM25 as Lucene's BM25Similarity and Anserini compute it: k1 0.9, b 0.4,
 * idf = ln(1 + (N − n + 0.5)/(n + 0.5)), score = Σ idf · tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl)).
 *
 * Fidelity notes:
 * - dl is stored as Lucene stores it: one norm byte per document (SmallFloat.intToByte4), decoded
 *   with byte4ToInt. Lengths up to 23 are exact, longer ones round down to 4 significant bits
 *   (e.g. 100 → 96). avgdl is exact (sumTotalTermFreq / docCount), as in Lucene. This is what makes
 *   scores (and so rankings) match Anserini's.
 * - N and avgdl count the documents with at least one term (Lucene's docCount counts documents that
 *   have the field), so an empty document changes neither.
 * - The (k1+1) factor is kept, as the formula is usually written and as Lucene < 8 and Anserini's
 *   older runs printed it; Lucene ≥ 8 drops it. It scales every score by 1.9 and changes no ranking.
 * - Lucene sums in float32; we sum in float64, so the last digits of a score can differ and, rarely,
 *   two documents Lucene scores equal are not tied here (or the reverse).
 * - A query term repeated in the query counts as often as it appears (a BooleanQuery of term clauses).
 */
import { analyze } from "../text/analysis.js";
import { compareTrec } from "../trec/order.js";

/** analyze()'s split (src/text/analysis.ts): anything that is not a Unicode letter or digit. */
const NON_WORD = /[^\p{L}\p{N}]+/u;
/** The same split for ASCII text, where letters and digits are [a-z0-9] once lower-cased: twice as fast. */
const ASCII = /^[^\u0080-\uffff]*$/;
const NON_WORD_ASCII = /[^a-z0-9]+/;

export const BM25_K1 = 0.9;
export const BM25_B = 0.4;

// ---- SmallFloat (org.apache.lucene.util.SmallFloat), the 1-byte length norm ----

function longToInt4(i: number): number {
  const numBits = 32 - Math.clz32(i);
  if (numBits < 4) return i; // subnormal
  const shift = numBits - 4;
  let encoded = (i >>> shift) & 0x07; // the 3 bits after the implicit leading one
  encoded |= (shift + 1) << 3;
  return encoded;
}

function int4ToLong(i: number): number {
  const bits = i & 0x07;
  const shift = (i >>> 3) - 1;
  return shift === -1 ? bits : (bits | 0x08) * 2 ** shift;
}

const MAX_INT4 = longToInt4(0x7fffffff); // 231
const NUM_FREE_VALUES = 255 - MAX_INT4; // 24

/** SmallFloat.intToByte4: a document length → its norm byte (0–255, unsigned). */
export function intToByte4(i: number): number {
  if (i < 0 || !Number.isInteger(i))
    throw new RangeError(`a length must be a non-negative integer, got ${i}`);
  if (i < NUM_FREE_VALUES) return i;
  return NUM_FREE_VALUES + longToInt4(i - NUM_FREE_VALUES);
}

/** SmallFloat.byte4ToInt: a norm byte → the length Lucene scores with. */
export function byte4ToInt(b: number): number {
  if (b < NUM_FREE_VALUES) return b;
  return NUM_FREE_VALUES + int4ToLong(b - NUM_FREE_VALUES);
}

/** The length Lucene scores a document of `length` terms with. */
export function luceneLength(length: number): number {
  return byte4ToInt(intToByte4(length));
}

/** Lucene's idf for a term in n of N documents. */
export function bm25Idf(docCount: number, docFreq: number): number {
  return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
}

// ---- the index ----

/** A growable Int32Array (postings are appended while the corpus streams). */
class IntBuffer {
  data = new Int32Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

/**
 * Builds the index one document at a time. Postings are appended as (term, tf) pairs per document
 * to one flat buffer, then sorted into per-term runs by a counting sort in `finish()`: no per-term
 * arrays, no objects per posting.
 */
export class Bm25IndexBuilder {
  private readonly terms = new Map<string, number>();
  private readonly docIds: string[] = [];
  private readonly docNums = new Map<string, number>();
  private lengths = new IntBuffer();
  /** Per document: its number of distinct terms, then pairs (termId, tf). */
  private readonly flat = new IntBuffer();
  private readonly docFreq = new IntBuffer();
  /** Surface token (lower-cased) → term id, −1 for a stop word. */
  private readonly tokens = new Map<string, number>();
  /** Per term: its count in the document being added (zeroed after each document). */
  private readonly tfCount = new IntBuffer();
  private distinct: number[] = new Array(256).fill(0);

  /** Adds a document; false when its id was already added (the caller decides what that means). */
  add(id: string, text: string): boolean {
    if (this.docNums.has(id)) return false;
    this.docNums.set(id, this.docIds.length);
    this.docIds.push(id);
    const distinct = this.distinct;
    let nDistinct = 0;
    let length = 0;
    const lower = text.toLowerCase();
    for (const token of lower.split(ASCII.test(lower) ? NON_WORD_ASCII : NON_WORD)) {
      let t = this.tokens.get(token);
      if (t === undefined) {
        t = this.termOf(token);
        this.tokens.set(token, t);
      }
      if (t < 0) continue;
      length++;
      if (this.tfCount.data[t]++ === 0) {
        if (nDistinct === distinct.length) this.distinct = distinct.concat(new Array(nDistinct).fill(0));
        this.distinct[nDistinct++] = t;
      }
    }
    this.lengths.push(length);
    this.flat.push(nDistinct);
    for (let i = 0; i < nDistinct; i++) {
      const t = this.distinct[i];
      this.flat.push(t);
      this.flat.push(this.tfCount.data[t]);
      this.tfCount.data[t] = 0;
      this.docFreq.data[t]++;
    }
    return true;
  }

  /**
   * A token's term id, or −1 for a stop word: analyze() of the token alone, so the terms are
   * analyze()'s own (the split is the same, and lower-casing a lower-cased token changes nothing).
   * Cached per surface token, which saves the stop-word and stem look-ups on every occurrence.
   */
  private termOf(token: string): number {
    const analysed = analyze(token);
    if (analysed.length !== 1) return -1; // "" or a stop word
    const term = analysed[0];
    let t = this.terms.get(term);
    if (t === undefined) {
      t = this.terms.size;
      this.terms.set(term, t);
      this.docFreq.push(0);
      this.tfCount.push(0);
    }
    return t;
  }

  get size(): number {
    return this.docIds.length;
  }

  finish(): Bm25Index {
    const nTerms = this.terms.size;
    const nDocs = this.docIds.length;
    const offsets = new Int32Array(nTerms + 1);
    for (let t = 0; t < nTerms; t++) offsets[t + 1] = offsets[t] + this.docFreq.data[t];
    const nPostings = offsets[nTerms];
    const postDocs = new Int32Array(nPostings);
    let maxTf = 0;
    for (let p = 0, d = 0; d < nDocs; d++) {
      const n = this.flat.data[p++];
      for (let i = 0; i < n; i++, p += 2) if (this.flat.data[p + 1] > maxTf) maxTf = this.flat.data[p + 1];
    }
    const postTfs = maxTf <= 0xffff ? new Uint16Array(nPostings) : new Int32Array(nPostings);
    const fill = offsets.slice(0, nTerms);
    for (let p = 0, d = 0; d < nDocs; d++) {
      const n = this.flat.data[p++];
      for (let i = 0; i < n; i++, p += 2) {
        const t = this.flat.data[p];
        const at = fill[t]++;
        postDocs[at] = d;
        postTfs[at] = this.flat.data[p + 1];
      }
    }
    const norms = new Uint8Array(nDocs);
    let sumLength = 0;
    let docCount = 0;
    for (let d = 0; d < nDocs; d++) {
      const len = this.lengths.data[d];
      norms[d] = intToByte4(len);
      sumLength += len;
      if (len > 0) docCount++;
    }
    this.lengths = new IntBuffer();
    return new Bm25Index({
      terms: this.terms,
      docIds: this.docIds,
      docNums: this.docNums,
      offsets,
      postDocs,
      postTfs,
      norms,
      docCount,
      avgdl: docCount === 0 ? 0 : sumLength / docCount,
    });
  }
}

interface IndexParts {
  terms: Map<string, number>;
  docIds: string[];
  docNums: Map<string, number>;
  offsets: Int32Array;
  postDocs: Int32Array;
  postTfs: Uint16Array | Int32Array;
  norms: Uint8Array;
  docCount: number;
  avgdl: number;
}

export interface Hit {
  docId: string;
  score: number;
}

export interface SearchOptions {
  /** How many documents to return (the run's depth). */
  k: number;
  /** Leave out the document whose id is this (BEIR's --ignore-identical-ids: the query's own id). */
  excludeId?: string;
}

export class Bm25Index {
  readonly docIds: readonly string[];
  readonly docCount: number;
  readonly avgdl: number;
  private readonly p: IndexParts;
  /** k1·(1 − b + b·dl/avgdl) for each of the 256 norm bytes, as BM25Similarity caches it. */
  private readonly lengthCache = new Float64Array(256);
  private readonly acc: Float64Array;
  private readonly touched: Int32Array;
  private readonly seen: Uint8Array;

  constructor(parts: IndexParts) {
    this.p = parts;
    this.docIds = parts.docIds;
    this.docCount = parts.docCount;
    this.avgdl = parts.avgdl;
    for (let b = 0; b < 256; b++)
      this.lengthCache[b] = BM25_K1 * (1 - BM25_B + (BM25_B * byte4ToInt(b)) / (parts.avgdl || 1));
    this.acc = new Float64Array(parts.docIds.length);
    this.touched = new Int32Array(parts.docIds.length);
    this.seen = new Uint8Array(parts.docIds.length);
  }

  get termCount(): number {
    return this.p.terms.size;
  }

  get postingCount(): number {
    return this.p.postDocs.length;
  }

  /** Bytes held by the typed arrays (the term dictionary and the id strings come on top). */
  get arrayBytes(): number {
    const { offsets, postDocs, postTfs, norms } = this.p;
    return offsets.byteLength + postDocs.byteLength + postTfs.byteLength + norms.byteLength;
  }

  /** The top k documents for a query, in trec order (score descending, then doc id descending by bytes). */
  search(query: string, opts: SearchOptions): Hit[] {
    const { terms, offsets, postDocs, postTfs, norms } = this.p;
    const { acc, touched, seen, lengthCache } = this;
    const counts = new Map<number, number>();
    for (const term of analyze(query)) {
      const t = terms.get(term);
      if (t !== undefined) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    let nTouched = 0;
    for (const [t, times] of counts) {
      const start = offsets[t];
      const end = offsets[t + 1];
      const weight = times * bm25Idf(this.docCount, end - start) * (BM25_K1 + 1);
      for (let i = start; i < end; i++) {
        const d = postDocs[i];
        const tf = postTfs[i];
        if (seen[d] === 0) {
          seen[d] = 1;
          touched[nTouched++] = d;
        }
        acc[d] += (weight * tf) / (tf + lengthCache[norms[d]]);
      }
    }
    const exclude = opts.excludeId === undefined ? undefined : this.p.docNums.get(opts.excludeId);
    const top = new TopK(Math.max(0, opts.k), this.p.docIds, acc);
    for (let i = 0; i < nTouched; i++) {
      const d = touched[i];
      if (d !== exclude) top.offer(d);
    }
    const hits = top.sorted().map((d) => ({ docId: this.p.docIds[d], score: acc[d] }));
    for (let i = 0; i < nTouched; i++) {
      const d = touched[i];
      acc[d] = 0;
      seen[d] = 0;
    }
    return hits;
  }
}

/** A bounded heap keeping the k best documents in trec order; its root is the worst kept. */
class TopK {
  private readonly heap: number[] = [];
  constructor(
    private readonly k: number,
    private readonly ids: readonly string[],
    private readonly scores: Float64Array,
  ) {}

  /** Positive when a ranks after b (a is worse). */
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
    if (this.k === 0 || !this.worse(h[0], d)) return;
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
