#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { ApiError, InputError, TooManyFailures, UsageError } from "../errors.js";
import { VERSION } from "../version.js";
import { doctorCommand } from "./commands/doctor.js";
import { evaluateCommand } from "./commands/evaluate.js";
import { reportCommand } from "./commands/report.js";
import { rerankCommand } from "./commands/rerank.js";
import { runCommand } from "./commands/run.js";
import { serveCommand } from "./commands/serve.js";

/** Exit codes (design.md): 0 ok, 1 gate failed, 2 bad input or usage, 3 run could not complete. */
const EXIT = { ok: 0, gate: 1, input: 2, api: 3 } as const;

/** Commands set process.exitCode themselves for gate failures (1); errors are mapped here. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  let usageFailure: string | undefined;
  try {
    await yargs(argv)
      .scriptName("rerank-eval")
      .version(VERSION)
      .option("debug", { type: "boolean", describe: "print stack traces for errors", global: true })
      .command(evaluateCommand)
      .command(rerankCommand)
      .command(doctorCommand)
      .command(serveCommand)
      .command(runCommand)
      .command(reportCommand)
      .demandCommand(1, "name a command: run, report, evaluate, rerank, doctor or serve")
      .strict()
      .wrap(Math.min(110, process.stdout.columns ?? 110))
      .fail((msg, err) => {
        if (err) throw err;
        usageFailure = msg;
        throw new UsageError(msg);
      })
      .parseAsync();
  } catch (err) {
    return reportError(err, debug, usageFailure);
  }
  return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
}

function reportError(err: unknown, debug: boolean, usageFailure?: string): number {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, " ");
  if (err instanceof InputError || err instanceof UsageError) {
    const text = err instanceof UsageError && usageFailure ? `${usageFailure} (see --help)` : err.message;
    process.stderr.write(`rerank-eval: error: ${oneLine(text)}\n`);
    if (debug) process.stderr.write(`${err.stack}\n`);
    return EXIT.input;
  }
  if (err instanceof TooManyFailures) {
    process.stderr.write(`rerank-eval: ${oneLine(err.message)}\n`);
    return EXIT.api;
  }
  if (err instanceof ApiError) {
    process.stderr.write(`rerank-eval: API error: ${oneLine(err.message)}\n`);
    if (debug) process.stderr.write(`${err.stack}\n`);
    return EXIT.api;
  }
  const e = err as Error;
  process.stderr.write(`rerank-eval: internal error: ${oneLine(e?.message ?? String(err))}\n`);
  if (debug || !(e instanceof Error)) process.stderr.write(`${e?.stack ?? ""}\n`);
  else process.stderr.write("(run with --debug for the stack trace, and please report it)\n");
  return 70;
}

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(hideBin(process.argv)).then((code) => {
    process.exitCode = code;
  });
}
