/**
 * The worker side of aside.ts: computes one Tukey permutation distribution (row-permutations.ts)
 * into shared memory and says so through the shared flag. It runs the same code as the inline path,
 * on the same seed, so its figures are the inline ones byte for byte.
 */
import { workerData } from "node:worker_threads";
import { wordStream } from "./rng.js";
import { rangeDistribution } from "./row-permutations.js";

interface RangeJob {
  x: Float64Array;
  n: number;
  k: number;
  samples: number;
  seed: number;
  stream: number;
  out: Float64Array;
  flag: Int32Array;
}

const job = workerData as RangeJob;
Atomics.store(job.flag, 0, 1);
Atomics.notify(job.flag, 0);
let state = 3;
try {
  job.out.set(rangeDistribution(job.x, job.n, job.k, job.samples, wordStream(job.seed, job.stream)));
  state = 2;
} finally {
  Atomics.store(job.flag, 0, state);
  Atomics.notify(job.flag, 0);
}
