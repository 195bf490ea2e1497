/**
 * Quality under load: every answer of a step scored against the labels the moment it arrives (a
 * short loop over prepared judgements, as the run's evaluator does per query), summed per measure,
 * so a deployment that sheds load by truncating or answering stale shows as a lower mean at that
 * step. Each query's last answer of the step is also kept as a record, for the run-style report.
 */

import type { Qrels } from "../metrics/index.js";
import { atLevel, type Judgements, judgeRanking, prepareJudgements } from "../metrics/judged-ranking.js";
import { measureValue, parseMeasures } from "../metrics/measures.js";
import type { Measure } from "../metrics/types.js";

export class AnswerScorer {
  readonly #measures: Measure[];
  readonly #judgements = new Map<string, Judgements | null>();

  constructor(
    private readonly qrels: Qrels,
    measures: string[],
  ) {
    this.#measures = parseMeasures(measures);
  }

  get measures(): string[] {
    return this.#measures.map((m) => m.name);
  }

  /** A new per-step sum (one slot per measure). */
  sums(): StepQuality {
    return new StepQuality(this.#measures.map((m) => m.name));
  }

  /** Adds one answer's values to `into`; an unjudged query adds nothing. */
  score(into: StepQuality, qid: string, docIds: string[], scores: number[]): void {
    let j = this.#judgements.get(qid);
    if (j === undefined) {
      const judged = this.qrels.get(qid);
      j = judged ? prepareJudgements(judged) : null;
      this.#judgements.set(qid, j);
    }
    if (j === null) return;
    const jr = judgeRanking({ docIds, scores }, j, 1);
    for (let m = 0; m < this.#measures.length; m++) {
      const measure = this.#measures[m];
      into.totals[m] += measureValue(measure, measure.rel === undefined ? jr : atLevel(jr, j, measure.rel));
    }
    into.answers++;
  }
}

export class StepQuality {
  readonly totals: Float64Array;
  answers = 0;

  constructor(readonly names: string[]) {
    this.totals = new Float64Array(names.length);
  }

  /** Mean per answer, by measure; empty when no answer was scored (no labels, or none came back). */
  means(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.answers === 0) return out;
    for (let m = 0; m < this.names.length; m++) out[this.names[m]] = this.totals[m] / this.answers;
    return out;
  }
}
