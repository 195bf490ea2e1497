import type { Qrels, Ranking, Run } from "../trec/types.js";
import {
  atLevel,
  cutJudged,
  emptyJudgedRanking,
  type Judgements,
  judgeRanking,
  prepareJudgements,
} from "./judged-ranking.js";
import { measureValue, parseMeasures } from "./measures.js";
import type { EvaluateOptions, EvaluationResult, JudgedRanking, Measure } from "./types.js";

/**
 * Scores rankings query by query against qrels, trec_eval's way: queries come from the qrels; a
 * ranked query without judgements is ignored (and counted); under `complete` (-c) a judged query
 * without ranking counts with every measure 0. Rankings may be fed one at a time (streaming): the
 * evaluator keeps only the per-query values.
 */
export class RunEvaluator {
  readonly measures: Measure[];
  private readonly level: number;
  private readonly complete: boolean;
  private readonly maxDocs: number;
  private readonly values = new Map<string, Float64Array>();
  private rankedWithoutJudgements = 0;
  private noRelevant = 0;

  constructor(
    private readonly qrels: Qrels,
    measures: string | string[] | Measure[],
    opts: EvaluateOptions = {},
  ) {
    this.measures = toMeasures(measures);
    this.level = opts.relevanceLevel ?? 1;
    this.complete = opts.complete ?? true;
    this.maxDocs = opts.maxDocs ?? Number.POSITIVE_INFINITY;
  }

  /**
   * The query's judgements, prepared for the one time its ranking is scored (a query is recorded
   * once) and not kept: kept, they were the evaluation's largest part (an id map per query, about
   * 1.5 KB for 20 judgements: 40 MB over 26,000 queries).
   */
  judgements(qid: string): Judgements | undefined {
    const judged = this.qrels.get(qid);
    return judged === undefined ? undefined : prepareJudgements(judged);
  }

  /**
   * Records a ranked query. An empty ranking (an API that answered nothing) is no ranking: the
   * query is then judged without ranking, counted at 0 only under `complete`, as metrics.md says.
   * A query recorded twice is a caller bug: the run must be merged first.
   */
  addRanking(qid: string, ranking: Ranking): void {
    const j = this.judgements(qid);
    if (j === undefined) {
      this.rankedWithoutJudgements++;
      return;
    }
    if (ranking.docIds.length === 0) return;
    this.record(qid, j, judgeRanking(ranking, j, this.level));
  }

  /** Records a query already prepared (the byte path of the TREC reader); counts unjudged ones. */
  addJudged(qid: string, j: Judgements | undefined, jr: JudgedRanking | undefined): void {
    if (j === undefined || jr === undefined) this.rankedWithoutJudgements++;
    else this.record(qid, j, jr);
  }

  /** The evaluation's default relevance level, for callers that prepare judged rankings themselves. */
  get relevanceLevel(): number {
    return this.level;
  }

  private record(qid: string, j: Judgements, judged: JudgedRanking): void {
    if (this.values.has(qid)) throw new Error(`query ${qid} recorded twice`);
    const jr = cutJudged(judged, this.maxDocs);
    const v = new Float64Array(this.measures.length);
    for (let m = 0; m < this.measures.length; m++) {
      const measure = this.measures[m];
      v[m] = measureValue(measure, atLevel(jr, j, measure.rel ?? this.level));
    }
    if (atLevel(jr, j, this.level).numRel === 0) this.noRelevant++;
    this.values.set(qid, v);
  }

  /**
   * A counted query's value of the measure at `index` (in `measures` order), or undefined for a
   * query not counted: with `finish({ perQuery: false })`, how a caller that keeps its own layout
   * (the report's one object per measure) reads them without a row object per query.
   */
  value(qid: string, index: number): number | undefined {
    return this.values.get(qid)?.[index];
  }

  /**
   * Adds the judged queries that had no ranking and computes the aggregates. Call once.
   * `perQuery: false` leaves `perQuery` empty (read the values with `value`).
   */
  finish(opts: { perQuery?: boolean } = {}): EvaluationResult {
    const rows = opts.perQuery !== false;
    const judgedWithoutRanking: string[] = [];
    for (const qid of this.qrels.keys()) {
      if (this.values.has(qid)) continue;
      judgedWithoutRanking.push(qid);
      if (this.complete) {
        const j = this.judgements(qid) as Judgements;
        this.record(qid, j, emptyJudgedRanking(j, this.level));
      }
    }
    const names = this.measures.map((m) => m.name);
    const totals = new Float64Array(names.length);
    // No prototype: a query id such as "__proto__" is data, not a setter.
    const perQuery: Record<string, Record<string, number>> = Object.create(null);
    // Queries in qrels order: the output does not depend on the order of the run's lines.
    for (const qid of this.qrels.keys()) {
      const v = this.values.get(qid);
      if (v === undefined) continue;
      for (let m = 0; m < names.length; m++) totals[m] += v[m];
      if (!rows) continue;
      const row: Record<string, number> = {};
      for (let m = 0; m < names.length; m++) row[names[m]] = v[m];
      perQuery[qid] = row;
    }
    const queries = this.values.size;
    const mean: Record<string, number> = {};
    for (let m = 0; m < names.length; m++) {
      const sum = this.measures[m].aggregate === "sum";
      mean[names[m]] = sum ? totals[m] : queries === 0 ? 0 : totals[m] / queries;
    }
    return {
      measures: names,
      queries,
      mean,
      perQuery,
      judgedWithoutRanking,
      rankedWithoutJudgements: this.rankedWithoutJudgements,
      noRelevant: this.noRelevant,
    };
  }
}

function toMeasures(measures: string | string[] | Measure[]): Measure[] {
  if (typeof measures === "string") return parseMeasures(measures);
  if (measures.length > 0 && typeof measures[0] !== "string") return measures as Measure[];
  return parseMeasures(measures as string[]);
}

/**
 * Scores `run` against `qrels` (see RunEvaluator for which queries count). `complete` defaults to
 * true here, as the tool's convention (metrics.md); the `evaluate` command passes its flag.
 */
export function scoreRun(
  qrels: Qrels,
  run: Run,
  measures: string[] | Measure[],
  opts: EvaluateOptions = {},
): EvaluationResult {
  const evaluator = new RunEvaluator(qrels, measures, opts);
  for (const [qid, ranking] of run) evaluator.addRanking(qid, ranking);
  return evaluator.finish();
}
