import { join } from "node:path";
import type { Argv, CommandModule, Options } from "yargs";
import { Interrupted, TooManyFailures, UsageError } from "../../errors.js";
import { type Arrival, type LoadSettings, parseSlo, runLoad } from "../../load/index.js";
import { loadMarkdown } from "../../report/load-markdown.js";
import { RunStop, stopOnSignals } from "../../run/interrupt.js";
import { nonNegativeInteger, positiveInteger } from "../../run/option-kinds.js";
import { flagValue, listOf, once } from "../flags.js";
import { runFlagOptions, toFlags } from "./run.js";

/** The load's own flags; the run's (dataset, model, endpoint, key, client limits, --out, --seed) come too. */
const LOAD_OPTIONS: Record<string, Options> = {
  rate: {
    type: "string",
    array: true,
    describe:
      "requests per second; a comma list is a sweep, in order (with --find-max-rate: where the search starts, default 10)",
  },
  arrival: {
    type: "string",
    describe: "constant (evenly spaced) or poisson (seeded by --seed) [default constant]",
  },
  duration: { type: "string", describe: "each step's recorded window, e.g. 60s, 500ms, 2m [default 60s]" },
  requests: { type: "string", describe: "each step records this many requests instead of a --duration" },
  warmup: {
    type: "string",
    describe: "before each step's window, ramping up to the rate, not recorded, e.g. 5s or 0s [default 5s]",
  },
  "max-in-flight": {
    type: "string",
    describe: "requests out at once; one due beyond that is dropped and counted [default 1000]",
  },
  connections: {
    type: "string",
    describe:
      "requests on the wire at once (one a connection, like wrk2's -c); one due beyond that waits for the next answer, its wait in its latency and reported [default: --max-in-flight]",
  },
  "find-max-rate": {
    type: "boolean",
    describe: "search for the highest rate holding --slo (exponential, then bisection)",
  },
  slo: {
    type: "string",
    describe: 'latency objective, e.g. "p95<500ms" (p50, p90, p95, p99, p999; ms or s)',
  },
  "search-precision": {
    type: "string",
    describe:
      "--find-max-rate stops when the failing rate is within this share above the held one [default 0.05]",
  },
  "max-error-rate": {
    type: "string",
    describe: "error budget of the SLO: share of errors and drops, 0 to 1 [default 0.01]",
  },
  docs: {
    type: "string",
    describe: "synthetic payloads instead of --dataset: this many documents per request",
  },
  "doc-bytes": { type: "string", describe: "bytes per synthetic document [default 300]" },
};

/**
 * Run flags that mean nothing to an open loop: said at once instead of ignored, and hidden from
 * `load --help` (a flag listed there should work).
 */
const REFUSED: Record<string, string> = {
  resume: "a load is not resumable: run it again",
  concurrency: "an open loop has no concurrency: use --rate and --max-in-flight",
  rps: "use --rate",
  offline: "a load makes its calls (no cache)",
  refresh: "a load makes its calls (no cache)",
  baseline: "the steps are compared in order",
  config: "give the flags",
  cache: "a load never reads or writes the response cache (a cached answer is no load)",
  "max-failures": "a load records every failure at its step and never stops early",
  "fail-fast": "a load records every failure at its step and never stops early",
  complete: "a step's quality is the mean over the answers it got",
};

type LoadArgs = Record<string, unknown> & { quiet?: boolean };

export const loadCommand: CommandModule<object, LoadArgs> = {
  command: "load",
  describe:
    "open-loop load benchmark of a rerank deployment: rates or a saturation search, latency without coordinated omission, quality under load",
  builder: (y: Argv) =>
    (y as unknown as { usageConfiguration(c: object): Argv })
      .usageConfiguration({ "hide-types": true })
      .options(
        Object.fromEntries(
          Object.entries(runFlagOptions()).map(([k, o]) => [
            k,
            Object.hasOwn(REFUSED, k) ? { ...o, hidden: true } : o,
          ]),
        ),
      )
      .options(
        Object.fromEntries(Object.entries(LOAD_OPTIONS).map(([k, o]) => [k, { ...o, group: "Load:" }])),
      )
      .example(
        "$0 load --endpoint embedded --model bm25 --docs 100 --rate 50,100,200 --duration 10s",
        "a sweep with synthetic payloads",
      )
      .example(
        '$0 load --dataset datasets/tiny-beir --candidates qrels --endpoint http://tei:8080/rerank --provider tei --model m --find-max-rate --slo "p95<500ms"',
        "the highest rate holding the SLO, quality checked at every step",
      ) as unknown as Argv<LoadArgs>,
  handler: async (argv) => {
    for (const [name, why] of Object.entries(REFUSED))
      if (argv[name] !== undefined)
        throw new UsageError(
          `--${name === "concurrency" ? "concurrency/-j" : name} does not apply to load: ${why}`,
        );
    const settings = loadSettings(argv);
    const flags = toFlags(argv);
    if (settings.synthetic && flags.dataset !== undefined)
      throw new UsageError("--docs makes synthetic payloads: give it or --dataset, not both");
    if (flags.topN && flags.topN.length > 1) throw new UsageError("--top-n takes one value in a load");
    if (flags.model && flags.model.length > 1) throw new UsageError("--model takes one model in a load");
    const quiet = argv.quiet === true;
    const stop = new RunStop(0);
    const unwatch = stopOnSignals(stop, (line) => process.stderr.write(`rerank-eval: ${line}\n`));
    let outcome: Awaited<ReturnType<typeof runLoad>>;
    try {
      outcome = await runLoad(flags, settings, {
        stop,
        overwrite: flags.overwrite === true,
        ...(quiet ? {} : { progress: (line: string) => process.stderr.write(`${line}\n`) }),
      });
    } finally {
      unwatch();
    }
    const { report, outDir } = outcome;
    const load = report.load;
    if (load) process.stdout.write(`\n${loadMarkdown(load, report.headline).join("\n")}\n`);
    process.stdout.write(`report: ${join(outDir, "report.md")}\n`);
    if (outcome.interrupted)
      throw new Interrupted(
        `the load was stopped; report (incomplete): ${join(outDir, "report.md")}`,
        stop.signal ?? "SIGINT",
      );
    const steps = load?.steps ?? [];
    if (steps.length > 0 && steps.every((s) => s.errors > 0 && s.errors === s.requests - s.dropped)) {
      const kinds = [...new Set(steps.flatMap((s) => Object.keys(s.errorsByKind)))].join(", ");
      throw new TooManyFailures(
        `every request failed (${kinds}); the report lists them: ${join(outDir, "report.md")}`,
        outDir,
      );
    }
  },
};

function loadSettings(a: LoadArgs): LoadSettings {
  const single = (name: string): string | undefined => {
    const v = a[name];
    if (v === undefined) return undefined;
    const text = once(`--${name}`, v);
    if (text === "" || text === true) throw new UsageError(`--${name} needs a value`);
    return String(text);
  };
  const findMaxRate = a["find-max-rate"] === true;
  const rateTexts = a.rate === undefined ? undefined : listOf("--rate", a.rate as unknown[]);
  const rates = (rateTexts ?? []).map((t) => positive("--rate", t));
  if (rates.length === 0 && !findMaxRate)
    throw new UsageError(
      "no rate: pass --rate R (requests per second; a comma list sweeps) or --find-max-rate --slo ...",
    );
  if (findMaxRate && rates.length > 1)
    throw new UsageError("--find-max-rate starts from one --rate, not a list");
  const arrivalText = single("arrival") ?? "constant";
  if (arrivalText !== "constant" && arrivalText !== "poisson")
    throw new UsageError(`--arrival must be constant or poisson, got '${arrivalText}'`);
  const durationText = single("duration");
  const requestsText = single("requests");
  if (durationText !== undefined && requestsText !== undefined)
    throw new UsageError("give --duration or --requests, not both");
  const durationMs =
    requestsText === undefined ? duration("--duration", durationText ?? "60s", false) : undefined;
  const warmupMs = duration("--warmup", single("warmup") ?? "5s", true);
  const sloText = single("slo");
  if (findMaxRate && sloText === undefined)
    throw new UsageError('--find-max-rate needs --slo, e.g. --slo "p95<500ms"');
  const maxErrorText = single("max-error-rate");
  const maxErrorRate = maxErrorText === undefined ? 0.01 : Number(maxErrorText);
  if (!(maxErrorRate >= 0 && maxErrorRate <= 1) || maxErrorText?.trim() === "")
    throw new UsageError(`--max-error-rate must be a share from 0 to 1 (0.01 is 1 %), got '${maxErrorText}'`);
  const precisionText = single("search-precision");
  const precision = precisionText === undefined ? undefined : Number(precisionText);
  if (precision !== undefined && !(precision > 0 && precision < 1))
    throw new UsageError(
      `--search-precision must be a share between 0 and 1 (0.05 is 5 %), got '${precisionText}'`,
    );
  const docsText = single("docs");
  const docBytesText = single("doc-bytes");
  if (docBytesText !== undefined && docsText === undefined)
    throw new UsageError("--doc-bytes goes with --docs (synthetic payloads)");
  const maxInFlight = flagValue<number>(
    positiveInteger,
    "--max-in-flight",
    single("max-in-flight") ?? "1000",
  );
  const connectionsText = single("connections");
  const connections =
    connectionsText === undefined
      ? undefined
      : flagValue<number>(positiveInteger, "--connections", connectionsText);
  if (connections !== undefined && connections > maxInFlight)
    throw new UsageError(
      `--connections ${connections} is above --max-in-flight ${maxInFlight}: at most that many requests are out at once, so raise --max-in-flight too`,
    );
  const seedText = a.seed === undefined ? "0" : String(once("--seed", a.seed));
  const seed = flagValue<number>(nonNegativeInteger, "--seed", seedText);
  return {
    rates: rates.length ? rates : [10],
    arrival: arrivalText as Arrival,
    seed,
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(requestsText !== undefined
      ? { requests: flagValue<number>(positiveInteger, "--requests", requestsText) }
      : {}),
    warmupMs,
    maxInFlight,
    ...(connections !== undefined ? { connections } : {}),
    findMaxRate,
    ...(sloText !== undefined ? { slo: parseSlo(sloText) } : {}),
    maxErrorRate,
    ...(precision !== undefined ? { precision } : {}),
    ...(docsText !== undefined
      ? {
          synthetic: {
            docs: flagValue<number>(positiveInteger, "--docs", docsText),
            docBytes: flagValue<number>(positiveInteger, "--doc-bytes", docBytesText ?? "300"),
            seed,
          },
        }
      : {}),
  };
}

function positive(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag} must be a positive number of requests per second, got '${text}'`);
  return n;
}

/** "60s", "500ms", "2m" → ms; a unit is required (60 alone could be either). */
function duration(flag: string, text: string, zeroOk: boolean): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)\s*$/.exec(text);
  if (!m) throw new UsageError(`${flag} must be a time with its unit (ms, s or m), e.g. 60s, got '${text}'`);
  const ms = Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "s" ? 1000 : 60_000);
  if (ms === 0 && !zeroOk) throw new UsageError(`${flag} must be above 0, got '${text}'`);
  return ms;
}
