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
import { analyze, analyzeWord, WordScanner } from "../text/analysis.js";
import { CHUNK, CHUNK_BITS, Chunked, IntBuffer, TopK } from "./arrays.js";
import { flatCopy, StringTable } from "./string-table.js";

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

/** A tf above this is kept aside (Uint16 holds the rest while building). */
const MAX_TF16 = 0xffff;

/**
 * Builds the index one document at a time, making no string per token: the lower-cased text is
 * scanned in place (WordScanner), each word looked up as a range of it in the table of surface
 * words seen so far, and only a new surface word is sliced out and analysed (analyzeWord: stop
 * word or Porter stem, as analyze() does it), so the terms are analyze()'s. Postings are appended
 * per document as (term, tf) to chunked typed arrays, then sorted into per-term runs by a counting
 * sort in `finish()`: no per-term arrays, no objects per posting.
 */
export class Bm25IndexBuilder {
  private readonly docs = new StringTable();
  private readonly terms = new StringTable();
  /** Surface words (lower-cased) and, by surface id, their term id (−1 for a stop word). */
  private surfaces = new StringTable("units");
  private surfaceTerm = new IntBuffer();
  private lengths = new IntBuffer();
  /** Per document: its number of distinct terms, whose (term, tf) follow in postTerms/postTfs. */
  private distinctCounts = new IntBuffer();
  private postTerms = new Chunked((n) => new Int32Array(n));
  private postTfs = new Chunked((n) => new Uint16Array(n));
  /** The largest tf so far (it picks the width of the final tf array). */
  private maxTf = 0;
  /** The tfs over MAX_TF16, by posting number (rare: a word repeated 65,536 times in one document). */
  private readonly bigTfs = new Map<number, number>();
  private readonly docFreq = new IntBuffer();
  /** Per term: its count in the document being added (zeroed after each document). */
  private readonly tfCount = new IntBuffer();
  private distinct = new Int32Array(256);
  private readonly words = new WordScanner();

  /** Adds a document; false when its id was already added (the caller decides what that means). */
  add(id: string, text: string): boolean {
    if (this.docs.get(id) >= 0) return false;
    this.docs.add(id);
    const { surfaces, surfaceTerm, words } = this;
    let distinct = this.distinct;
    let nDistinct = 0;
    let length = 0;
    const lower = text.toLowerCase();
    words.reset(lower);
    while (words.next()) {
      const s = surfaces.findRange(lower, words.start, words.end, words.hash);
      const t = s >= 0 ? surfaceTerm.data[s] : this.newSurface(lower, words.start, words.end, words.hash);
      if (t < 0) continue;
      length++;
      // Read through `this`: a new term may have grown the buffer.
      if (this.tfCount.data[t]++ === 0) {
        if (nDistinct === distinct.length) {
          const next = new Int32Array(nDistinct * 2);
          next.set(distinct);
          this.distinct = distinct = next;
        }
        distinct[nDistinct++] = t;
      }
    }
    words.reset("");
    this.lengths.push(length);
    this.distinctCounts.push(nDistinct);
    const counts = this.tfCount.data;
    const docFreq = this.docFreq.data;
    for (let i = 0; i < nDistinct; i++) {
      const t = distinct[i];
      const tf = counts[t];
      if (tf > this.maxTf) this.maxTf = tf;
      if (tf > MAX_TF16) this.bigTfs.set(this.postTfs.length, tf);
      this.postTerms.push(t);
      this.postTfs.push(Math.min(tf, MAX_TF16));
      counts[t] = 0;
      docFreq[t]++;
    }
    return true;
  }

  /** A surface word seen for the first time: its term id (−1 for a stop word), cached by surface. */
  private newSurface(text: string, start: number, end: number, hash: number): number {
    // A copy: the stem cache and the term table keep the word (or a slice of it).
    const term = analyzeWord(flatCopy(text.slice(start, end)));
    let t = -1;
    if (term !== undefined) {
      t = this.terms.get(term);
      if (t < 0) {
        t = this.terms.add(term);
        this.docFreq.push(0);
        this.tfCount.push(0);
      }
    }
    this.surfaces.addRange(text, start, end, hash);
    this.surfaceTerm.push(t);
    return t;
  }

  get size(): number {
    return this.docs.size;
  }

  finish(): Bm25Index {
    const nTerms = this.terms.size;
    const nDocs = this.docs.size;
    const nPostings = this.postTerms.length;
    // Int32 offsets while they fit (2^31 postings: a corpus of ~25 GB), float64 (exact to 2^53) beyond.
    const offsets = nPostings < 2 ** 31 ? new Int32Array(nTerms + 1) : new Float64Array(nTerms + 1);
    const docFreq = this.docFreq.data;
    for (let t = 0; t < nTerms; t++) offsets[t + 1] = offsets[t] + docFreq[t];
    // The surface words are only needed while documents come in.
    this.surfaces = new StringTable("units");
    this.surfaceTerm = new IntBuffer();
    const postDocs = new Int32Array(nPostings);
    // The narrowest array that holds every tf: one byte per posting for most text.
    const postTfs =
      this.maxTf <= 0xff
        ? new Uint8Array(nPostings)
        : this.maxTf <= MAX_TF16
          ? new Uint16Array(nPostings)
          : new Int32Array(nPostings);
    const fill = offsets.slice(0, nTerms);
    const termChunks = this.postTerms.chunks;
    const tfChunks = this.postTfs.chunks;
    const counts = this.distinctCounts.data;
    let p = 0;
    for (let d = 0; d < nDocs; d++) {
      const end = p + counts[d];
      for (; p < end; p++) {
        const c = p >>> CHUNK_BITS;
        const i = p & (CHUNK - 1);
        const t = (termChunks[c] as Int32Array)[i];
        const at = fill[t]++;
        const tf = (tfChunks[c] as Uint16Array)[i];
        postDocs[at] = d;
        postTfs[at] = tf === MAX_TF16 ? (this.bigTfs.get(p) ?? tf) : tf;
        // A chunk read to its end is dropped, so the build buffers shrink as the postings grow.
        if (i === CHUNK - 1) termChunks[c] = tfChunks[c] = undefined;
      }
    }
    this.bigTfs.clear();
    this.postTerms = new Chunked((n) => new Int32Array(n));
    this.postTfs = new Chunked((n) => new Uint16Array(n));
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
      docs: this.docs,
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
  terms: StringTable;
  docs: StringTable;
  /** Per term t, its postings are [offsets[t], offsets[t + 1]) of postDocs and postTfs. */
  offsets: Int32Array | Float64Array;
  postDocs: Int32Array;
  postTfs: Uint8Array | Uint16Array | Int32Array;
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
  /** Per document, its score for the query being searched; 0 when no query term is in it. */
  private readonly acc: Float64Array;
  private readonly touched: Int32Array;

  constructor(parts: IndexParts) {
    this.p = parts;
    this.docIds = parts.docs.strings;
    this.docCount = parts.docCount;
    this.avgdl = parts.avgdl;
    for (let b = 0; b < 256; b++)
      this.lengthCache[b] = BM25_K1 * (1 - BM25_B + (BM25_B * byte4ToInt(b)) / (parts.avgdl || 1));
    this.acc = new Float64Array(this.docIds.length);
    this.touched = new Int32Array(this.docIds.length);
  }

  get termCount(): number {
    return this.p.terms.size;
  }

  get postingCount(): number {
    return this.p.postDocs.length;
  }

  /**
   * Bytes held by the typed arrays: postings, offsets, norms, the search buffers and the two
   * dictionaries' hash tables (the term and document id strings come on top).
   */
  get arrayBytes(): number {
    const { offsets, postDocs, postTfs, norms, terms, docs } = this.p;
    return (
      offsets.byteLength +
      postDocs.byteLength +
      postTfs.byteLength +
      norms.byteLength +
      this.acc.byteLength +
      this.touched.byteLength +
      terms.bytes() +
      docs.bytes()
    );
  }

  /** The top k documents for a query, in trec order (score descending, then doc id descending by bytes). */
  search(query: string, opts: SearchOptions): Hit[] {
    const { terms, offsets, postDocs, postTfs, norms } = this.p;
    const { acc, touched, lengthCache } = this;
    const counts = new Map<number, number>();
    for (const term of analyze(query)) {
      const t = terms.get(term);
      if (t >= 0) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    let nTouched = 0;
    for (const [t, times] of counts) {
      const start = offsets[t];
      const end = offsets[t + 1];
      const weight = times * bm25Idf(this.docCount, end - start) * (BM25_K1 + 1);
      for (let i = start; i < end; i++) {
        const d = postDocs[i];
        const tf = postTfs[i];
        // Every term adds a positive amount (idf > 0, tf ≥ 1), so 0 means not seen yet.
        if (acc[d] === 0) touched[nTouched++] = d;
        acc[d] += (weight * tf) / (tf + lengthCache[norms[d]]);
      }
    }
    const exclude = opts.excludeId === undefined ? -1 : this.p.docs.get(opts.excludeId);
    const top = new TopK(Math.max(0, opts.k), this.docIds, acc);
    for (let i = 0; i < nTouched; i++) {
      const d = touched[i];
      if (d !== exclude) top.offer(d);
    }
    const hits = top.sorted().map((d) => ({ docId: this.docIds[d], score: acc[d] }));
    for (let i = 0; i < nTouched; i++) acc[touched[i]] = 0;
    return hits;
  }
}
