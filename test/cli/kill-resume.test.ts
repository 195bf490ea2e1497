/**
 * The must-show: kill -9 at about half of a 400-query run against `rerank-eval serve` (a
 * child process with a small latency), then `run --resume`: the metrics equal an uninterrupted
 * run's, and the server, counted from its access log, answered no finished task twice: the only
 * tasks answered in both sessions are the ones in flight (or answered and not yet written) when the
 * process died, at most -j of them.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readResults } from "../../src/results/reader.js";
import { taskKey } from "../../src/results/record.js";
import {
  buildCli,
  runCli,
  type ServeProcess,
  spawnCli,
  startCli,
  startServeProcess,
} from "../helpers/cli.js";
import { syntheticRows, tempDir, writeCsv } from "../run/helpers.js";

const J = 4;
const ENV = { KILL_TEST_KEY: "kill-test-not-a-secret" };
let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
let serve: ServeProcess;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-kill-"));
  csv = await writeCsv(dir, syntheticRows(400, 5));
  await buildCli();
  serve = await startServeProcess(["--latency-ms", "15"]);
}, 60_000);
afterAll(async () => {
  await serve?.stop();
  await cleanup();
});

/** Answers the server sent (status 200), from its access log. */
const answered = () => (serve.output().stdout.match(/ POST \/rerank 200 /g) ?? []).length;

/** The log settles once the requests of a process that is gone have closed. */
async function settledAnswers(): Promise<number> {
  let last = -1;
  for (;;) {
    await sleep(100);
    const now = answered();
    if (now === last) return now;
    last = now;
  }
}

const run = (out: string) => [
  "run",
  "--dataset",
  csv,
  "--model",
  "bm25",
  "--endpoint",
  `${serve.url}/rerank`,
  "--api-key-env",
  "KILL_TEST_KEY",
  "-j",
  String(J),
  "--out",
  join(dir, out),
  "--quiet",
  // The server's count of answers is the measure: no answer may come from the response cache.
  "--no-cache",
];

const metricsOf = (report: { variants: { id: string; metrics: unknown; perQuery: unknown }[] }) =>
  report.variants.map((v) => [v.id, v.metrics, v.perQuery]);

describe("kill -9 mid-run, then --resume", () => {
  it("gives the metrics of an uninterrupted run, and the server answers no finished task twice", async () => {
    // The uninterrupted run in process (the same client code, one process start less).
    const whole = await runCli(run("whole"), ENV);
    expect(whole.code, whole.stderr).toBe(0);
    const afterWhole = await settledAnswers();
    expect(afterWhole).toBe(400);

    const killed = startCli(run("killed"), ENV, { timeoutMs: 60_000 });
    const results = join(dir, "killed", "results.jsonl");
    for (;;) {
      const text = await readFile(results, "utf8").catch(() => "");
      if (text.split("\n").length > 200) break;
      await sleep(5);
    }
    killed.child.kill("SIGKILL");
    const k = await killed.done;
    expect(k.code).toBe(-1);
    const answeredFirst = (await settledAnswers()) - afterWhole;
    const recordedFirst = (await readResults(results)).length;
    expect(recordedFirst).toBeGreaterThanOrEqual(200);
    expect(recordedFirst).toBeLessThan(400);

    const resumed = await spawnCli(["run", "--resume", join(dir, "killed"), "--quiet"], ENV, 60_000);
    expect(resumed.code, resumed.stderr).toBe(0);
    const answeredSecond = (await settledAnswers()) - afterWhole - answeredFirst;

    // Every task once in the record, and the same metrics (and per-query values) as the whole run.
    const records = await readResults(results);
    expect(new Set(records.map((r) => taskKey(r.variant, r.qid))).size).toBe(400);
    expect(records).toHaveLength(400);
    const a = JSON.parse(await readFile(join(dir, "whole", "report.json"), "utf8"));
    const b = JSON.parse(await readFile(join(dir, "killed", "report.json"), "utf8"));
    expect(b.incomplete).toBeNull();
    expect(metricsOf(b)).toEqual(metricsOf(a));

    // The resumed session asked only for what was not recorded; answered twice: at most -j tasks.
    expect(answeredSecond).toBe(400 - recordedFirst);
    const twice = answeredFirst + answeredSecond - 400;
    expect(twice).toBeGreaterThanOrEqual(0);
    expect(twice).toBeLessThanOrEqual(J);
    console.info(
      `kill -9 at ${recordedFirst}/400 recorded (${answeredFirst} answered by the server); resume sent ${answeredSecond}; ` +
        `answered twice: ${twice} (-j ${J}); nDCG@10 ${b.variants[0].metrics["nDCG@10"].mean} = ${a.variants[0].metrics["nDCG@10"].mean}`,
    );
  }, 90_000);
});
