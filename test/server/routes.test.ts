import { Agent, request } from "node:http";
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { makeDocument, post, rawPost } from "./helpers.js";

let server: RunningServer;
const logs: string[] = [];
const CANARY = "sk-CANARY-5e7a1d9c";

beforeAll(async () => {
  server = await startServer({ maxBodyBytes: 64 * 1024, maxDocuments: 50, log: (l) => logs.push(l) });
});
afterAll(() => server.close());

const ka = { model: "bm25", query: KNOWN_ANSWER.query, documents: KNOWN_ANSWER.documents };

describe("answer shapes", () => {
  it("listens on loopback with an ephemeral port", () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  for (const path of ["/rerank", "/v1/rerank"]) {
    it(`${path} answers regolo's current shape, sorted desc, cut to top_n, text echoed`, async () => {
      const { status, body } = await post(`${server.url}${path}`, { ...ka, top_n: 3 });
      expect(status).toBe(200);
      expect(Object.keys(body).sort()).toEqual(["id", "meta", "results"]);
      expect(body.id).toMatch(/^rerank-[0-9a-f]{16}$/);
      expect(body.meta).toBeNull();
      expect(body.results).toHaveLength(3);
      for (const r of body.results) {
        expect(Object.keys(r).sort()).toEqual(["document", "index", "relevance_score"]);
        expect(r.document).toEqual({ text: KNOWN_ANSWER.documents[r.index] });
      }
      const scores = body.results.map((r: { relevance_score: number }) => r.relevance_score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(body.results.map((r: { index: number }) => r.index)).toEqual([2, 3, 0]);
    });
  }

  it("/v2/rerank answers Cohere v2's shape without documents, with billed units", async () => {
    const { status, body } = await post(`${server.url}/v2/rerank`, { ...ka, model: "identity", top_n: 2 });
    expect(status).toBe(200);
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.results).toEqual([
      { index: 0, relevance_score: 1 },
      { index: 1, relevance_score: 0.75 },
    ]);
    expect(body.meta).toEqual({ api_version: { version: "2" }, billed_units: { search_units: 1 } });
  });

  it("returns every document when top_n is absent or larger than the list", async () => {
    expect((await post(`${server.url}/rerank`, ka)).body.results).toHaveLength(4);
    expect((await post(`${server.url}/rerank`, { ...ka, top_n: 99 })).body.results).toHaveLength(4);
  });

  it("accepts {text} documents on regolo routes", async () => {
    const docs = KNOWN_ANSWER.documents.map((text) => ({ text }));
    const { status, body } = await post(`${server.url}/rerank`, { ...ka, documents: docs, top_n: 1 });
    expect(status).toBe(200);
    expect(body.results[0].index).toBe(2);
  });

  it("GET /health and /v1/models", async () => {
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(["bm25", "tfidf", "identity", "random"]);
  });
});

describe("validation", () => {
  const bad: [string, unknown, string][] = [
    ["invalid JSON", "{not json", "invalid_json"],
    ["a JSON array", "[1,2]", "invalid_body"],
    ["null", "null", "invalid_body"],
    ["no model", { query: "q", documents: ["a"] }, "missing_model"],
    ["no query", { model: "bm25", documents: ["a"] }, "missing_query"],
    ["a blank query", { model: "bm25", query: "  ", documents: ["a"] }, "empty_query"],
    ["no documents", { model: "bm25", query: "q" }, "missing_documents"],
    ["documents not an array", { model: "bm25", query: "q", documents: "a" }, "invalid_documents"],
    ["an empty documents list", { model: "bm25", query: "q", documents: [] }, "empty_documents"],
    ["a number as document", { model: "bm25", query: "q", documents: ["a", 3] }, "invalid_document"],
    ["top_n 0", { model: "bm25", query: "q", documents: ["a"], top_n: 0 }, "invalid_top_n"],
    ["top_n 1.5", { model: "bm25", query: "q", documents: ["a"], top_n: 1.5 }, "invalid_top_n"],
    ["top_n as a string", { model: "bm25", query: "q", documents: ["a"], top_n: "2" }, "invalid_top_n"],
    [
      "too many documents",
      { model: "bm25", query: "q", documents: new Array(51).fill("a") },
      "too_many_documents",
    ],
  ];
  for (const [what, body, code] of bad) {
    it(`400 for ${what}, as an OpenAI-style error on regolo routes and {message} on /v2`, async () => {
      const regolo = await post(`${server.url}/v1/rerank`, body);
      expect(regolo.status).toBe(400);
      expect(regolo.body.error.code).toBe(code);
      expect(regolo.body.error.type).toBe("invalid_request_error");
      expect(typeof regolo.body.error.message).toBe("string");
      const cohere = await post(`${server.url}/v2/rerank`, body);
      expect(cohere.status).toBe(400);
      // Same words, except where the dialects accept different document types.
      if (code === "invalid_document")
        expect(cohere.body.message).toBe("document at index 1 must be a string");
      else expect(cohere.body.message).toBe(regolo.body.error.message);
    });
  }

  it("names the offending document and, on /v2 only, refuses empty documents", async () => {
    const r = await post(`${server.url}/rerank`, {
      model: "bm25",
      query: "q",
      documents: ["a", { txt: "b" }],
    });
    expect(r.body.error).toMatchObject({
      param: "documents[1]",
      message: expect.stringContaining("index 1"),
    });
    const emptyDoc = { model: "bm25", query: "q", documents: ["a", " "] };
    expect((await post(`${server.url}/rerank`, emptyDoc)).status).toBe(200);
    const v2 = await post(`${server.url}/v2/rerank`, emptyDoc);
    expect(v2.status).toBe(400);
    expect(v2.body.message).toBe("document at index 1 cannot be empty");
    expect((await post(`${server.url}/v2/rerank`, { ...ka, documents: [{ text: "a" }] })).status).toBe(400);
  });

  it("404 for an unknown model, listing the available ones", async () => {
    const r = await post(`${server.url}/rerank`, { ...ka, model: "Qwen3-Reranker-4B" });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe(
      "model 'Qwen3-Reranker-4B' not found; available: bm25, tfidf, identity, random",
    );
    expect((await post(`${server.url}/v2/rerank`, { ...ka, model: "x" })).status).toBe(404);
  });

  it("422 for a field Cohere v2 does not know, while regolo routes ignore it", async () => {
    const r = await post(`${server.url}/v2/rerank`, { ...ka, top_k: 2 });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe("unknown field: parameter 'top_k' is not a valid field");
    expect((await post(`${server.url}/rerank`, { ...ka, top_k: 2 })).status).toBe(200);
  });

  it("413 over the size limit, from Content-Length and while streaming a chunked body", async () => {
    const big = JSON.stringify({
      ...ka,
      documents: Array.from({ length: 40 }, (_, i) => makeDocument(i, 3000)),
    });
    const byLength = await rawPost(`${server.url}/rerank`, big);
    expect(byLength.status).toBe(413);
    expect(JSON.parse(byLength.text ?? "").error.code).toBe("payload_too_large");
    const chunked = await rawPost(`${server.url}/v2/rerank`, big, { "transfer-encoding": "chunked" });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.text ?? "").message).toMatch(/exceeds the limit of 65536 bytes/);
    // The server is still healthy afterwards.
    expect((await post(`${server.url}/rerank`, ka)).status).toBe(200);
  });

  it("405 for a wrong method (with Allow) and 404 for an unknown route", async () => {
    const get = await fetch(`${server.url}/v1/rerank`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect((await post(`${server.url}/health`, {})).status).toBe(405);
    const missing = await post(`${server.url}/v3/rerank`, ka);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("route_not_found");
  });

  it("answers any JSON body with a JSON 200, 4xx or 404, never a 5xx", async () => {
    const field = fc.oneof(fc.jsonValue(), fc.constantFrom("bm25", "tfidf", "random", "q", ["a", "b"], 2));
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record(
        { model: field, query: field, documents: fc.oneof(field, fc.array(field)), top_n: field },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom("/rerank", "/v2/rerank"), async (b, path) => {
        const res = await post(`${server.url}${path}`, b);
        expect(res.status === 200 || (res.status >= 400 && res.status < 500)).toBe(true);
        if (res.status === 200) expect(Array.isArray(res.body.results)).toBe(true);
        else expect(typeof (path === "/rerank" ? res.body.error.message : res.body.message)).toBe("string");
      }),
      { numRuns: 150 },
    );
  });

  it("survives garbage on the wire", async () => {
    await new Promise<void>((resolve) => {
      const sock = connect(server.port, "127.0.0.1", () => sock.end("NOT HTTP AT ALL\r\n\r\n"));
      sock.on("data", () => {});
      sock.on("close", () => resolve());
      sock.on("error", () => resolve());
    });
    expect((await post(`${server.url}/rerank`, ka)).status).toBe(200);
  });
});

describe("serving", () => {
  it("answers 200 concurrent requests, each correctly", async () => {
    const docs = Array.from({ length: 50 }, (_, i) => makeDocument(i));
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post(`${server.url}/rerank`, {
          model: "identity",
          query: `q${i}`,
          documents: docs,
          top_n: 1 + (i % 5),
        }),
      ),
    );
    answers.forEach((a, i) => {
      expect(a.status).toBe(200);
      expect(a.body.results.map((r: { index: number }) => r.index)).toEqual(
        [0, 1, 2, 3, 4].slice(0, 1 + (i % 5)),
      );
    });
  });

  it("keeps connections alive between requests", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const once = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = request(`${server.url}/rerank`, { method: "POST", agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(req.reusedSocket));
        });
        req.on("error", reject);
        req.end(JSON.stringify(ka));
      });
    expect(await once()).toBe(false);
    expect(await once()).toBe(true);
    expect(await once()).toBe(true);
    agent.destroy();
  });

  it("logs method, path, status and time, never a header", async () => {
    await post(`${server.url}/rerank`, ka, { authorization: `Bearer ${CANARY}` });
    await post(`${server.url}/rerank`, { ...ka, model: "nope" }, { authorization: `Bearer ${CANARY}` });
    expect(logs.some((l) => / POST \/rerank 200 \d+\.\dms$/.test(l))).toBe(true);
    expect(logs.some((l) => / POST \/rerank 404 /.test(l))).toBe(true);
    expect(logs.join("\n")).not.toContain("CANARY");
    expect(logs.join("\n").toLowerCase()).not.toContain("bearer");
  });
});
