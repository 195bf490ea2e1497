import type { Argv, CommandModule } from "yargs";
import { UsageError } from "../../errors.js";
import {
  type EvaluationResult,
  evaluateBlocks,
  formatTrecValue,
  inTrecEvalOrder,
  type Measure,
  parseMeasures,
  scoreRun,
} from "../../metrics/index.js";
import { compareIdBytes, readQrels, readRun, scanRun } from "../../trec/index.js";

interface EvaluateArgs {
  /** Positional, as trec_eval takes them: `evaluate QRELS RUN`. */
  QRELS?: string;
  RUN?: string;
  qrels?: string | string[];
  run?: string | string[];
  /** A string, or one per -m when repeated (trec_eval's `-m map -m P.10`). */
  measures: string | string[];
  "per-query": boolean;
  complete: boolean;
  "relevance-level": number;
  "max-docs"?: number;
  json: boolean;
}

const DEFAULT_MEASURES = "nDCG@10,RR@10,AP";

/** trec_eval's layout: `printf("%-22s\t%s\t%6.4f\n", name, qid, value)`. */
const TREC_NAME_WIDTH = 22;

/** `rerank-eval evaluate`: trec_eval on TREC files, faster, with ir_measures names. */
export const evaluateCommand: CommandModule<object, EvaluateArgs> = {
  command: "evaluate [QRELS] [RUN]",
  describe: "score a TREC run file against TREC qrels, as trec_eval does (a faster drop-in)",
  builder: (y: Argv) =>
    y
      .positional("QRELS", { type: "string", describe: "qrels file, as trec_eval takes it (or --qrels)" })
      .positional("RUN", { type: "string", describe: "run file, as trec_eval takes it (or --run)" })
      .option("qrels", {
        type: "string",
        describe: "qrels file: qid iter docid grade (.gz ok)",
      })
      .option("run", {
        type: "string",
        describe: "run file: qid Q0 docid rank score tag (.gz ok)",
      })
      .option("measures", {
        alias: "m",
        type: "string",
        default: DEFAULT_MEASURES,
        describe:
          "comma-separated measures, repeatable: ir_measures names (nDCG@10, RR@10, AP, AP@100, R@100, P@5, " +
          "Success@10, Judged@10, NumRel, NumRelRet, AP(rel=2)) or trec_eval names (ndcg_cut.10, recip_rank, map, " +
          "P.5,10, …), printed as trec_eval prints them",
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
      .example("$0 evaluate qrels.txt bm25.run", "nDCG@10, RR@10 and AP, the mean over queries")
      .example(
        "$0 evaluate -c -q -m ndcg_cut.10 -m map qrels.txt bm25.run",
        "as trec_eval -c -q -m ndcg_cut.10 -m map would print it",
      )
      .example(
        "$0 evaluate --qrels q.txt --run r.run -M 100 -m RR@10",
        "the files as flags; rankings cut to 100",
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
    const files = inputFiles(argv);
    const measures = parseMeasures(argv.measures);
    const qrels = await readQrels(files.qrels);
    const opts = { complete: argv.complete, relevanceLevel: level, maxDocs };
    const result =
      (await evaluateBlocks(qrels, measures, opts, (onBlock) => scanRun(files.run, onBlock))) ??
      scoreRun(qrels, await readRun(files.run), measures, opts);
    const warning = warningLine(result, argv.complete);
    if (warning) process.stderr.write(`rerank-eval: warning: ${warning}\n`);
    process.stdout.write(argv.json ? toJson(result) : toText(result, measures, argv["per-query"]));
  },
};

/**
 * The two files, given as trec_eval takes them (`evaluate QRELS RUN`) or as --qrels and --run. Both
 * forms at once would leave one of them ignored, so that is refused with what was given.
 */
function inputFiles(a: EvaluateArgs): { qrels: string; run: string } {
  const positional = [a.QRELS, a.RUN].filter((f): f is string => f !== undefined);
  const qrels = once("--qrels", a.qrels);
  const run = once("--run", a.run);
  const flags = [qrels && `--qrels ${qrels}`, run && `--run ${run}`].filter(Boolean).join(" ");
  if (positional.length > 0 && flags)
    throw new UsageError(
      `the files are given twice, as arguments (${positional.join(" ")}) and as flags (${flags}): ` +
        "give either evaluate QRELS RUN, as trec_eval takes them, or --qrels and --run",
    );
  if (positional.length === 2) return { qrels: positional[0], run: positional[1] };
  if (positional.length === 1)
    throw new UsageError(`no run file: give evaluate QRELS RUN (only ${positional[0]} was given)`);
  if (qrels === undefined || run === undefined)
    throw new UsageError(
      `no ${qrels === undefined ? (run === undefined ? "qrels and run files" : "qrels file") : "run file"}: ` +
        "give evaluate QRELS RUN, or --qrels FILE --run FILE",
    );
  return { qrels, run };
}

/** yargs turns a repeated flag into an array; taking one of them would silently drop the other. */
function once(flag: string, value: string | string[] | undefined): string | undefined {
  if (!Array.isArray(value)) return value;
  throw new UsageError(`${flag} was given ${value.length} times (${value.join(", ")}); give it once`);
}

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

/**
 * trec_eval's layout: `measure<TAB>qid<TAB>value`, queries in byte order of their ids, then `all`.
 * A measure asked for by its trec_eval name is printed as trec_eval prints it (`ndcg_cut_10`, padded
 * to 22 characters) so that scripts written for trec_eval's output read ours; when every measure was
 * named that way they also come in trec_eval's order (its measure table's, not the order asked).
 */
function toText(r: EvaluationResult, asked: Measure[], perQuery: boolean): string {
  const measures = asked.every((m) => m.trecName !== undefined) ? inTrecEvalOrder(asked) : asked;
  const label = (m: Measure) => (m.trecName === undefined ? m.name : m.trecName.padEnd(TREC_NAME_WIDTH));
  const value = (m: Measure, v: number) => (m.aggregate === "sum" ? String(v) : formatTrecValue(v));
  const lines: string[] = [];
  if (perQuery) {
    const qids = Object.keys(r.perQuery).sort(compareIdBytes);
    for (const qid of qids) {
      const row = r.perQuery[qid];
      for (const m of measures) lines.push(`${label(m)}\t${qid}\t${value(m, row[m.name])}`);
    }
  }
  for (const m of measures) lines.push(`${label(m)}\tall\t${value(m, r.mean[m.name])}`);
  return `${lines.join("\n")}\n`;
}
