import type { Argv, CommandModule } from "yargs";
import {
  BEIR_CATALOG,
  DEFAULT_DATASETS_DIR,
  type DownloadResult,
  downloadDataset,
  findDataset,
  listDatasets,
  resolveBaseUrl,
} from "../../download/index.js";
import { UsageError } from "../../errors.js";
import { formatBytes } from "../../text/bytes.js";
import { count } from "../../text/words.js";
import { once } from "../flags.js";
import { closest } from "../suggest.js";

interface DatasetsArgs {
  name?: string;
  dir?: unknown;
  baseUrl?: unknown;
  force?: boolean;
  retries?: unknown;
  timeout?: unknown;
}

const common = (y: Argv) =>
  y
    .option("dir", {
      type: "string",
      describe: `the folder datasets are downloaded into (default: ./${DEFAULT_DATASETS_DIR})`,
    })
    .option("base-url", {
      type: "string",
      describe: "where the zips are (a mirror); default BEIR's, or RERANK_EVAL_DATASETS_URL",
    });

const listCommand: CommandModule<object, DatasetsArgs> = {
  command: "list",
  describe: "the public BEIR datasets: zip size, md5, URL, and whether --dir holds them",
  builder: (y: Argv) => common(y) as unknown as Argv<DatasetsArgs>,
  handler: async (argv) => {
    const dir = dirOf(argv.dir);
    const base = resolveBaseUrl(stringFlag("--base-url", argv.baseUrl));
    const rows = await listDatasets(dir, base);
    const table = [
      ["name", "zip", "md5", `in ${dir}`, "url"],
      ...rows.map((r) => [
        r.name,
        formatBytes(r.zipBytes),
        r.md5,
        r.state === "ready" ? "ready" : r.state === "partial" ? `partial (${formatBytes(r.partBytes)})` : "-",
        r.url,
      ]),
    ];
    const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
    const lines = table.map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
        .join("  ")
        .trimEnd(),
    );
    const ready = rows.filter((r) => r.state === "ready").length;
    process.stdout.write(
      `${lines.join("\n")}\n${count(rows.length, "dataset")}, ${ready} ready in ${dir}; ` +
        "`rerank-eval datasets download NAME` fetches one\n",
    );
  },
};

const downloadCommand: CommandModule<object, DatasetsArgs> = {
  command: "download <name>",
  describe: "download a BEIR dataset (resumable), check its md5 and unzip it into DIR/NAME",
  builder: (y: Argv) =>
    common(y)
      .positional("name", { type: "string", describe: "the dataset, as `datasets list` names it" })
      .option("force", {
        type: "boolean",
        default: false,
        describe: "download and unzip again even if present",
      })
      .option("retries", {
        type: "number",
        default: 5,
        describe:
          "attempts in a row that receive nothing before giving up (a drop after progress resumes at once)",
      })
      .option("timeout", {
        type: "number",
        default: 60,
        describe: "seconds without a byte before an attempt is dropped and resumed",
      })
      .example("$0 datasets download scifact", `into ./${DEFAULT_DATASETS_DIR}/scifact`)
      .example(
        "$0 run --dataset datasets-cache/scifact --first-stage bm25 --depth 100 --model M",
        "then rerank BM25's top 100",
      ) as unknown as Argv<DatasetsArgs>,
  handler: async (argv) => {
    const name = String(once("name", argv.name));
    const dir = dirOf(argv.dir);
    const baseUrl = resolveBaseUrl(stringFlag("--base-url", argv.baseUrl));
    const retries = numberFlag("--retries", argv.retries, 0);
    const timeout = numberFlag("--timeout", argv.timeout, 1);
    try {
      findDataset(name);
    } catch (err) {
      const near = closest(
        name,
        BEIR_CATALOG.map((e) => e.name),
      );
      if (near) throw new UsageError(`no dataset '${name}' in the catalog. Did you mean ${near}?`);
      throw err;
    }
    // Ctrl-C or SIGTERM: the transfer stops, the .part stays for the next run, the command exits 130/143.
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => stop.abort(signal);
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      const r = await downloadDataset({
        name,
        dir,
        baseUrl,
        force: argv.force === true,
        retries,
        idleTimeoutMs: timeout * 1000,
        signal: stop.signal,
        progress: process.stderr,
        say: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${summary(r)}\n`);
    } finally {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    }
  },
};

/** `rerank-eval datasets list|download`: the public BEIR datasets, fetched and checked. */
export const datasetsCommand: CommandModule<object, object> = {
  command: "datasets",
  describe: "list the public BEIR datasets, download one (resumable, md5-checked) into a ready folder",
  builder: (y: Argv) =>
    y
      .command(listCommand as CommandModule)
      .command(downloadCommand as CommandModule)
      .demandCommand(1, "name an action: datasets list, or datasets download NAME"),
  handler: () => {},
};

function summary(r: DownloadResult): string {
  const use = r.sets.length > 1 ? `${r.folder}/${r.sets[0]}` : r.folder;
  const sets = r.sets.length > 1 ? ` (${count(r.sets.length, "BEIR folder")}: ${r.sets.join(", ")})` : "";
  if (r.alreadyPresent)
    return `${r.name}: already in ${r.folder}${sets} (--force downloads it again); use --dataset ${use}`;
  const resumed = r.resumedFrom > 0 ? `, resumed at ${formatBytes(r.resumedFrom)}` : "";
  return (
    `${r.name}: ready in ${r.folder}${sets}: ${formatBytes(r.zipBytes)} zip${resumed}, md5 ${r.md5} verified, ` +
    `${count(r.files, "file")} (${formatBytes(r.extractedBytes)}) extracted; use --dataset ${use}`
  );
}

function dirOf(given: unknown): string {
  const dir = stringFlag("--dir", given);
  return dir ?? DEFAULT_DATASETS_DIR;
}

function stringFlag(flag: string, given: unknown): string | undefined {
  if (given === undefined) return undefined;
  const v = once(flag, given);
  if (typeof v !== "string" || v.trim() === "") throw new UsageError(`${flag} needs a value`);
  return v;
}

function numberFlag(flag: string, given: unknown, min: number): number {
  const v = once(flag, given) as number;
  if (!(Number.isSafeInteger(v) && v >= min))
    throw new UsageError(
      `${flag} must be an integer of at least ${min}, got ${Number.isNaN(v) ? "something that is not a number" : v}`,
    );
  return v;
}
