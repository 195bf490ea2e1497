import type { Argv, CommandModule } from "yargs";
import { UsageError } from "../../errors.js";
import { cacheInfo, clearCache, parseDuration, verifyCache } from "../../rerank/cache/admin.js";
import { defaultCacheDir } from "../../rerank/cache/store.js";
import { formatBytes } from "../../text/bytes.js";
import { count } from "../../text/words.js";
import { once } from "../flags.js";

interface CacheArgs {
  action?: string;
  cache?: unknown;
  olderThan?: unknown;
}

const ACTIONS = ["info", "verify", "clear"] as const;

/** `rerank-eval cache info|verify|clear`: the response cache folder, each action one summary line. */
export const cacheCommand: CommandModule<object, CacheArgs> = {
  command: "cache <action>",
  describe:
    "the response cache: where it is and what it holds (info), check and repair it (verify), clear it",
  builder: (y: Argv) =>
    y
      .positional("action", { type: "string", choices: ACTIONS, describe: "info, verify or clear" })
      .option("cache", {
        type: "string",
        describe: "the cache folder (default: the user's cache folder, ~/.cache/rerank-eval on Linux)",
      })
      .option("older-than", {
        type: "string",
        describe: "clear only the answers stored longer ago than this: 30d, 12h, 90m, 45s, 2w",
      })
      .example("$0 cache info", "where the cache is, how many answers it holds and its size")
      .example("$0 cache clear --older-than 30d", "drop the answers stored more than 30 days ago")
      .example(
        "$0 cache verify --cache /tmp/rerank-cache",
        "checksum every answer of another folder, repair it",
      ) as unknown as Argv<CacheArgs>,
  handler: async (argv) => {
    const dir = folderOf(argv.cache);
    const olderThanText =
      argv.olderThan === undefined ? undefined : String(once("--older-than", argv.olderThan));
    if (olderThanText !== undefined && argv.action !== "clear")
      throw new UsageError("--older-than applies to `cache clear` only");
    if (argv.action === "info") {
      const i = await cacheInfo(dir);
      process.stdout.write(
        i.exists
          ? `cache ${dir}: ${count(i.entries, "answer")}, ${formatBytes(i.bytes)}\n`
          : `cache ${dir}: empty (the folder does not exist yet)\n`,
      );
    } else if (argv.action === "verify") {
      const v = await verifyCache(dir);
      if (!v.exists) {
        process.stdout.write(`cache ${dir}: empty (the folder does not exist yet), nothing to verify\n`);
        return;
      }
      const fixed = [
        v.corrupt ? `${count(v.corrupt, "corrupt answer")} removed` : "",
        v.missingContent ? `${count(v.missingContent, "entry", "entries")} without content dropped` : "",
        v.reclaimed
          ? `${count(v.reclaimed, "unreferenced file")} (superseded answers, cut-off writes) removed`
          : "",
      ].filter(Boolean);
      const freed = v.reclaimedBytes ? ` (${formatBytes(v.reclaimedBytes)} freed)` : "";
      process.stdout.write(
        `verified cache ${dir}: ${count(v.kept, "answer")} good (${formatBytes(v.keptBytes)}); ` +
          `${fixed.length ? `fixed: ${fixed.join(", ")}${freed}` : "nothing to fix"}\n`,
      );
    } else {
      const olderThan = olderThanText === undefined ? undefined : parseDuration(olderThanText);
      const c = await clearCache(dir, olderThan);
      const which = olderThanText === undefined ? "" : ` older than ${olderThanText.trim()}`;
      const kept = olderThanText === undefined ? "" : `, ${count(c.kept, "answer")} kept`;
      process.stdout.write(
        `cleared cache ${dir}: ${count(c.removed, "answer")}${which} removed${kept} (${formatBytes(c.freedBytes)} freed)\n`,
      );
    }
  },
};

function folderOf(given: unknown): string {
  if (given === undefined) return defaultCacheDir();
  const dir = once("--cache", given);
  if (typeof dir !== "string" || dir.trim() === "") throw new UsageError("--cache needs a folder");
  return dir;
}
