/**
 * Tukey's permutation distribution computed on a second core while the caller goes on with other
 * statistics (a report's bootstrap and sign flips), then joined synchronously. The figures do not
 * depend on where they were computed: the worker runs row-permutations.ts on the same seed, and the
 * join falls back to computing inline whenever the worker cannot help (one core, small work, a
 * worker that fails to start). Still a pure function of its inputs: no I/O, only a thread.
 *
 * Synchronous on purpose: the statistics are part of building a report, which callers (report DIR,
 * the library's buildReport) call synchronously. The caller blocks on a shared flag
 * (Atomics.wait, allowed on Node's main thread) only once it has nothing else to do.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { wordStream } from "./rng.js";
import { rangeDistribution } from "./row-permutations.js";

/** Below this many row-steps (n · k · samples) a thread costs more to start than it saves. */
const WORTH_A_THREAD = 20_000_000;
/** A worker that has not started in this long is given up, and the work done inline. */
const START_WAIT_MS = 5_000;

export type Parallel = "auto" | "always" | "never";

export interface Pending<T> {
  /** Blocks until the value is ready (or computes it now); call once. */
  join(): T;
}

/** Where the last joined distribution was computed (for tests and benches; not part of the figures). */
export const lastJoin = { aside: false };

/**
 * Starts rangeDistribution(x, n, k, samples, wordStream(seed, stream)) aside, when that pays;
 * `parallel` "always" starts a thread whatever the size (tests), "never" computes at join.
 */
export function rangeDistributionAside(
  x: Float64Array,
  n: number,
  k: number,
  samples: number,
  seed: number,
  stream: number,
  parallel: Parallel = "auto",
): Pending<Float64Array> {
  const inline = () => rangeDistribution(x, n, k, samples, wordStream(seed, stream));
  const worth =
    parallel === "always" ||
    (parallel === "auto" && n * k * samples >= WORTH_A_THREAD && availableParallelism() >= 2);
  const here = () => {
    lastJoin.aside = false;
    return inline();
  };
  if (!worth) return { join: here };
  const started = startWorker(x, n, k, samples, seed, stream);
  if (!started) return { join: here };
  const { worker, out, flag } = started;
  return {
    join() {
      try {
        if (Atomics.wait(flag, 0, 0, START_WAIT_MS) === "timed-out") return here();
        while (Atomics.load(flag, 0) === 1) Atomics.wait(flag, 0, 1);
        if (Atomics.load(flag, 0) !== 2) return here();
        lastJoin.aside = true;
        return out;
      } finally {
        void worker.terminate();
      }
    },
  };
}

function startWorker(x: Float64Array, n: number, k: number, samples: number, seed: number, stream: number) {
  const shared = new Float64Array(new SharedArrayBuffer(x.length * 8));
  shared.set(x);
  const out = new Float64Array(new SharedArrayBuffer(samples * 8));
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const workerData = { x: shared, n, k, samples, seed, stream, out, flag };
  try {
    const worker = import.meta.url.endsWith(".ts")
      ? sourceWorker(workerData)
      : new Worker(new URL("./range-worker.js", import.meta.url), { workerData });
    worker.unref();
    // A failure is read from the flag (it stays 0 or becomes 3); the event must not throw.
    worker.on("error", () => {});
    return { worker, out, flag };
  } catch {
    return undefined;
  }
}

/**
 * From the sources (tests, under vitest or tsx) the worker is TypeScript: it is loaded through tsx's
 * API (a development dependency, present whenever the sources run; a worker's --import does not
 * take loader hooks on Node 20). The built package never comes here.
 */
function sourceWorker(workerData: object): Worker {
  const api = createRequire(import.meta.url)
    .resolve("tsx/esm/api")
    .replace(/\.cjs$/, ".mjs");
  const file = new URL("./range-worker.ts", import.meta.url).href;
  const code = `import(${JSON.stringify(pathToFileURL(api).href)}).then((tsx) => tsx.tsImport(${JSON.stringify(file)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(code, { eval: true, workerData });
}
