/**
 * What doctor tells a user whose endpoint refuses the very first call: the URL it probed (route
 * included), whether a key went out and from which variable on a 401, and on a 400/404/422 which
 * dialect the endpoint does speak, found by sending each other dialect's request once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { runCli } from "../helpers/cli.js";
import {
  CANARY_KEY,
  json,
  type LocalServer,
  regoloAnswer,
  startLocalServer,
} from "../rerank/local-server.js";

describe("doctor's diagnosis", () => {
  let serve: RunningServer;
  let refusing: LocalServer;
  let tei: LocalServer;
  let good: LocalServer;
  let missing: LocalServer;
  beforeAll(async () => {
    serve = await startServer({ port: 0 });
    refusing = await startLocalServer((_req, res) => json(res, 401, { message: "invalid api token" }));
    // A TEI server: `texts` in, a bare array out; anything else is axum's plain-text 422.
    tei = await startLocalServer((req, res) => {
      const texts = req.body.texts as string[] | undefined;
      if (!Array.isArray(texts)) {
        res.writeHead(422, { "content-type": "text/plain" });
        res.end("Failed to deserialize the JSON body into the target type: missing field `texts`");
        return;
      }
      const scored = texts.map((t, index) => ({ index, score: t.includes("Washington") ? 0.9 : 0.1 }));
      json(
        res,
        200,
        scored.sort((a, b) => b.score - a.score || a.index - b.index),
      );
    });
    good = await startLocalServer((req, res) =>
      json(
        res,
        200,
        regoloAnswer(req, (doc) => (doc.includes("Washington") ? 0.9 : 0.1)),
      ),
    );
    missing = await startLocalServer((_req, res) => json(res, 404, { detail: "Not Found" }));
  });
  afterAll(async () => {
    await Promise.all([serve.close(), refusing.close(), tei.close(), good.close(), missing.close()]);
  });

  it("the header shows the full URL probed, route included, with any query elided", async () => {
    const run = await runCli(["doctor", "--endpoint", `${good.url}?tenant=a1b2`, "--model", "m"], {});
    expect(run.code).toBe(0);
    const origin = new URL(good.url).origin;
    expect(run.stdout.split("\n")[0]).toBe(`rerank-eval doctor: regolo ${origin}/rerank?… model m`);
  });

  it("a 401 says no key was sent because the conventional variable is not set", async () => {
    const run = await runCli(["doctor", "--endpoint", refusing.url, "--model", "m"], {
      REGOLO_API_KEY: undefined,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      "rerank-eval: API error: regolo 401 invalid api token (after 1 attempt); " +
        "no key was sent: REGOLO_API_KEY is not set (or name the variable holding it with --api-key-env)\n",
    );
  });

  it("a 401 says a key was sent, and from which variable, and that it was refused", async () => {
    const run = await runCli(["doctor", "--provider", "cohere", "--endpoint", refusing.url, "--model", "m"], {
      COHERE_API_KEY: CANARY_KEY,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/; a key was sent from COHERE_API_KEY and refused\n$/);
    expect(run.stderr).not.toContain(CANARY_KEY);
    expect(refusing.requests.at(-1)?.headers.authorization).toBe(`Bearer ${CANARY_KEY}`);
  });

  it("a 422 from serve's Cohere route to a Voyage request names the dialect it speaks", async () => {
    const run = await runCli(
      ["doctor", "--provider", "voyage", "--endpoint", `${serve.url}/v2/rerank`, "--model", "bm25"],
      { VOYAGE_API_KEY: undefined },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^rerank-eval: API error: voyage 422 unknown field: parameter 'return_documents'/,
    );
    expect(run.stderr).toMatch(
      /; this endpoint speaks cohere: --provider cohere \(also answered: [a-z0-9, -]+\)\n$/,
    );
  });

  it("a 422 from a TEI server to regolo's request names tei, found by one request per dialect", async () => {
    const run = await runCli(["doctor", "--endpoint", tei.url, "--model", "bge"], {
      REGOLO_API_KEY: undefined,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/; this endpoint speaks tei: --provider tei\n$/);
    // The first call, then one request per other dialect (generic needs field paths, so it is not tried).
    const bodies = tei.requests.map((r) => JSON.stringify(r.body));
    expect(new Set(bodies).size).toBeGreaterThan(5);
    expect(tei.requests.length).toBeLessThanOrEqual(14);
  });

  it("says so when no dialect's request is answered either", async () => {
    const run = await runCli(["doctor", "--endpoint", missing.url, "--model", "m"], {});
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^rerank-eval: API error: regolo 404 Not Found \(after 1 attempt\); no other dialect's request was answered either \(one each\): check the route and the model name\n$/,
    );
  });
});
