/**
 * Every dialect through the real client over loopback HTTP: the exact request a provider would
 * receive (method, path, headers, body key set) and the normalised result of its documented answer.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors.js";
import { createReranker } from "../../../src/rerank/client.js";
import { getDialect } from "../../../src/rerank/dialects/index.js";
import type { Ranking } from "./cases.js";
import { CASES, DOCS, MODEL, QUERY } from "./cases.js";
import { useRecordingServer } from "./recording-server.js";

const KEY = "sk-test-0123456789abcdef";

describe.each(CASES)("$provider over HTTP", (c) => {
  const dialect = getDialect(c.provider);
  const fixture = useRecordingServer();

  /** A client as a user would configure it; self-hosted dialects get a key only when asked. */
  const client = (withKey = c.keyEnv !== undefined) =>
    createReranker({
      provider: c.provider,
      endpoint: `${fixture.server.url}${c.path}`,
      model: MODEL,
      apiKeyEnv: withKey ? (c.keyEnv ?? "SELF_HOSTED_KEY") : undefined,
      env: withKey ? { [c.keyEnv ?? "SELF_HOSTED_KEY"]: KEY } : {},
      options: c.options,
      retries: 0,
    });

  const answerWith = (ranking: Ranking) => {
    fixture.server.requests.length = 0;
    fixture.respond = () => ({ body: c.answer(ranking), headers: c.answerHeaders });
  };

  it("sends exactly the documented request and normalises the answer (top_n 2)", async () => {
    answerWith(c.cuts ? c.ranking.slice(0, 2) : c.ranking);
    const reranker = client();
    const result = await reranker.rerank(QUERY, DOCS, { topN: 2 });
    await reranker.close();

    expect(fixture.server.requests).toHaveLength(1);
    const [req] = fixture.server.requests;
    expect(req.method).toBe("POST");
    expect(req.url).toBe(c.path);
    expect(req.headers["content-type"]).toMatch(/^application\/json/);
    expect(req.body).toStrictEqual(c.body(dialect.defaults.supportsTopN ? 2 : undefined));
    if (c.keyEnv) expect(req.headers[c.auth.header]).toBe(c.auth.value(KEY));
    else expect(req.headers.authorization).toBeUndefined();
    if (c.auth.header !== "authorization") expect(req.headers.authorization).toBeUndefined();
    for (const [name, value] of Object.entries(c.headers ?? {})) expect(req.headers[name]).toBe(value);
    // Nothing else: no stray key header, no second auth scheme, no SDK-style extras.
    const transport = ["host", "connection", "content-length"];
    const expected = [
      "content-type",
      "accept",
      ...(c.keyEnv ? [c.auth.header] : []),
      ...Object.keys(c.headers ?? {}),
    ];
    expect(Object.keys(req.headers).sort()).toStrictEqual([...transport, ...expected].sort());
    expect(req.headers.accept).toBe("application/json");

    const best = c.ranking.slice(0, 2).map(([index, score]) => ({ index, score }));
    expect(result.items).toStrictEqual(best);
    // A loopback server is not the provider's own service, whose documented kind would not hold here.
    expect(result.scoreKind).toBe(dialect.defaults.endpoint ? "unknown" : dialect.defaults.scoreKind);
    expect(result.usage).toStrictEqual(c.usage);
    expect(result.providerId).toBe(c.providerId);
    expect(result.model).toBe(c.model);
    expect(result).toMatchObject({ attempts: 1, requests: 1 });
    expect(result.attemptLatenciesMs).toHaveLength(1);
  });

  it("omits top_n when unset and returns every document, sorted", async () => {
    answerWith(c.ranking);
    const reranker = client();
    const result = await reranker.rerank(QUERY, DOCS);
    await reranker.close();
    expect(fixture.server.requests[0].body).toStrictEqual(c.body());
    expect(result.items).toStrictEqual(c.ranking.map(([index, score]) => ({ index, score })));
  });

  it("sends a key to a self-hosted server only when the user names its variable", async () => {
    answerWith(c.ranking);
    const reranker = client(true);
    await reranker.rerank(QUERY, DOCS);
    await reranker.close();
    expect(fixture.server.requests[0].headers[c.auth.header]).toBe(c.auth.value(KEY));
  });

  it("reports the provider's own message for a 400 in its error shape, without retrying", async () => {
    fixture.server.requests.length = 0;
    const message = `model '${MODEL}' is not available for ${c.provider}`;
    fixture.respond = () => ({ status: 400, body: c.error(message) });
    const reranker = createReranker({
      provider: c.provider,
      endpoint: `${fixture.server.url}${c.path}`,
      model: MODEL,
      apiKeyEnv: c.keyEnv,
      env: c.keyEnv ? { [c.keyEnv]: KEY } : {},
      options: c.options,
      retries: 2,
      baseBackoffMs: 1,
    });
    const error = await reranker.rerank(QUERY, DOCS).catch((err: unknown) => err);
    await reranker.close();
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: "http", status: 400, attempts: 1 });
    expect((error as ApiError).providerMessage).toContain(message);
    expect((error as ApiError).message).toContain(message);
    expect(fixture.server.requests).toHaveLength(1);
  });

  it("never lets the key reach a result or an error, even when the server echoes it back", async () => {
    const reranker = client(true);
    answerWith(c.ranking);
    const result = await reranker.rerank(QUERY, DOCS, { topN: 3 });
    // An error body that repeats the request headers, as some gateways do.
    fixture.respond = (req) => ({
      status: 401,
      body: c.error(`bad credentials: ${JSON.stringify(req.headers)}`),
    });
    const denied = await reranker.rerank(QUERY, DOCS).catch((err: unknown) => err);
    // A 200 whose shape is wrong and which carries the headers in it.
    fixture.respond = (req) => ({
      body: { results: "nope", data: "nope", rankings: "nope", echo: req.headers },
    });
    const malformed = await reranker.rerank(QUERY, DOCS).catch((err: unknown) => err);
    await reranker.close();
    expect(denied).toBeInstanceOf(ApiError);
    expect(malformed).toMatchObject({ kind: "malformed" });
    expect(fixture.server.requests.every((r) => r.headers[c.auth.header] === c.auth.value(KEY))).toBe(true);
    for (const output of [result, denied, malformed]) {
      expect(JSON.stringify(output)).not.toContain(KEY);
      expect(inspect(output, { depth: 10 })).not.toContain(KEY);
      expect(String(output)).not.toContain(KEY);
    }
    expect((denied as ApiError).message).toContain("bad credentials");
  });
});
