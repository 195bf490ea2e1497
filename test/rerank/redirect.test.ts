/**
 * A 3xx is not followed (it could carry the key to another host), so the error must say where the
 * endpoint points: the Location, resolved against the endpoint, without its query (which may hold a
 * token). Checked through the client and through doctor, which reports the same error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors.js";
import { createReranker } from "../../src/rerank/client.js";
import { runCli } from "../helpers/cli.js";
import { CANARY_KEY, type LocalServer, regoloConfig, startLocalServer } from "./local-server.js";

describe("3xx answers", () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer((req, res) => {
      if (req.url === "/bare") res.writeHead(302);
      else if (req.url === "/moved")
        res.writeHead(301, { location: "https://rerank.example.com/v1/rerank?token=abc123" });
      else res.writeHead(308, { location: "v2/rerank" });
      res.end();
    });
  });
  afterAll(() => server.close());

  const origin = () => new URL(server.url).origin;

  async function failure(path: string): Promise<ApiError> {
    const reranker = createReranker(regoloConfig(`${origin()}${path}`));
    try {
      const err = await reranker.rerank("q", ["a", "b"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      return err as ApiError;
    } finally {
      await reranker.close();
    }
  }

  it("names the Location, not an opaque status, and is not retried or followed", async () => {
    const before = server.requests.length;
    const err = await failure("/moved");
    expect(err.message).toBe(
      "regolo 301 redirects to https://rerank.example.com/v1/rerank?…; redirects are not followed " +
        "(they could take the key elsewhere): give that URL as the endpoint (after 1 attempt)",
    );
    expect(err).toMatchObject({ kind: "http", status: 301, retryable: false, attempts: 1 });
    expect(err.message).not.toContain("abc123");
    expect(server.requests.length - before).toBe(1);
  });

  it("resolves a relative Location against the endpoint, and says when there is none", async () => {
    expect((await failure("/api/relative")).message).toMatch(
      new RegExp(`^regolo 308 redirects to ${origin()}/api/v2/rerank; `),
    );
    expect((await failure("/bare")).message).toBe(
      "regolo 302 redirect without a Location header (after 1 attempt)",
    );
  });

  it("doctor reports the Location too (exit 3)", async () => {
    const run = await runCli(["doctor", "--endpoint", `${origin()}/moved`, "--model", "m"], {
      REGOLO_API_KEY: CANARY_KEY,
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^rerank-eval: API error: regolo 301 redirects to https:\/\/rerank\.example\.com\/v1\/rerank\?…; /,
    );
  });
});
