/**
 * executePlan when something other than the API fails mid-run (here a full disk: /dev/full makes
 * every write fail with ENOSPC): the run stops with that error, once the requests in flight are
 * done, instead of waiting forever on queued tasks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEvalSet } from "../../src/datasets/index.js";
import { InputError } from "../../src/errors.js";
import { createReranker } from "../../src/rerank/client.js";
import { executePlan } from "../../src/run/execute.js";
import { planRun } from "../../src/run/plan.js";
import { ResultsWriter } from "../../src/run/results.js";
import { startServer } from "../../src/server/index.js";

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0 });
});
afterAll(() => server.close());

describe("executePlan", () => {
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
      const outcome = executePlan({ plan, rerankers: new Map([["bm25", reranker]]), concurrency: 2, writer });
      const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("hung")), 5000));
      const err = (await Promise.race([outcome, timeout]).catch((e) => e)) as Error;
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toMatch(/^\/dev\/full: field 'out': cannot write the results \(ENOSPC\)/);
    } finally {
      writer.close();
      await reranker.close();
    }
  });
});
