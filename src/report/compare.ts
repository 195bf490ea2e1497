/**
 * `compare`: a base report against one or more candidate reports, variant by variant (same id, or
 * mapped). The same statistics a report computes against its own baseline (significance.ts), over
 * the queries both evaluated, corrected over every comparison of the command; then the gates, each
 * evaluated for every variant pair, and ranking drift when both sides are run folders.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError, UsageError } from "../errors.js";
import { pairedComparisons } from "../metrics/index.js";
import { QRELS_FILE, RESULTS_FILE, readQrels, readResults } from "../results/index.js";
import { type RecordRanking, rankingPairs } from "../results/record.js";
import { type DriftSummary, drift, type Ranking } from "./compare-drift.js";
import { evaluateGate, type Gate, type GateOutcome } from "./compare-gates.js";
import { type DiffRecord, type RankingDiff, rankingDiff } from "./diffs.js";
import { readReport } from "./read.js";
import { correctFamily } from "./significance.js";
import type { Report, ReportVariant } from "./types.js";

export interface CompareSource {
  /** As the user named it. */
  label: string;
  report: Report;
  /** The run folder, when the source is one (drift reads its results.jsonl). */
  folder: string | null;
}

export { type GateOutcome, gateSummary } from "./compare-gates.js";

/** A report.json, or a run folder holding one. */
export async function loadSource(path: string): Promise<CompareSource> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InputError("no such file or folder", { file: path });
  if (!info.isDirectory()) return { label: path, report: await readReport(path), folder: null };
  const report = await readReport(join(path, "report.json"));
  const hasResults = await stat(join(path, RESULTS_FILE)).then(
    (s) => s.isFile(),
    () => false,
  );
  return { label: path, report, folder: hasResults ? path : null };
}

export interface CompareOptions {
  /** base variant id → candidate variant id; unmapped ids pair with the same id. */
  variantMap: Record<string, string>;
  correction: "holm" | "bh";
  allowDifferentDatasets: boolean;
  gates: Gate[];
  /** A quality gate fails only when its drop is also significant after correction. */
  significant: boolean;
  /** Depths drift is reported at (drift gates add theirs). */
  driftK: number[];
}

export interface ComparedPair {
  candidate: string;
  /** "bm25 → random", with the candidate's label when there are several candidates. */
  label: string;
  base: string;
  variant: string;
  latency: { base: ReportVariant["latency"]; candidate: ReportVariant["latency"] };
  failures: { base: number; candidate: number };
  cost: { currency: string | null; base: number | null; candidate: number | null };
  /** Null when either side is not a run folder. */
  drift: DriftSummary[] | null;
}

export type CompareComparison = ReturnType<typeof comparisonOf>;

export interface CompareResult {
  tool: "rerank-eval compare";
  base: { label: string; fingerprint: string };
  candidates: { label: string; fingerprint: string }[];
  settings: {
    alpha: number;
    correction: "holm" | "bh";
    resamples: number;
    permutations: number;
    seed: number;
  };
  measures: string[];
  pairs: ComparedPair[];
  comparisons: CompareComparison[];
  gates: GateOutcome[];
  /** Variants with no counterpart on the other side. */
  unmatched: string[];
  notes: string[];
  /** Where each candidate variant differs most from its base variant (run folders only). */
  rankingDiffs: RankingDiff[];
}

/** Refuses sources of another dataset or other conventions, naming every difference in one line. */
export function checkComparable(base: CompareSource, cand: CompareSource): void {
  const b = base.report;
  const c = cand.report;
  const diffs: string[] = [];
  if (b.dataset.fingerprint !== c.dataset.fingerprint)
    diffs.push(
      `dataset fingerprint ${b.dataset.fingerprint.slice(0, 12)} vs ${c.dataset.fingerprint.slice(0, 12)}`,
    );
  if (b.conventions.complete !== c.conventions.complete)
    diffs.push(`complete convention ${b.conventions.complete} vs ${c.conventions.complete}`);
  if (b.conventions.relevanceLevel !== c.conventions.relevanceLevel)
    diffs.push(`relevance level ${b.conventions.relevanceLevel} vs ${c.conventions.relevanceLevel}`);
  if (diffs.length)
    throw new InputError(
      `${base.label} and ${cand.label} differ: ${diffs.join("; ")} (pass --allow-different-datasets to compare anyway)`,
    );
}

function pairVariants(base: Report, cand: Report, map: Record<string, string>) {
  const pairs: [ReportVariant, ReportVariant][] = [];
  for (const b of base.variants) {
    const c = cand.variants.find((v) => v.id === (map[b.id] ?? b.id));
    if (c) pairs.push([b, c]);
  }
  return pairs;
}

/** Queries a variant has no ranking for: failures and tasks that never ran. */
function lostOf(report: Report, v: ReportVariant): Set<string> {
  const lost = new Set(v.failures.queries);
  for (const t of report.incomplete?.missing ?? []) if (t.variant === v.id) lost.add(t.qid);
  return lost;
}

function comparisonOf(
  candidate: string,
  pair: string,
  measure: string,
  b: ReportVariant,
  c: ReportVariant,
  qs: string[],
  o: CompareResult["settings"],
) {
  const base = qs.map((q) => b.perQuery[measure]?.[q] ?? 0);
  const cand = qs.map((q) => c.perQuery[measure]?.[q] ?? 0);
  const [s] = pairedComparisons({ base, cand }, [["base", "cand"]], o);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((x, y) => x + y, 0) / xs.length : 0);
  return {
    candidate,
    pair,
    baseline: b.id,
    variant: c.id,
    measure,
    baseMean: mean(base),
    candidateMean: mean(cand),
    delta: s.delta ?? 0,
    ci95: s.ci95,
    pRandomization: s.pRandomization,
    pTTest: s.pTTest,
    pAdjusted: null as number | null,
    effectSize: s.effectSize,
    wins: s.wins,
    ties: s.ties,
    losses: s.losses,
    harmRate: s.harmRate ?? 0,
    queries: s.queries,
    mde: s.mde,
    queriesFor001: s.queriesFor001,
    significant: false,
  };
}

export async function compareReports(
  base: CompareSource,
  candidates: CompareSource[],
  o: CompareOptions,
): Promise<CompareResult> {
  if (!o.allowDifferentDatasets) for (const c of candidates) checkComparable(base, c);
  for (const id of Object.keys(o.variantMap))
    if (!base.report.variants.some((v) => v.id === id))
      throw new UsageError(
        `--variant-map ${id}=${o.variantMap[id]}: the base has no variant "${id}" (it has ${base.report.variants.map((v) => v.id).join(", ")})`,
      );
  for (const [from, to] of Object.entries(o.variantMap))
    if (!candidates.some((c) => c.report.variants.some((v) => v.id === to)))
      throw new UsageError(`--variant-map ${from}=${to}: no candidate has a variant "${to}"`);
  const sig = base.report.significance;
  const settings = {
    alpha: sig.alpha || 0.05,
    correction: o.correction,
    resamples: sig.resamples || 10_000,
    permutations: sig.permutations || 10_000,
    seed: sig.seed,
  };
  const measures = [...base.report.headline];
  for (const g of o.gates)
    if ((g.kind === "quality" || g.kind === "non-inferior") && !measures.includes(g.subject))
      measures.push(g.subject);
  const driftGates = o.gates.filter((g) => g.kind === "drift");
  const driftK = [...new Set([...o.driftK, ...driftGates.flatMap((g) => (g.k ? [g.k] : []))])].sort(
    (a, b) => a - b,
  );
  const driftsOf = (a: Map<string, RecordRanking> | undefined, b: Map<string, RecordRanking> | undefined) => {
    const [pa, pb] = [asPairs(a), asPairs(b)];
    return driftK.map((k) => drift(pa, pb, k));
  };
  if (driftGates.length) {
    const notFolder = [base, ...candidates].find((s) => !s.folder);
    if (notFolder)
      throw new InputError(
        `drift needs run folders (their results.jsonl rankings); ${notFolder.label} is not one (--max-drift)`,
      );
  }

  const pairs: ComparedPair[] = [];
  const comparisons: CompareComparison[] = [];
  const unmatched: string[] = [];
  const notes: string[] = [];
  const baseRankings = base.folder ? await rankingsOf(base.folder) : null;
  const baseQrels = base.folder ? await readQrels(join(base.folder, QRELS_FILE)) : null;
  const primary = base.report.front.measure || measures[0];
  const rankingDiffs: RankingDiff[] = [];
  for (const cand of candidates) {
    const matched = pairVariants(base.report, cand.report, o.variantMap);
    const several = candidates.length > 1 ? ` (${cand.label})` : "";
    for (const b of base.report.variants)
      if (!matched.some(([x]) => x === b)) unmatched.push(`base ${b.id}${several}`);
    for (const c of cand.report.variants)
      if (!matched.some(([, y]) => y === c)) unmatched.push(`candidate ${c.id}${several}`);
    if (!matched.length)
      throw new InputError(
        `${cand.label}: no variant pairs with the base's (${base.report.variants.map((v) => v.id).join(", ")}); map them with --variant-map BASE=CANDIDATE`,
      );
    const candRankings = cand.folder ? await rankingsOf(cand.folder) : null;
    for (const [b, c] of matched) {
      const label = `${b.id} → ${c.id}${several}`;
      const lostB = lostOf(base.report, b);
      const lostC = lostOf(cand.report, c);
      for (const m of measures) {
        if (!b.perQuery[m] || !c.perQuery[m]) {
          notes.push(`${label}: ${m} is not in both reports; not compared`);
          continue;
        }
        const qs = Object.keys(b.perQuery[m]).filter(
          (q) => q in c.perQuery[m] && !lostB.has(q) && !lostC.has(q),
        );
        comparisons.push(comparisonOf(cand.label, label, m, b, c, qs, settings));
      }
      if (baseRankings && candRankings && baseQrels && b.perQuery[primary] && c.perQuery[primary])
        rankingDiffs.push(
          rankingDiff({
            baseline: b.id,
            variant: `${c.id}${several}`,
            measure: primary,
            basePerQuery: b.perQuery[primary],
            variantPerQuery: c.perQuery[primary],
            baseRecords: asRecords(baseRankings.get(b.id)),
            variantRecords: asRecords(candRankings.get(c.id)),
            qrels: baseQrels,
            k: 10,
            n: 5,
          }),
        );
      pairs.push({
        candidate: cand.label,
        label,
        base: b.id,
        variant: c.id,
        latency: { base: b.latency, candidate: c.latency },
        failures: { base: b.failures.count, candidate: c.failures.count },
        cost: {
          currency: c.cost?.currency ?? b.cost?.currency ?? null,
          base: b.cost?.per1kQueries ?? null,
          candidate: c.cost?.per1kQueries ?? null,
        },
        drift: baseRankings && candRankings ? driftsOf(baseRankings.get(b.id), candRankings.get(c.id)) : null,
      });
    }
  }
  if (!baseRankings || candidates.some((c) => !c.folder))
    notes.push("drift needs run folders (results.jsonl rankings): not computed for report.json files");

  correctFamily(comparisons, settings.correction, settings.alpha);

  const gates = o.gates.flatMap((g) => pairs.map((p) => evaluateGate(g, p, comparisons, o.significant)));
  return {
    tool: "rerank-eval compare",
    base: { label: base.label, fingerprint: base.report.dataset.fingerprint },
    candidates: candidates.map((c) => ({ label: c.label, fingerprint: c.report.dataset.fingerprint })),
    settings,
    measures,
    pairs,
    comparisons,
    gates,
    unmatched,
    notes,
    rankingDiffs,
  };
}

function asRecords(rankings: Map<string, RecordRanking> | undefined): DiffRecord[] {
  return [...(rankings ?? [])].map(([qid, ranking]) => ({ qid, ranking }));
}

/** Drift reads rankings as [docId, score] pairs. */
function asPairs(rankings: Map<string, RecordRanking> | undefined): Map<string, Ranking> {
  return new Map([...(rankings ?? [])].map(([qid, r]) => [qid, rankingPairs(r)]));
}

async function rankingsOf(folder: string): Promise<Map<string, Map<string, RecordRanking>>> {
  const byVariant = new Map<string, Map<string, RecordRanking>>();
  for (const r of await readResults(join(folder, RESULTS_FILE))) {
    if (r.error) continue;
    const m = byVariant.get(r.variant) ?? new Map<string, RecordRanking>();
    m.set(r.qid, r.ranking);
    byVariant.set(r.variant, m);
  }
  return byVariant;
}
