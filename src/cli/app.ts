import yargs, { type CommandModule } from "yargs";
import {
  ApiError,
  DownloadFailed,
  GateFailed,
  InputError,
  Interrupted,
  TooManyFailures,
  UsageError,
} from "../errors.js";
import { unsettledTasks } from "../run/unsettled.js";
import { count } from "../text/words.js";
import { VERSION } from "../version.js";
import { cacheCommand } from "./commands/cache.js";
import { compareCommand } from "./commands/compare.js";
import { datasetsCommand } from "./commands/datasets.js";
import { doctorCommand } from "./commands/doctor.js";
import { evaluateCommand } from "./commands/evaluate.js";
import { loadCommand } from "./commands/load.js";
import { mergeCommand } from "./commands/merge.js";
import { reportCommand } from "./commands/report.js";
import { rerankCommand } from "./commands/rerank.js";
import { retrieveCommand } from "./commands/retrieve.js";
import { runCommand } from "./commands/run.js";
import { serveCommand } from "./commands/serve.js";
import { explainUsageFailure } from "./suggest.js";

/**
 * Exit codes (design.md), decided here and nowhere else: commands and the library throw typed
 * errors, and ERRORS below turns each into its code and the one line printed for it.
 */
const EXIT = {
  ok: 0,
  /** A check or gate found a problem (doctor, compare gates). */
  gateFailed: 1,
  /** Bad input or usage: the user fixes a file or a flag. */
  badInput: 2,
  /** The run could not complete: API unreachable, retries spent, more failed tasks than allowed. */
  incomplete: 3,
  /** Stopped by a signal: 128 + its number, as shells report it. */
  interrupted: { SIGINT: 130, SIGTERM: 143 },
  /** Anything untyped is a bug (sysexits' EX_SOFTWARE). */
  internal: 70,
} as const;

interface ErrorRow<E extends Error> {
  type: new (...args: never[]) => E;
  code: (err: E) => number;
  /** Between "rerank-eval: " and the message; empty when the message says it all. */
  label: string;
}

const row = <E extends Error>(
  type: ErrorRow<E>["type"],
  code: ErrorRow<E>["code"],
  label: string,
): ErrorRow<Error> => ({ type, code: code as ErrorRow<Error>["code"], label });

/** Typed error → exit code and line prefix; the first row the error is an instance of wins. */
const ERRORS: readonly ErrorRow<Error>[] = [
  // The summary ("7 checks: 5 passed, 2 failed") already says what failed.
  row(GateFailed, () => EXIT.gateFailed, ""),
  row(InputError, () => EXIT.badInput, "error: "),
  row(UsageError, () => EXIT.badInput, "error: "),
  row(ApiError, () => EXIT.incomplete, "API error: "),
  // The message names the failed tasks and the report that lists them.
  row(TooManyFailures, () => EXIT.incomplete, ""),
  // `datasets download`: the server unreachable or the transfer cut short; the .part is kept.
  row(DownloadFailed, () => EXIT.incomplete, "download failed: "),
  row(Interrupted, (err) => EXIT.interrupted[err.signal], "interrupted: "),
];

/** Runs the CLI and returns its exit code (see EXIT); it never calls process.exit itself. */
const COMMANDS = [
  evaluateCommand,
  rerankCommand,
  doctorCommand,
  serveCommand,
  runCommand,
  reportCommand,
  compareCommand,
  cacheCommand,
  retrieveCommand,
  datasetsCommand,
  mergeCommand,
  loadCommand,
];
/** "report <dir>" → "report". */
const COMMAND_NAMES = COMMANDS.map((c) => String(c.command).split(" ", 1)[0]);

/** The options yargs knows at the point of failure: the failing command's and the global ones. */
function knownOptions(parser: unknown): string[] {
  // Not in yargs's typings, but public on the instance since yargs 3: { key: {name: true}, alias: {name: [..]} }.
  const get = (parser as { getOptions?: () => { key?: object; alias?: Record<string, string[]> } })
    .getOptions;
  if (typeof get !== "function") return [];
  const { key = {}, alias = {} } = get.call(parser);
  return [...Object.keys(key), ...Object.keys(alias), ...Object.values(alias).flat()];
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  let usageFailure: string | undefined;
  try {
    const parser = yargs(argv);
    await parser
      .scriptName("rerank-eval")
      .version(VERSION)
      .option("debug", { type: "boolean", describe: "print stack traces for errors", global: true })
      .command(COMMANDS as CommandModule[])
      .demandCommand(
        1,
        "name a command: run, report, compare, evaluate, rerank, doctor, serve, cache, retrieve, datasets, merge or load",
      )
      .strict()
      .wrap(Math.min(110, process.stdout.columns ?? 110))
      .fail((msg, err) => {
        if (err) throw err;
        usageFailure = explainUsageFailure(msg, {
          argv,
          commands: COMMAND_NAMES,
          options: knownOptions(parser),
        });
        throw new UsageError(usageFailure);
      })
      .parseAsync();
  } catch (err) {
    return reportError(err, debug, usageFailure);
  }
  return EXIT.ok;
}

/** The exit code for an error a command threw: its row in ERRORS, or EXIT.internal. */
export function exitCodeOf(err: unknown): number {
  return rowOf(err)?.code(err as Error) ?? EXIT.internal;
}

function rowOf(err: unknown): ErrorRow<Error> | undefined {
  return ERRORS.find((r) => err instanceof r.type);
}

function reportError(err: unknown, debug: boolean, usageFailure?: string): number {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, " ");
  const known = rowOf(err);
  if (known) {
    const e = err as Error;
    const text = e instanceof UsageError && usageFailure ? `${usageFailure} (see --help)` : e.message;
    process.stderr.write(`rerank-eval: ${known.label}${oneLine(text)}\n`);
    if (debug) process.stderr.write(`${e.stack}\n`);
    return known.code(e);
  }
  const e = err as Error;
  process.stderr.write(`rerank-eval: internal error: ${oneLine(e?.message ?? String(err))}\n`);
  if (debug || !(e instanceof Error)) process.stderr.write(`${e?.stack ?? ""}\n`);
  else process.stderr.write("(run with --debug for the stack trace, and please report it)\n");
  return EXIT.internal;
}

/**
 * Runs a command and makes its code the process's exit code, guarded: when the event loop empties
 * while the command's promise is still pending (a promise that never settles: the process would
 * otherwise end with exit 0, no report and no word), the exit is an internal error saying so.
 */
export function runToExit(command: () => Promise<number>): void {
  let settled = false;
  const guard = () => {
    if (settled) return;
    settled = true;
    const n = unsettledTasks();
    const what =
      n > 0 ? `the run stopped with ${count(n, "task")} unsettled` : "the command stopped before it finished";
    process.stderr.write(`rerank-eval: internal error: ${what}; please report\n`);
    process.exitCode = EXIT.internal;
  };
  process.on("beforeExit", guard);
  command().then(
    (code) => {
      settled = true;
      process.off("beforeExit", guard);
      process.exitCode = code;
    },
    (err: unknown) => {
      settled = true;
      process.off("beforeExit", guard);
      process.exitCode = reportError(err, process.argv.includes("--debug"));
    },
  );
}
