import type { Argv, CommandModule } from "yargs";
import { UsageError } from "../../errors.js";
import { outputError, writeAtomically } from "../../results/folder.js";
import { formatRun, retrieveBeir } from "../../retrieval/index.js";
import { count } from "../../text/words.js";
import { once } from "../flags.js";

interface RetrieveArgs {
  dataset?: string;
  split: string;
  depth: number;
  out?: string;
  "ignore-identical-ids": boolean;
}

/** `rerank-eval retrieve`: a BM25 run over a BEIR folder, as Anserini's flat index scores it. */
export const retrieveCommand: CommandModule<object, RetrieveArgs> = {
  command: "retrieve",
  describe: "write a BM25 first-stage run (TREC format) over a BEIR folder, as Lucene/Anserini score it",
  builder: (y: Argv) =>
    y
      .option("dataset", {
        type: "string",
        describe: "BEIR folder: corpus.jsonl, queries.jsonl, qrels/<split>.tsv (.gz ok)",
      })
      .option("split", { type: "string", default: "test", describe: "whose queries: qrels/<split>.tsv" })
      .option("depth", { type: "number", default: 100, describe: "documents per query (the run's depth)" })
      .option("out", { type: "string", describe: "run file to write: qid Q0 docid rank score bm25" })
      .option("ignore-identical-ids", {
        type: "boolean",
        default: false,
        describe: "drop a document whose id equals the query id (BEIR's convention; ArguAna, Quora)",
      })
      .example(
        "$0 retrieve --dataset scifact --depth 100 --out bm25.trec",
        "BM25 (k1 0.9, b 0.4, title + text) top 100 of each test query",
      ) as Argv<RetrieveArgs>,
  handler: async (argv) => {
    const dataset = once("--dataset", argv.dataset) as string | undefined;
    const out = once("--out", argv.out) as string | undefined;
    const depth = once("--depth", argv.depth) as number;
    const split = once("--split", argv.split) as string;
    if (dataset === undefined) throw new UsageError("no dataset: give --dataset DIR (a BEIR folder)");
    if (out === undefined) throw new UsageError("no output: give --out FILE (the run to write)");
    if (!(Number.isSafeInteger(depth) && depth >= 1))
      throw new UsageError(
        `--depth must be a positive integer, got ${Number.isNaN(depth) ? "something that is not a number" : depth}`,
      );
    // Ctrl-C or SIGTERM before the run is written: one line, the signal's exit code, nothing written
    // (the run goes to its file in one atomic rename at the end).
    const interrupted = (signal: "SIGINT" | "SIGTERM") => () => {
      process.stderr.write(`rerank-eval: interrupted (${signal}): no run written to ${out}\n`);
      process.exit(signal === "SIGINT" ? 130 : 143);
    };
    // Removed once the run is written: in a process that goes on (the library, a test worker), a
    // later signal is not this command's.
    const onSigint = interrupted("SIGINT");
    const onSigterm = interrupted("SIGTERM");
    process.once("SIGINT", onSigint);
    process.once("SIGTERM", onSigterm);
    const cpu = process.cpuUsage();
    let r: Awaited<ReturnType<typeof retrieveBeir>>;
    try {
      r = await retrieveBeir(dataset, { split, depth, ignoreIdenticalIds: argv["ignore-identical-ids"] });
      for (const w of r.warnings) process.stderr.write(`rerank-eval: warning: ${w}\n`);
      try {
        await writeAtomically(out, formatRun(r.run));
      } catch (err) {
        throw outputError(err, out);
      }
    } finally {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
    }
    const used = process.cpuUsage(cpu);
    process.stdout.write(
      `${count(r.run.size, "query", "queries")}, ${count(r.index.docIds.length, "document")} ` +
        `(${count(r.index.termCount, "term")}): index built in ${r.indexMs.toFixed(0)} ms, ` +
        `retrieval in ${r.retrieveMs.toFixed(0)} ms (CPU ${((used.user + used.system) / 1000).toFixed(0)} ms in all); ` +
        `top ${depth} written to ${out}\n`,
    );
  },
};
