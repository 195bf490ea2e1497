/**
 * How far V8 lets the old generation grow past what the last full collection kept. Left alone, V8
 * picks a factor between 1.1 and 4 from its own speed; a run's old generation is mostly garbage
 * (request bodies and answers promoted while in flight, texts read back), so it grows the heap 2–3×
 * past the live data: a run over a 1 GB corpus with 100 candidates per query peaked at 344 MB of
 * which ~60 MB was live, and took ~20 % less time than at 1.3 on that CPU-bound run. At 1.3 it
 * peaked at 230 MB; at 1.15 at 204 MB, and a 1 GB labelled CSV at 370–399 MB against 396 (1.2)
 * and 400–410 (1.3), with 1.15 and 1.3 in the same wall time within noise on those runs, on SciFact
 * with its BM25 first stage and on the embedded model's CPU-bound run. Set for the
 * commands that read big files and run tasks; `serve` and `load` keep V8's choice (their figure is
 * throughput, and their heaps stay small), and a user's own --heap-growing-percent wins.
 */
import { spawn } from "node:child_process";
import { setFlagsFromString } from "node:v8";

const HEAP_GROWING_PERCENT = 15;
const THROUGHPUT_COMMANDS = new Set(["serve", "load"]);

/** The command: the first word that is not a flag (a global flag may come before it). */
export const commandOf = (argv: readonly string[]) => argv.find((a) => !a.startsWith("-")) ?? "";

export function boundHeapGrowth(argv: readonly string[]): void {
  if (THROUGHPUT_COMMANDS.has(commandOf(argv))) return;
  // Node refuses this flag in NODE_OPTIONS: only `node --heap-growing-percent=N` can give it.
  if (process.execArgv.some((a) => a.includes("heap-growing-percent"))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/**
 * The young generation, per semi-space, of the commands whose figure is throughput (V8's default is
 * 16 MB at most). `load`: every answer's parse leaves ~40 KB of garbage, so at 2,000 answers/s the
 * default young generation is collected about 8 times a second, each pause 5–10 ms, and the requests
 * due in a pause are sent late: that was the sender's lag p99 (7–18 ms against a 5 ms target). At
 * 128 MB the collections are a few per step and the lag p99 2.8–4.0 ms (bench/load.ts); the cost is
 * ~130 MB more resident memory. `serve`: each request's ~30 KB body is read, parsed and answered, so
 * at 2,000 requests/s the default was collected ~40 times a second (414 collections, 839 ms of
 * pauses in a 15 s step); at 64 MB 126–130 collections and 342–413 ms, and a `load` sharing the
 * machine with it held its lag p99 under 5 ms in 6 runs of 6 against 4 of 6 (128 MB did no better).
 */
const SEMI_SPACE_MB = new Map([
  ["load", 128],
  ["serve", 64],
]);

const CHILD_MARK = "RERANK_EVAL_SIZED_CHILD";
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** In the child of inSizedHeap: a SIGTERM to itself when its parent goes. */
export function followParent(): void {
  if (process.env[CHILD_MARK] !== "1") return;
  const gone = () => {
    process.kill(process.pid, "SIGTERM");
  };
  // Gone already while this process started: nothing is written yet, SIGTERM's default ends it.
  if (!process.connected || !process.channel) {
    gone();
    return;
  }
  process.channel.unref();
  process.once("disconnect", gone);
}

/**
 * V8 sizes the young generation when the process starts, so `load` and `serve` run in a child Node
 * with the flags (stdio shared, the child's exit code or signal passed on); undefined when this
 * process already is that child, the command is another, or the user chose a semi-space size.
 */
export function inSizedHeap(argv: readonly string[]): Promise<number> | undefined {
  const command = commandOf(argv);
  const mb = SEMI_SPACE_MB.get(command);
  if (mb === undefined) return undefined;
  if (process.execArgv.some((a) => a.includes("semi-space-size"))) return undefined;
  if (/semi-space-size/.test(process.env.NODE_OPTIONS ?? "")) return undefined;
  const flags = [`--max-semi-space-size=${mb}`, `--min-semi-space-size=${mb}`];
  // In a process group of its own, so that a Ctrl-C, which the terminal sends to its whole
  // foreground group, reaches the child once: from here, as does a signal sent to this process.
  // The IPC channel tells the child when this process is gone (killed hard): it then stops as on
  // SIGTERM, writing its report, instead of loading on unwatched (followParent).
  const child = spawn(process.execPath, [...flags, ...process.execArgv, process.argv[1], ...argv], {
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    detached: true,
    env: { ...process.env, [CHILD_MARK]: "1" },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  return new Promise((resolve) => {
    child.on("error", (err) => {
      process.stderr.write(`rerank-eval: could not start ${command}: ${err.message}\n`);
      resolve(1);
    });
    child.on("exit", (code, signal) => {
      for (const name of FORWARDED) process.off(name, forward);
      // A child ended by a signal: this process ends the same way (the shell then reports it so).
      if (signal) process.kill(process.pid, signal);
      else resolve(code ?? 1);
    });
  });
}
