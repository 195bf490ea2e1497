import { stat } from "node:fs/promises";
import type { Argv, CommandModule } from "yargs";
import { InputError, UsageError } from "../../errors.js";
import { rebuildReport } from "../../report/rebuild.js";
import { positiveInteger } from "../../run/option-kinds.js";
import { manifestRedactor } from "../../run/secrets.js";
import { VERSION } from "../../version.js";
import { flagValue, listOf, once } from "../flags.js";
import { printSummary } from "./run.js";

interface ReportArgs {
  dir?: string;
  measures?: string[];
  k?: string[];
  qrels?: string;
  baseline?: string;
  out?: string;
}

/** `rerank-eval report DIR`: a run folder's reports rebuilt (or re-scored) from the folder alone. */
export const reportCommand: CommandModule<object, ReportArgs> = {
  command: "report [dir]",
  describe:
    "rebuild a run folder's report.json, report.md and run files from its record, without calling any API",
  builder: (y: Argv) =>
    y
      .positional("dir", {
        type: "string",
        describe: "a run folder (it holds manifest.json and results.jsonl)",
      })
      .option("measures", {
        type: "string",
        array: true,
        describe: "re-score with these measures, e.g. nDCG@20,P@1 (replaces the run's)",
      })
      .option("k", {
        type: "string",
        array: true,
        describe: "cut-offs for the default measures (replaces the run's)",
      })
      .option("qrels", {
        type: "string",
        describe: "score against these TREC qrels instead of the folder's qrels.txt",
      })
      .option("baseline", {
        type: "string",
        describe: "the variant the others are compared with (replaces the run's)",
      })
      .option("out", { type: "string", describe: "write into this folder instead of the run folder" })
      .example("$0 report reports/demo", "rebuild the demo's reports from its folder")
      .example(
        "$0 report reports/demo --measures nDCG@20,P@1 --out /tmp/rescored",
        "the same answers, other measures",
      )
      .example(
        "$0 report reports/demo --qrels corrected.qrels",
        "re-score against corrected judgements",
      ) as unknown as Argv<ReportArgs>,
  handler: async (argv) => {
    if (!argv.dir)
      throw new UsageError("name the run folder: rerank-eval report DIR (it holds manifest.json)");
    const info = await stat(argv.dir).catch(() => undefined);
    if (!info) throw new InputError("no such folder", { file: argv.dir });
    if (!info.isDirectory()) throw new InputError("is a file, expected a run folder", { file: argv.dir });
    const out = text("--out", argv.out);
    const qrels = text("--qrels", argv.qrels);
    const baseline = text("--baseline", argv.baseline);
    const { report, outDir } = await rebuildReport(argv.dir, {
      measures: argv.measures && listOf("--measures", argv.measures),
      k: argv.k && listOf("-k", argv.k).map((p) => flagValue<number>(positiveInteger, "-k", p)),
      ...(qrels !== undefined ? { qrels } : {}),
      ...(baseline !== undefined ? { baseline } : {}),
      ...(out !== undefined ? { out } : {}),
      redactFor: manifestRedactor,
      toolVersion: VERSION,
    });
    printSummary(report, outDir);
  },
};

function text(flag: string, value: unknown): string | undefined {
  const v = once(flag, value);
  if (v === "") throw new UsageError(`${flag} needs a value`);
  return v as string | undefined;
}
