import type { Argv, CommandModule } from "yargs";
import { UsageError } from "../../errors.js";
import { mergeShards } from "../../run/merge-shards.js";
import { manifestRedactor } from "../../run/secrets.js";
import { count } from "../../text/words.js";
import { VERSION } from "../../version.js";
import { once } from "../flags.js";
import { printSummary } from "./run.js";

interface MergeArgs {
  dirs?: string[];
  out?: string;
}

/** `rerank-eval merge DIR... --out DIR`: the shards of a run joined into the unsharded run's folder and report. */
export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: "merge [dirs..]",
  describe:
    "join the shard folders of one run (run --shard i/n) into one run folder and report, as the unsharded run would have written",
  builder: (y: Argv) =>
    y
      .positional("dirs", {
        type: "string",
        array: true,
        describe: "the shards' run folders, every shard 1..n once, in any order",
      })
      .option("out", { type: "string", describe: "the merged run folder to write (new or empty)" })
      .example("$0 merge shards/1 shards/2 shards/3 --out merged", "join three shards")
      .example(
        "$0 merge shards/* --out merged && $0 compare baseline/ merged/",
        "then gate on it",
      ) as unknown as Argv<MergeArgs>,
  handler: async (argv) => {
    const dirs = (argv.dirs ?? []).map(String);
    if (dirs.length === 0) throw new UsageError("name the shard folders: rerank-eval merge DIR... --out DIR");
    const out = once("--out", argv.out);
    if (out === undefined || out === "")
      throw new UsageError("--out names the merged run folder to write: rerank-eval merge DIR... --out DIR");
    const { report, outDir, shards } = await mergeShards({
      dirs,
      out: String(out),
      toolVersion: VERSION,
      redactFor: manifestRedactor,
    });
    process.stdout.write(
      `merged ${count(shards, "shard")} (${report.dataset.queries} queries) into ${outDir}\n`,
    );
    printSummary(report, outDir);
  },
};
