import type { Argv, CommandModule } from "yargs";
import { UsageError } from "../../errors.js";
import {
  type EvaluationResult,
  evaluateBlocks,
  formatTrecValue,
  type Measure,
  parseMeasures,
  scoreRun,
} from "../../metrics/index.js";
import { compareIdBytes, readQrels, readRun, scanRun } from "../../trec/index.js";

interface EvaluateArgs {
  qrels: string;
  run: string;
  measures: string;
  "per-query": boolean;
  complete: boolean;
  "relevance-level": number;
  "max-docs"?: number;
  json: boolean;
}

const DEFAULT_MEASURES = "nDCG@10,RR@10,AP";

/** `rerank-eval evaluate`: trec_eval on TREC files, faster, with ir_measures names. */
export const evaluateCommand: CommandModule<object, EvaluateArgs> = {
  command: "evaluate",
  describe: "score a TREC run file against TREC qrels, as trec_eval does (a faster drop-in)",
  builder: (y: Argv) =>
    y
      .option("qrels", {
        type: "string",
        demandOption: true,
        describe: "qrels file: qid iter docid grade (.gz ok)",
      })
      .option("run", {
        type: "string",
        demandOption: true,
        describe: "run file: qid Q0 docid rank score tag (.gz ok)",
      })
      .option("measures", {
        alias: "m",
        type: "string",
        default: DEFAULT_MEASURES,
        describe:
          "comma-separated measures, ir_measures names (nDCG@10, RR@10, AP, AP@100, R@100, P@5, Success@10, " +
          "Judged@10, NumRel, NumRelRet, AP(rel=2)) or trec_eval names (ndcg_cut.10, recip_rank, map, P.5, …)",
      })
      .option("per-query", {
        alias: "q",
        type: "boolean",
        default: false,
        describe: "print one row per query too",
      })
      .option("complete", {
        alias: "c",
        type: "boolean",
        default: false,
        describe: "count judged queries that have no ranking, at 0 (trec_eval -c)",
      })
      .option("relevance-level", {
        alias: "l",
        type: "number",
        default: 1,
        describe: "relevant means grade >= this (trec_eval -l); nDCG always uses the grades",
      })
      .option("max-docs", {
        alias: "M",
        type: "number",
        describe: "score only the top N documents of each ranking, in trec order (trec_eval -M)",
      })
      .option("json", { type: "boolean", default: false, describe: "print JSON at full precision" })
      .example("$0 evaluate --qrels qrels.txt --run bm25.run", "nDCG@10, RR@10 and AP, the mean over queries")
      .example(
        "$0 evaluate --qrels q.txt --run r.run -m ndcg_cut.10,map -q -c",
        "trec_eval -c -q names",
      ) as Argv<EvaluateArgs>,
  handler: async (argv) => {
    const level = argv["relevance-level"];
    // yargs has already turned a non-number into NaN; "got NaN" would not tell the user much.
    if (!Number.isInteger(level))
      throw new UsageError(
        `--relevance-level must be an integer grade, got ${Number.isNaN(level) ? "something that is not a number" : level}`,
      );
    const maxDocs = argv["max-docs"];
    if (maxDocs !== undefined && !(Number.isSafeInteger(maxDocs) && maxDocs >= 1))
      throw new UsageError(
        `--max-docs must be a positive integer, got ${Number.isNaN(maxDocs) ? "something that is not a number" : maxDocs}`,
      );
    const measures = parseMeasures(argv.measures);
    const qrels = await readQrels(argv.qrels);
    const opts = { complete: argv.complete, relevanceLevel: level, maxDocs };
    const result =
      (await evaluateBlocks(qrels, measures, opts, (onBlock) => scanRun(argv.run, onBlock))) ??
      scoreRun(qrels, await readRun(argv.run), measures, opts);
    const warning = warningLine(result, argv.complete);
    if (warning) process.stderr.write(`rerank-eval: warning: ${warning}\n`);
    process.stdout.write(argv.json ? toJson(result) : toText(result, measures, argv["per-query"]));
  },
};

/** Everything the user should know about the counted queries, on one line. */
function warningLine(r: EvaluationResult, complete: boolean): string {
  const parts: string[] = [];
  if (r.rankedWithoutJudgements > 0) {
    parts.push(`${r.rankedWithoutJudgements} ranked queries have no judgements (ignored)`);
  }
  const missing = r.judgedWithoutRanking.length;
  if (missing > 0) {
    parts.push(
      complete
        ? `${missing} judged queries have no ranking (counted at 0: --complete)`
        : `${missing} judged queries have no ranking (not counted; --complete counts them at 0)`,
    );
  }
  if (r.noRelevant > 0)
    parts.push(`${r.noRelevant} counted queries have no relevant document (nDCG = RR = AP = 0)`);
  if (r.queries === 0) parts.push("no query was counted: do the qrels and the run use the same query ids?");
  return parts.join("; ");
}

function toJson(r: EvaluationResult): string {
  return `${JSON.stringify({ measures: r.measures, queries: r.queries, mean: r.mean, perQuery: r.perQuery })}\n`;
}

/** trec_eval's layout: `measure<TAB>qid<TAB>value`, queries in byte order of their ids, then `all`. */
function toText(r: EvaluationResult, measures: Measure[], perQuery: boolean): string {
  const lines: string[] = [];
  const value = (m: Measure, v: number) => (m.aggregate === "sum" ? String(v) : formatTrecValue(v));
  if (perQuery) {
    const qids = Object.keys(r.perQuery).sort(compareIdBytes);
    for (const qid of qids) {
      const row = r.perQuery[qid];
      for (const m of measures) lines.push(`${m.name}\t${qid}\t${value(m, row[m.name])}`);
    }
  }
  for (const m of measures) lines.push(`${m.name}\tall\t${value(m, r.mean[m.name])}`);
  return `${lines.join("\n")}\n`;
}
