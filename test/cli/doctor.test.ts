import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { runCli } from "../helpers/cli.js";
import {
  CANARY_KEY,
  json,
  type LocalServer,
  type RecordedRequest,
  startLocalServer,
} from "../rerank/local-server.js";

const KEY_ENV = { REGOLO_API_KEY: CANARY_KEY };

/** Share of the query's word bigrams found in the document: crude, but it gets the known answer right. */
function bigramScore(query: string, doc: string): number {
  const words = (s: string) => s.toLowerCase().match(/[a-z]+/g) ?? [];
  const pairs = (w: string[]) => w.slice(1).map((x, i) => `${w[i]} ${x}`);
  const q = pairs(words(query));
  const d = new Set(pairs(words(doc)));
  return q.filter((p) => d.has(p)).length / q.length;
}

type Behaviour = "good" | "ignoresTopN" | "unsorted" | "noisy" | "malformed" | "slowFirst";

/** A regolo-shaped endpoint whose misbehaviour is chosen by the model name. */
function answer(req: RecordedRequest, behaviour: Behaviour) {
  const docs = req.body.documents ?? [];
  let results = docs
    .map((text, index) => ({
      index,
      relevance_score:
        bigramScore(req.body.query ?? "", text) + (behaviour === "noisy" ? Math.random() * 1e-3 : 0),
      document: { text },
    }))
    .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  if (behaviour === "unsorted") results = results.reverse();
  if (behaviour === "malformed") results = results.map((r) => ({ ...r, index: r.index + 1 }));
  if (behaviour !== "ignoresTopN" && req.body.top_n) results = results.slice(0, req.body.top_n);
  return { id: "rerank-1", results, meta: null };
}

interface DoctorJson {
  passed: boolean;
  checks: { name: string; status: string; detail: string }[];
}

describe("rerank-eval doctor", () => {
  let serve: RunningServer;
  let local: LocalServer;
  beforeAll(async () => {
    serve = await startServer({ port: 0 });
    let slowSeen = false;
    local = await startLocalServer(async (req, res) => {
      // "slowFirst": a good endpoint whose first answer takes 200 ms longer than the rest.
      if (req.body.model === "slowFirst" && !slowSeen) {
        slowSeen = true;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      json(res, 200, answer(req, req.body.model as Behaviour));
    });
  });
  afterAll(async () => {
    await serve.close();
    await local.close();
  });

  async function doctor(endpoint: string, model: string, extra: string[] = []) {
    const run = await runCli(
      ["doctor", "--endpoint", endpoint, "--model", model, "--json", ...extra],
      KEY_ENV,
    );
    const out = run.stdout ? (JSON.parse(run.stdout) as DoctorJson) : undefined;
    const status = Object.fromEntries((out?.checks ?? []).map((c) => [c.name, c.status]));
    return { run, out, status };
  }

  it("passes every check on an endpoint that ranks the known answer right (exit 0)", async () => {
    const { run, out, status } = await doctor(local.url, "good");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(out?.passed).toBe(true);
    expect(status).toEqual({
      "known answer": "PASS",
      "answer contract": "PASS",
      "top_n honoured": "PASS",
      "score range": "PASS",
      "order invariance": "PASS",
      determinism: "PASS",
      latency: "PASS",
    });
    // known answer 1 + top_n 1 + shuffle 1 + repeat 1 + latency to 5 calls (3 more).
    expect(local.requests.filter((r) => r.body.model === "good")).toHaveLength(7);
  });

  it("passes against serve's bm25 (the README's example): every check, no WARN about the score range", async () => {
    const { run, status, out } = await doctor(`${serve.url}/rerank`, "bm25");
    expect(run.code).toBe(0);
    expect(status["known answer"]).toBe("PASS");
    expect(out?.checks.find((c) => c.name === "known answer")?.detail).toMatch(/^"Washington/);
    expect(Object.values(status).every((s) => s === "PASS")).toBe(true);
    // BM25 scores above 1 are fine: nothing claims they are probabilities.
    expect(out?.checks.find((c) => c.name === "score range")?.detail).toMatch(
      /^scores in \[[\d.]+, [\d.]+\]; kind unknown \(not documented for this endpoint\), so no range to check$/,
    );
    // The table a user reads, Cohere's route of serve included: no WARN line at all.
    for (const [route, provider] of [
      ["/rerank", "regolo"],
      ["/v2/rerank", "cohere"],
    ]) {
      const table = await runCli(
        ["doctor", "--provider", provider, "--endpoint", `${serve.url}${route}`, "--model", "bm25"],
        { ...KEY_ENV, COHERE_API_KEY: CANARY_KEY },
      );
      expect(table.code, route).toBe(0);
      expect(table.stdout, route).not.toMatch(/WARN/);
      expect(table.stdout, route).toMatch(/7 checks: 7 passed, 0 failed\n$/);
    }
  });

  it("fails the known answer and order invariance against serve's identity model, with a readable table", async () => {
    const run = await runCli(["doctor", "--endpoint", `${serve.url}/rerank`, "--model", "identity"], KEY_ENV);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^known answer\s+FAIL\s+"Carson City.*the right answer at rank 3 .*try --qwen3\)$/m,
    );
    expect(run.stdout).toMatch(/^order invariance\s+FAIL\s+/m);
    expect(run.stdout).toMatch(/^determinism\s+PASS/m);
    expect(run.stdout).toMatch(/7 checks: 5 passed, 2 failed/);
    // The summary is also the one line main.ts prints for the GateFailed doctor throws.
    expect(run.stderr).toBe("rerank-eval: 7 checks: 5 passed, 2 failed\n");
    expect(run.stdout).toContain(KNOWN_ANSWER.documents[0].slice(0, 20));
  });

  it("catches an ignored top_n, an unsorted answer, noisy scores and a malformed answer", async () => {
    const ignoresTopN = await doctor(local.url, "ignoresTopN");
    expect(ignoresTopN.status["top_n honoured"]).toBe("FAIL");
    // The client's over-top-n note, found by its code, is what the check reports.
    expect(ignoresTopN.out?.checks.find((c) => c.name === "top_n honoured")?.detail).toBe(
      "provider returned 4 items for top_n 2; cut client-side",
    );
    const unsorted = await doctor(local.url, "unsorted");
    expect(unsorted.status["answer contract"]).toBe("FAIL");
    expect(unsorted.out?.checks.find((c) => c.name === "answer contract")?.detail).toMatch(/not sorted/);
    const noisy = await doctor(local.url, "noisy");
    expect(noisy.status.determinism).toBe("FAIL");
    expect(noisy.status["known answer"]).toBe("PASS");
    const malformed = await doctor(local.url, "malformed");
    expect(malformed.run.code).toBe(1);
    expect(malformed.run.stderr).toBe("rerank-eval: 7 checks: 0 passed, 1 failed, 6 skipped\n");
    expect(malformed.status["answer contract"]).toBe("FAIL");
    expect(malformed.status["known answer"]).toBe("SKIP");
  });

  it("--latency-calls sets the calls timed, and a bad value is a one-line exit 2 before any call", async () => {
    const before = local.requests.length;
    const { run, out } = await doctor(local.url, "good", ["--latency-calls", "8"]);
    expect(run.code).toBe(0);
    expect(out?.checks.find((c) => c.name === "latency")?.detail).toMatch(/ over 8 calls of 4 documents /);
    const bad = await runCli(
      ["doctor", "--endpoint", local.url, "--model", "good", "--latency-calls", "0"],
      KEY_ENV,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("rerank-eval: error: --latency-calls must be an integer >= 1, got 0\n");
    // 1 + top_n + shuffle + repeat + 4 more timed calls, and nothing from the refused run.
    expect(local.requests.length - before).toBe(8 + 2);
  });

  it("takes p50 by the report's percentile rule: over two calls, halfway between them", async () => {
    const { run, out } = await doctor(local.url, "slowFirst", ["--latency-calls", "2"]);
    expect(run.code).toBe(0);
    const detail = out?.checks.find((c) => c.name === "latency")?.detail ?? "";
    const [, p50, max] =
      /^p50 ([\d.]+) ms over 2 calls of 4 documents \(max ([\d.]+) ms\)$/.exec(detail) ?? [];
    // Interpolated: (slow + fast) / 2, so at least half the slow call; the lower sample would be far less.
    expect(Number(max)).toBeGreaterThanOrEqual(200);
    expect(Number(p50)).toBeGreaterThanOrEqual(Number(max) / 2 - 0.1);
    expect(Number(p50)).toBeLessThan(Number(max));
  });

  it("exits 3 when the endpoint cannot be reached at all", async () => {
    const gone = await startLocalServer(() => {});
    const url = gone.url;
    await gone.close();
    const run = await runCli(["doctor", "--endpoint", url, "--model", "m", "--retries", "1"], KEY_ENV);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^rerank-eval: API error: regolo http:\/\/127\.0\.0\.1:\d+: connection refused/,
    );
  });
});
