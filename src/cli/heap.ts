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
import { setFlagsFromString } from "node:v8";

const HEAP_GROWING_PERCENT = 15;
const THROUGHPUT_COMMANDS = new Set(["serve", "load"]);

export function boundHeapGrowth(argv: readonly string[]): void {
  // The command is the first word that is not a flag (a global flag may come before it).
  if (THROUGHPUT_COMMANDS.has(argv.find((a) => !a.startsWith("-")) ?? "")) return;
  // Node refuses this flag in NODE_OPTIONS: only `node --heap-growing-percent=N` can give it.
  if (process.execArgv.some((a) => a.includes("heap-growing-percent"))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
