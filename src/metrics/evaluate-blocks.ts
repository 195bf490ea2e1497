import type { RunBlock } from "../trec/run-block.js";
import type { Qrels } from "../trec/types.js";
import { RunEvaluator } from "./evaluate.js";
import { byteJudgements, judgeBlock } from "./run-block.js";
import type { EvaluateOptions, EvaluationResult, Measure } from "./types.js";

/** Feeds blocks to a callback (the TREC reader's scanRun); the I/O stays with the caller. */
export type BlockSource = (onBlock: (block: RunBlock) => void) => Promise<void>;

class NotGrouped extends Error {}

/**
 * Evaluates a run delivered as byte blocks (one per query, the run file's lines grouped by qid, as
 * every run writer does): no string per document, no sort unless many judged documents are
 * retrieved. Returns undefined when a query's lines are split over several groups: the caller then
 * merges the run (readRun) and uses scoreRun.
 */
export async function evaluateBlocks(
  qrels: Qrels,
  measures: string | string[] | Measure[],
  opts: EvaluateOptions,
  source: BlockSource,
): Promise<EvaluationResult | undefined> {
  const evaluator = new RunEvaluator(qrels, measures, opts);
  const seen = new Set<string>();
  try {
    await source((block) => {
      if (seen.has(block.qid)) throw new NotGrouped();
      seen.add(block.qid);
      const j = evaluator.judgements(block.qid);
      if (j === undefined) {
        evaluator.addJudged(block.qid, undefined, undefined);
        return;
      }
      // Each query comes once (grouped run), so its byte index is built once and dropped after.
      evaluator.addJudged(block.qid, j, judgeBlock(block, byteJudgements(j), evaluator.relevanceLevel));
    });
  } catch (err) {
    if (err instanceof NotGrouped) return undefined;
    throw err;
  }
  return evaluator.finish();
}
