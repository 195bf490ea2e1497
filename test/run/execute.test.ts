/**
 * The execute stage: tasks in, records out. When something other than the API fails mid-run (here
 * a full disk: /dev/full makes every write fail with ENOSPC) the run stops with that error, once
 * the requests in flight are done, instead of waiting forever on queued tasks; tasks already done
 * (resume, shards) are not sent again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEvalSet } from "../../src/datasets/index.js";
import { InputError } from "../../src/errors.js";
import { createReranker } from "../../src/rerank/client.js";
import { taskKey } from "../../src/results/record.js";
import { ResultsWriter } from "../../src/results/writer.js";
import { executeTasks } from "../../src/run/execute.js";
import { planRun, tasksOf } from "../../src/run/plan.js";
import { startServer } from "../../src/server/index.js";
import { startFixedScoreServer } from "./helpers.js";

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0 });
});
afterAll(() => server.close());

describe("executeTasks", () => {
  it("a results.jsonl that cannot be written stops the run with one error naming the file", async () => {
    const evalSet = await loadEvalSet("datasets/capitals.csv");
    const model = { name: "bm25", model: "bm25", provider: "regolo" };
    const plan = planRun({ evalSet, models: [model], topN: [], seed: 0 });
    const reranker = createReranker({
      provider: "regolo",
      model: "bm25",
      endpoint: `${server.url}/rerank`,
      apiKeyEnv: "EXECUTE_TEST_KEY",
      env: { EXECUTE_TEST_KEY: "not-a-secret" },
    });
    const writer = new ResultsWriter("/dev/full");
    try {
      const outcome = executeTasks({
        tasks: tasksOf(plan),
        rerankers: new Map([["bm25", reranker]]),
        concurrency: 2,
        sink: (r) => writer.append(r),
      });
      const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("hung")), 5000));
      const err = (await Promise.race([outcome, timeout]).catch((e) => e)) as Error;
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toMatch(/^\/dev\/full: field 'out': cannot write the results \(ENOSPC\)/);
    } finally {
      writer.close();
      await reranker.close();
    }
  });

  it("skips the tasks whose keys are done and records every other one, in the results' own key terms", async () => {
    const evalSet = await loadEvalSet("datasets/capitals.csv");
    const model = { name: "bm25", model: "bm25", provider: "regolo" };
    const plan = planRun({ evalSet, models: [model], topN: [3], seed: 0 });
    const all = [...tasksOf(plan)];
    const done = new Set(all.filter((_, i) => i % 3 === 0).map((t) => t.key));
    const fixed = await startFixedScoreServer({ score: (_q, d) => d.length });
    const reranker = createReranker({
      provider: "regolo",
      model: "bm25",
      endpoint: fixed.endpoint,
      apiKeyEnv: "EXECUTE_TEST_KEY",
      env: { EXECUTE_TEST_KEY: "not-a-secret" },
    });
    const sunk: string[] = [];
    try {
      const { records } = await executeTasks({
        tasks: all,
        done,
        rerankers: new Map([["bm25", reranker]]),
        concurrency: 4,
        sink: (r) => sunk.push(taskKey(r.variant, r.qid)),
      });
      const expected = all.filter((t) => !done.has(t.key)).map((t) => t.key);
      expect(records.map((r) => taskKey(r.variant, r.qid)).sort()).toEqual([...expected].sort());
      expect(sunk.sort()).toEqual([...expected].sort());
      expect(fixed.requests).toBe(expected.length);
      expect(records.every((r) => r.ranking.docIds.length === 3 && r.error === undefined)).toBe(true);
    } finally {
      await reranker.close();
      await fixed.close();
    }
  });
});
