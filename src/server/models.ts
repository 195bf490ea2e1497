import { analyze, termFrequencies } from "../text/analysis.js";
import { hashUnit } from "./seeded.js";

/**
 * The reference rerankers. Every statistic (document frequency, average length, collection model) is
 * computed over the documents of ONE request, so a score depends only on that request: no index, no
 * state, deterministic. Ties are possible; the answer orders them by index.
 */
export const MODELS = ["bm25", "tfidf", "identity", "random"] as const;
export type ModelName = (typeof MODELS)[number];

export function isModel(name: string): name is ModelName {
  return (MODELS as readonly string[]).includes(name);
}

const BM25_K1 = 0.9;
const BM25_B = 0.4;

/**
 * One score per document, in input order. `random` scores a (seed, query, document) hash in [0, 1):
 * a pair always gets the same score wherever it sits, so repeats and shuffles agree (doctor's
 * determinism and order checks pass) while the ranking itself is noise.
 */
export function scoreDocuments(
  model: ModelName,
  query: string,
  documents: readonly string[],
  seed = 0,
): number[] {
  switch (model) {
    case "bm25":
      return bm25(query, documents);
    case "tfidf":
      return tfidfCosine(query, documents);
    case "identity":
      return identity(documents.length);
    case "random":
      return documents.map((doc) => hashUnit(seed, query, doc));
  }
}

/**
 * Okapi BM25 (k1 0.9, b 0.4, the Anserini/Pyserini defaults) with Lucene's always-positive idf:
 *
 *   score(q, d) = Σ_{t ∈ q} qtf(t) · idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
 *   idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))
 *
 * N = documents in the request, df(t) = those containing t, |d| = analysed terms in d (stop words
 * removed, as Lucene counts them; exact, not Lucene's one-byte length norm), avgdl = mean |d|.
 * qtf weights a repeated query term by its count, like Anserini's bag-of-words query.
 */
export function bm25(query: string, documents: readonly string[]): number[] {
  const qtf = termFrequencies(analyze(query));
  const n = documents.length;
  // Only the query terms' frequencies are needed per document, plus its length.
  const lengths = new Float64Array(n);
  const tfs: Map<string, number>[] = new Array(n);
  const df = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const terms = analyze(documents[i]);
    lengths[i] = terms.length;
    const tf = new Map<string, number>();
    for (const t of terms) if (qtf.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
    tfs[i] = tf;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += lengths[i];
  const avgdl = n > 0 ? total / n : 0;
  const scores = new Array<number>(n).fill(0);
  if (avgdl === 0) return scores; // every document empty after analysis: nothing can match
  for (let i = 0; i < n; i++) {
    const norm = BM25_K1 * (1 - BM25_B + (BM25_B * lengths[i]) / avgdl);
    let s = 0;
    for (const [t, tf] of tfs[i]) {
      const d = df.get(t) ?? 0;
      const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
      s += (qtf.get(t) ?? 0) * idf * ((tf * (BM25_K1 + 1)) / (tf + norm));
    }
    scores[i] = s;
  }
  return scores;
}

/**
 * TF-IDF cosine with log tf and smoothed idf (scikit-learn's `smooth_idf`, `sublinear_tf`):
 *
 *   w(t, x)  = (1 + ln tf(t,x)) · idf(t)        for tf(t,x) > 0, else 0
 *   idf(t)   = ln((1 + N) / (1 + df(t))) + 1
 *   score    = Σ_t w(t,q)·w(t,d) / (‖w(·,q)‖ · ‖w(·,d)‖), 0 when either vector is empty
 *
 * The same analysis as BM25; N and df over the request's documents (the query is not counted).
 */
export function tfidfCosine(query: string, documents: readonly string[]): number[] {
  const n = documents.length;
  const docTfs = documents.map((d) => termFrequencies(analyze(d)));
  const df = new Map<string, number>();
  for (const tf of docTfs) for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const idf = (t: string) => Math.log((1 + n) / (1 + (df.get(t) ?? 0))) + 1;
  const weigh = (tf: Map<string, number>) => {
    const w = new Map<string, number>();
    let sq = 0;
    for (const [t, f] of tf) {
      const x = (1 + Math.log(f)) * idf(t);
      w.set(t, x);
      sq += x * x;
    }
    return { w, norm: Math.sqrt(sq) };
  };
  const q = weigh(termFrequencies(analyze(query)));
  return docTfs.map((tf) => {
    if (q.norm === 0 || tf.size === 0) return 0;
    const d = weigh(tf);
    let dot = 0;
    for (const [t, x] of q.w) {
      const y = d.w.get(t);
      if (y !== undefined) dot += x * y;
    }
    return dot / (q.norm * d.norm);
  });
}

/** Input order as a score: 1 − i/n, so the first document scores 1 and every score is in (0, 1]. */
export function identity(n: number): number[] {
  // A plain loop: Array.from with a mapper cost more than the rest of the scoring here.
  const scores = new Array<number>(n);
  for (let i = 0; i < n; i++) scores[i] = 1 - i / n;
  return scores;
}
