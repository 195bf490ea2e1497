/**
 * Ranking drift between two runs of the same queries (metrics.md, "Comparing systems"): per query,
 * Kendall's τ-b over the union of the two top-k lists (a document absent from a list is ranked k+1
 * there, so the absent ones tie), rank-biased overlap RBO_ext@k with p = 0.9 (Webber, Moffat & Zobel,
 * TOIS 2010, eq. 32), whether the top document changed, and the mean |score delta| over the documents
 * both rankings hold. The means over the queries both answered are what a drift gate looks at.
 */

/** Kendall's τ-b of two top-k lists over their union; null when it is undefined (fewer than 2 documents, or one side all tied). */
export function kendallTauB(a: readonly string[], b: readonly string[], k: number): number | null {
  const ta = a.slice(0, k);
  const tb = b.slice(0, k);
  const union = [...new Set([...ta, ...tb])];
  const rank = (list: string[]) => {
    const at = new Map(list.map((d, i) => [d, i + 1]));
    return union.map((d) => at.get(d) ?? k + 1);
  };
  const ra = rank(ta);
  const rb = rank(tb);
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  let pairs = 0;
  for (let i = 0; i < union.length; i++) {
    for (let j = i + 1; j < union.length; j++) {
      pairs++;
      const da = Math.sign(ra[i] - ra[j]);
      const db = Math.sign(rb[i] - rb[j]);
      if (da === 0) tiesA++;
      if (db === 0) tiesB++;
      if (da === 0 || db === 0) continue;
      if (da === db) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((pairs - tiesA) * (pairs - tiesB));
  return denominator > 0 ? (concordant - discordant) / denominator : null;
}

/**
 * RBO_ext of two rankings cut at depth k (eq. 32 of the paper, which covers lists of unequal length:
 * s the shorter, l the longer). Identical lists give 1, disjoint ones 0. Null when both are empty.
 */
export function rankBiasedOverlap(
  a: readonly string[],
  b: readonly string[],
  k: number,
  p = 0.9,
): number | null {
  let short = a.slice(0, k);
  let long = b.slice(0, k);
  if (short.length > long.length) [short, long] = [long, short];
  const s = short.length;
  const l = long.length;
  if (l === 0) return null;
  if (s === 0) return 0;
  // X_d: the overlap of the two prefixes of depth d (the shorter list stops growing at s).
  const seenShort = new Set<string>();
  const seenLong = new Set<string>();
  const overlap: number[] = [0];
  let x = 0;
  for (let d = 1; d <= l; d++) {
    const fromLong = long[d - 1];
    const fromShort = d <= s ? short[d - 1] : undefined;
    if (fromShort !== undefined) {
      if (fromShort === fromLong) x++;
      else {
        if (seenLong.has(fromShort)) x++;
        if (seenShort.has(fromLong)) x++;
      }
      seenShort.add(fromShort);
    } else if (seenShort.has(fromLong)) x++;
    seenLong.add(fromLong);
    overlap.push(x);
  }
  const xs = overlap[s];
  const xl = overlap[l];
  let sum = 0;
  for (let d = 1; d <= l; d++) sum += (overlap[d] / d) * p ** d;
  for (let d = s + 1; d <= l; d++) sum += ((xs * (d - s)) / (s * d)) * p ** d;
  return ((1 - p) / p) * sum + ((xl - xs) / l + xs / s) * p ** l;
}

/** One query's ranking in one run: document ids with scores, best first. */
export type Ranking = readonly (readonly [string, number])[];

export interface QueryDrift {
  qid: string;
  tau: number | null;
  rbo: number | null;
  top1Changed: boolean;
  /** Mean |score delta| over the documents in both rankings; null when none are. */
  scoreDelta: number | null;
}

export interface DriftSummary {
  k: number;
  p: number;
  queries: number;
  /** Means over the queries where the figure is defined (null when it is nowhere). */
  tau: number | null;
  rbo: number | null;
  /** Share of the queries whose top document changed. */
  top1: number | null;
  scoreDelta: number | null;
  perQuery: QueryDrift[];
}

export function queryDrift(qid: string, a: Ranking, b: Ranking, k: number, p = 0.9): QueryDrift {
  const ids = (r: Ranking) => r.map(([d]) => d);
  const scoresB = new Map(b.map(([d, s]) => [d, s]));
  const deltas = a.filter(([d]) => scoresB.has(d)).map(([d, s]) => Math.abs(s - (scoresB.get(d) as number)));
  return {
    qid,
    tau: kendallTauB(ids(a), ids(b), k),
    rbo: rankBiasedOverlap(ids(a), ids(b), k, p),
    top1Changed: a[0]?.[0] !== b[0]?.[0],
    scoreDelta: deltas.length ? deltas.reduce((x, y) => x + y, 0) / deltas.length : null,
  };
}

/** Drift over the queries both runs answered (rankings keyed by qid; a failed query is absent). */
export function drift(
  a: ReadonlyMap<string, Ranking>,
  b: ReadonlyMap<string, Ranking>,
  k: number,
  p = 0.9,
): DriftSummary {
  const perQuery = [...a.keys()]
    .filter((q) => b.has(q))
    .map((q) => queryDrift(q, a.get(q) as Ranking, b.get(q) as Ranking, k, p));
  const meanOf = (xs: (number | null)[]) => {
    const ok = xs.filter((x): x is number => x !== null);
    return ok.length ? ok.reduce((x, y) => x + y, 0) / ok.length : null;
  };
  return {
    k,
    p,
    queries: perQuery.length,
    tau: meanOf(perQuery.map((d) => d.tau)),
    rbo: meanOf(perQuery.map((d) => d.rbo)),
    top1: perQuery.length ? perQuery.filter((d) => d.top1Changed).length / perQuery.length : null,
    scoreDelta: meanOf(perQuery.map((d) => d.scoreDelta)),
    perQuery,
  };
}
