/**
 * Resume and stop, in process over real loopback servers and real folders: a stopped run leaves a
 * report marked incomplete and a folder that `resumeEvaluation` finishes, sending only the missing
 * tasks, to the metrics of an uninterrupted run; a changed dataset or plan is refused naming what
 * changed; a plain re-run does not clear an unfinished run; a cut-off last line is cut and re-run.
 */
import { existsSync } from "node:fs";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError, Interrupted } from "../../src/errors.js";
import { readResults } from "../../src/results/reader.js";
import { resolveRunOptions } from "../../src/run/config.js";
import { resumeEvaluation, runEvaluation } from "../../src/run/index.js";
import { RunStop } from "../../src/run/interrupt.js";
import { type FixedScoreServer, startFixedScoreServer, syntheticRows, tempDir, writeCsv } from "./helpers.js";

const byDocNumber = (_q: string, d: string) => Number(/document (\d+)/.exec(d)?.[1] ?? 0) / 10;

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
let server: FixedScoreServer;
let reference: Awaited<ReturnType<typeof runEvaluation>>["report"];
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-resume-"));
  csv = await writeCsv(dir, syntheticRows(24, 4));
  server = await startFixedScoreServer({ score: byDocNumber, delayMs: 25 });
  reference = (await runEvaluation(options("reference", 8), { quiet: true })).report;
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

function options(out: string, concurrency = 2, dataset = csv) {
  return resolveRunOptions(undefined, {
    dataset,
    model: ["m1"],
    topN: [2, 4],
    concurrency,
    provider: "vllm",
    endpoint: server.endpoint,
    out: join(dir, out),
    // The server's request count is what these tests measure: no answer from the response cache.
    cache: false,
  });
}

/**
 * A run stopped (as by Ctrl-C) once `after` records are on disk. (A stop asked before the set is
 * loaded writes no folder at all: there is no unfinished run to make that way.)
 */
async function stoppedRun(out: string, after = 10, dataset = csv) {
  const stop = new RunStop(5_000);
  const running = runEvaluation(options(out, 2, dataset), { quiet: true, stop });
  const results = join(dir, out, "results.jsonl");
  for (;;) {
    const text = await readFile(results, "utf8").catch(() => "");
    if (text.split("\n").filter(Boolean).length >= after) break;
    await sleep(5);
  }
  stop.request("SIGINT");
  return running;
}

const metricsOf = (report: typeof reference) => report.variants.map((v) => [v.id, v.metrics, v.perQuery]);

describe("a stopped run and its resume", () => {
  it("a stop lets the calls in flight finish, writes an incomplete report; resume sends only the rest, to the same metrics", async () => {
    const sentBefore = server.requests;
    const stopped = await stoppedRun("stopped");
    expect(stopped.interrupted).toBe("SIGINT");
    expect(stopped.report.incomplete).not.toBeNull();
    // The calls in flight finished: no task failed or was cut short, they are done or missing.
    expect(stopped.report.failures.count).toBe(0);
    const sentFirst = server.requests - sentBefore;
    expect(stopped.done).toBe(sentFirst);
    expect(stopped.done).toBeLessThan(48);
    expect(stopped.report.incomplete?.missing.length).toBe(48 - sentFirst);
    expect(stopped.report.warnings).toContain(
      `the run was stopped by SIGINT before ${48 - sentFirst} tasks ran`,
    );

    const resumed = await resumeEvaluation(join(dir, "stopped"), { concurrency: 6 }, { quiet: true });
    expect(resumed.interrupted).toBeUndefined();
    expect(resumed.report.incomplete).toBeNull();
    expect(resumed.done).toBe(48);
    // No task sent twice: the two sessions together sent each of the 48 tasks once.
    expect(server.requests - sentBefore).toBe(48);
    expect(metricsOf(resumed.report)).toEqual(metricsOf(reference));
    // The new -j applies to the resumed session's tasks; the clock continues across sessions.
    const records = await readResults(join(dir, "stopped", "results.jsonl"));
    expect(records).toHaveLength(48);
    const firstSession = records.slice(0, sentFirst);
    const secondSession = records.slice(sentFirst);
    expect(new Set(firstSession.map((r) => r.concurrency))).toEqual(new Set([2]));
    expect(new Set(secondSession.map((r) => r.concurrency))).toEqual(new Set([6]));
    const lastFirst = Math.max(...firstSession.map((r) => r.endMs));
    expect(Math.min(...secondSession.map((r) => r.startMs))).toBeGreaterThanOrEqual(lastFirst);
    expect(resumed.report.concurrency).toMatchObject({ max: 6, min: 2 });
  });

  it("a second request aborts the calls in flight: their tasks are missing, not failed", async () => {
    const slow = await startFixedScoreServer({ score: byDocNumber, delayMs: 3_000 });
    try {
      const stop = new RunStop(60_000);
      const started = performance.now();
      const running = runEvaluation(
        resolveRunOptions(undefined, {
          dataset: csv,
          model: ["m1"],
          concurrency: 4,
          provider: "vllm",
          endpoint: slow.endpoint,
          out: join(dir, "aborted"),
        }),
        { quiet: true, stop },
      );
      while (slow.requests < 4) await sleep(5);
      expect(stop.request("SIGTERM")).toBe("stop");
      expect(stop.request("SIGTERM")).toBe("abort");
      const outcome = await running;
      expect(performance.now() - started).toBeLessThan(2_500);
      expect(outcome.interrupted).toBe("SIGTERM");
      expect(outcome.report.failures.count).toBe(0);
      expect(outcome.done).toBe(0);
      expect(outcome.report.incomplete?.missing).toHaveLength(24);
      expect(slow.requests).toBe(4);
    } finally {
      await slow.close();
    }
  });

  it("the grace period ends in an abort of its own", async () => {
    const slow = await startFixedScoreServer({ score: byDocNumber, delayMs: 3_000 });
    try {
      const stop = new RunStop(150);
      const running = runEvaluation(
        resolveRunOptions(undefined, {
          dataset: csv,
          model: ["m1"],
          concurrency: 2,
          provider: "vllm",
          endpoint: slow.endpoint,
          out: join(dir, "grace"),
        }),
        { quiet: true, stop },
      );
      while (slow.requests < 2) await sleep(5);
      const stopped = performance.now();
      stop.request("SIGINT");
      const outcome = await running;
      expect(performance.now() - stopped).toBeLessThan(2_000);
      expect(stop.abortSignal.aborted).toBe(true);
      expect(outcome.done).toBe(0);
    } finally {
      await slow.close();
    }
  });
});

describe("what resume refuses, and what a plain re-run keeps", () => {
  it("a plain re-run into an unfinished run's folder is refused with the counts and both ways out; --overwrite clears it", async () => {
    await stoppedRun("kept", 6);
    const err = await runEvaluation(options("kept"), { quiet: true }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      /kept: field 'out': holds an unfinished run \(\d+ of 48 tasks done\): continue it with `rerank-eval run --resume .*kept`, or start over with --overwrite$/,
    );
    const before = (await readFile(join(dir, "kept", "results.jsonl"), "utf8")).split("\n").length;
    expect(before).toBeGreaterThan(6);
    const fresh = await runEvaluation(options("kept"), { quiet: true, overwrite: true });
    expect(fresh.report.incomplete).toBeNull();
    expect(await readResults(join(dir, "kept", "results.jsonl"))).toHaveLength(48);
  });

  it("a stop asked while the set loads ends the run there and writes nothing", async () => {
    const stop = new RunStop();
    stop.request("SIGTERM");
    const err = await runEvaluation(options("never"), { quiet: true, stop }).catch((e) => e);
    expect(err).toBeInstanceOf(Interrupted);
    expect(err.signal).toBe("SIGTERM");
    expect(err.message).toBe(`stopped while reading ${csv}: nothing was written`);
    expect(existsSync(join(dir, "never"))).toBe(false);
  });

  it("a dataset that changed since the run started is refused naming the fingerprints", async () => {
    const own = await writeCsv(dir, syntheticRows(24, 4), "changing.csv");
    await stoppedRun("changed", 1, own);
    await appendFile(own, 'q1,"query number 1",q1-extra,"an extra document",0\n');
    const err = await resumeEvaluation(join(dir, "changed"), {}, { quiet: true }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      /changed: cannot resume: the dataset changed since the run started \(fingerprint sha256:[0-9a-f]{12}… is now sha256:[0-9a-f]{12}…\); start a new run/,
    );
  });

  it("a plan that differs from the recorded one (variants, candidates) is refused naming what changed", async () => {
    await stoppedRun("replanned", 1);
    const path = join(dir, "replanned", "manifest.json");
    const original = await readFile(path, "utf8");
    const manifest = JSON.parse(original);
    manifest.config.topN = [2, 3];
    await writeFile(path, JSON.stringify(manifest));
    await expect(resumeEvaluation(join(dir, "replanned"), {}, { quiet: true })).rejects.toThrow(
      "cannot resume: the variants changed: the run has m1.top2, m1.top4, now m1.top2, m1.top3",
    );
    const other = JSON.parse(original);
    other.queries[2].candidates.reverse();
    await writeFile(path, JSON.stringify(other));
    await expect(resumeEvaluation(join(dir, "replanned"), {}, { quiet: true })).rejects.toThrow(
      "cannot resume: the candidates of query q3 changed",
    );
  });

  it("a cut-off last line (a kill mid-write) is cut, its task runs again, and the report says so", async () => {
    await stoppedRun("cut", 8);
    const results = join(dir, "cut", "results.jsonl");
    await appendFile(results, '{"variant":"m1.top2","qid":"q2');
    const resumed = await resumeEvaluation(join(dir, "cut"), {}, { quiet: true });
    expect(resumed.report.incomplete).toBeNull();
    expect(resumed.report.warnings.join("\n")).toContain("the last line of results.jsonl was cut off");
    expect(await readResults(results)).toHaveLength(48);
    expect(metricsOf(resumed.report)).toEqual(metricsOf(reference));
  });

  it("a finished run has nothing to resume", async () => {
    await expect(resumeEvaluation(join(dir, "reference"), {}, { quiet: true })).rejects.toThrow(
      /nothing to resume: all 48 tasks are done and the report is written/,
    );
  });
});
