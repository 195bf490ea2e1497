/**
 * The decision statistics of a report (metrics.md, "Comparing systems"): each variant against the
 * baseline on every headline measure over the queries both evaluated (paired bootstrap interval,
 * randomization p as the primary test, t-test as a cross-check, Holm over every comparison of the
 * report), each variant's own 95 % interval, randomized Tukey HSD groups on the primary measure,
 * and how sensitive the query set is (minimum detectable effect).
 */
import { adjustPValues, comparisonsAndIntervals, meanIntervals, startTukeyHSD } from "../metrics/index.js";
import type { Report, ReportVariant } from "./types.js";

export interface SignificanceOptions {
  alpha: number;
  correction: "holm" | "bh";
  resamples: number;
  permutations: number;
  seed: number;
}

type Comparison = Report["comparisons"][number];

export interface Significance {
  comparisons: Comparison[];
  groups: Report["groups"];
  power: Report["power"];
}

/** Queries a variant has no ranking for: its failures and its tasks that never ran. */
export type Lost = Map<string, Set<string>>;

/**
 * Fills each variant's metrics[m].ci95 (on the queries it evaluated) and returns the comparisons,
 * groups and power. `qids` is the plan's query order; per-query vectors are read in that order.
 */
export function significance(
  variants: ReportVariant[],
  baseline: string | null,
  measures: { headline: string[]; primary: string },
  qids: string[],
  lost: Lost,
  o: SignificanceOptions,
): Significance {
  const base = variants.find((v) => v.id === baseline);
  // Tukey's permutations go first, on a second core when they are worth one; the bootstrap and the
  // sign flips below run meanwhile, and the groups are joined at the end.
  const groups = base ? startTukeyGroups(variants, measures.primary, qids, lost, o) : null;
  const comparisons: Comparison[] = [];
  // Columns are keyed by (measure, variant): every measure that shares a query set goes through one
  // call, which draws the resamples and sign patterns once for all of them (they depend only on the
  // seed and the number of queries), and each column is resampled once, for its comparison and for
  // its own interval alike: summing resamples is the cost.
  const key = (m: string, id: string) => `${m}\u0001${id}`;
  // Each variant's own interval is of the mean it reports, so over the same vector: failures at 0
  // under the complete convention, left out without it. Where that vector's queries are those of
  // a comparison (no failures: the usual case) it comes from the comparison's own resamples.
  const own = measures.headline.flatMap((m) => variants.map((v) => ({ m, v })));
  const pending = new Map(
    own.map((o) => [
      key(o.m, o.v.id),
      { ...o, qs: qids.filter((q) => q in (o.v.perQuery[o.m] ?? {})).join("\u0000") },
    ]),
  );
  const setInterval = (id: string, ci: [number, number] | null) => {
    const p = pending.get(id);
    if (p?.v.metrics[p.m]) p.v.metrics[p.m].ci95 = ci;
    pending.delete(id);
  };
  if (base) {
    // Against the baseline, over the queries both evaluated (a failure is not a 0 the variant earned).
    const pairsOf = measures.headline.flatMap((m) =>
      variants.filter((v) => v !== base).map((v) => ({ m, v })),
    );
    for (const [qs, group] of groupBy(pairsOf, ({ v }) =>
      qids.filter((q) => !lost.get(v.id)?.has(q) && !lost.get(base.id)?.has(q)),
    )) {
      const scores: Record<string, number[]> = {};
      for (const { m, v } of group) {
        scores[key(m, base.id)] ??= qs.map((q) => base.perQuery[m]?.[q] ?? 0);
        scores[key(m, v.id)] = qs.map((q) => v.perQuery[m]?.[q] ?? 0);
      }
      const pairs = group.map(({ m, v }) => [key(m, base.id), key(m, v.id)] as [string, string]);
      const sameQueries = qs.join("\u0000");
      const alongside = Object.keys(scores).filter((id) => pending.get(id)?.qs === sameQueries);
      const { comparisons: results, intervals } = comparisonsAndIntervals(scores, pairs, alongside, o);
      for (const id of alongside) setInterval(id, intervals[id]);
      group.forEach(({ m, v }, i) => {
        const c = results[i];
        comparisons.push({
          baseline: base.id,
          variant: v.id,
          measure: m,
          delta: c.delta ?? 0,
          ci95: c.ci95,
          pRandomization: c.pRandomization,
          pTTest: c.pTTest,
          pAdjusted: null,
          effectSize: c.effectSize,
          wins: c.wins,
          ties: c.ties,
          losses: c.losses,
          harmRate: c.harmRate ?? 0,
          queries: c.queries,
          mde: c.mde,
          queriesFor001: c.queriesFor001,
          significant: false,
        });
      });
    }
  }
  // The intervals no comparison could give (a variant's failures make its vector differ).
  for (const [qs, group] of groupBy([...pending.values()], (p) => (p.qs ? p.qs.split("\u0000") : []))) {
    const scores = Object.fromEntries(
      group.map(({ m, v }) => [key(m, v.id), qs.map((q) => v.perQuery[m]?.[q] ?? 0)]),
    );
    const intervals = meanIntervals(scores, { seed: o.seed, resamples: o.resamples });
    for (const { m, v } of group) setInterval(key(m, v.id), intervals[key(m, v.id)]);
  }
  if (!base) return { comparisons: [], groups: null, power: null };
  // Plan order: variants as listed, measures as the headline has them.
  const order = new Map(variants.map((v, i) => [v.id, i]));
  comparisons.sort(
    (a, b) =>
      (order.get(a.variant) ?? 0) - (order.get(b.variant) ?? 0) ||
      measures.headline.indexOf(a.measure) - measures.headline.indexOf(b.measure),
  );
  // One family: every comparison of the report.
  correctFamily(comparisons, o.correction, o.alpha);

  const onPrimary = comparisons.filter((c) => c.measure === measures.primary);
  const mdes = onPrimary.map((c) => c.mde).filter((x): x is number => x !== null);
  const needed = onPrimary.map((c) => c.queriesFor001).filter((x): x is number => x !== null);
  return {
    comparisons,
    groups: groups ? groups.join() : null,
    power: onPrimary.length
      ? {
          measure: measures.primary,
          mde: mdes.length ? Math.max(...mdes) : null,
          queriesFor001: needed.length ? Math.max(...needed) : null,
        }
      : null,
  };
}

/**
 * Sets each comparison's corrected p-value over the whole family (Holm or Benjamini–Hochberg on the
 * randomization p-values) and whether it is significant at alpha.
 */
export function correctFamily(
  comparisons: { pRandomization: number | null; pAdjusted: number | null; significant: boolean }[],
  correction: "holm" | "bh",
  alpha: number,
): void {
  const tested = comparisons.filter((c) => c.pRandomization !== null);
  const adjusted = adjustPValues(
    tested.map((c) => c.pRandomization as number),
    correction,
  );
  tested.forEach((c, i) => {
    c.pAdjusted = adjusted[i];
    c.significant = adjusted[i] < alpha;
  });
}

/** Items grouped by the query set `of` gives each (most often one group: no failures). */
function groupBy<T>(items: T[], of: (item: T) => string[]): [string[], T[]][] {
  const groups = new Map<string, [string[], T[]]>();
  for (const item of items) {
    const qs = of(item);
    const key = qs.join("\u0000");
    const g = groups.get(key) ?? [qs, []];
    g[1].push(item);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/**
 * Randomized Tukey HSD over the queries every variant evaluated, begun (join() gives the groups);
 * none with fewer than 3 variants or 2 queries.
 */
function startTukeyGroups(
  variants: ReportVariant[],
  measure: string,
  qids: string[],
  lost: Lost,
  o: SignificanceOptions,
): { join(): Report["groups"] } | null {
  if (variants.length < 3) return null;
  const qs = qids.filter((q) => variants.every((v) => !lost.get(v.id)?.has(q)));
  if (qs.length < 2) return null;
  const scores = Object.fromEntries(
    variants.map((v) => [v.id, qs.map((q) => v.perQuery[measure]?.[q] ?? 0)]),
  );
  const t = startTukeyHSD(scores, { seed: o.seed, permutations: o.permutations, alpha: o.alpha });
  return {
    join: () => {
      const { method, letters } = t.join();
      return { measure, method, letters };
    },
  };
}
