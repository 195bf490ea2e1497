/**
 * Every dialect, unit level: the exact body for a request with and without top_n, and the parse of
 * the provider's documented answer into indices of the documents as sent.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors.js";
import { dialects, getDialect } from "../../../src/rerank/dialects/index.js";
import type { DialectRequest } from "../../../src/rerank/types.js";
import { CASES, DOCS, MODEL, QUERY } from "./cases.js";

const request = (options: Record<string, unknown> = {}, topN?: number): DialectRequest => ({
  model: MODEL,
  query: QUERY,
  documents: [...DOCS],
  topN,
  options,
});

describe("dialect registry", () => {
  it("names exactly the providers of issue 3, each under its own name", () => {
    expect(Object.keys(dialects).sort()).toEqual(
      [
        "regolo",
        "cohere",
        "cohere-v1",
        "jina",
        "voyage",
        "mixedbread",
        "pinecone",
        "nvidia",
        "tei",
        "vllm",
        "vllm-score",
        "llamacpp",
        "infinity",
        "litellm",
        "generic",
      ].sort(),
    );
    for (const [name, dialect] of Object.entries(dialects)) expect(dialect.name).toBe(name);
  });

  it("rejects an unknown provider with a UsageError that lists the known ones", () => {
    expect(() => getDialect("openai")).toThrowError(/unknown provider 'openai'.*regolo.*cohere-v1.*generic/);
    expect(() => getDialect("toString")).toThrowError(/unknown provider/);
  });

  it("cannot be changed by a caller, since every reranker in the process shares it", () => {
    expect(() => {
      (dialects.tei.defaults as { maxDocsPerRequest?: number }).maxDocsPerRequest = 1;
    }).toThrow(TypeError);
    expect(() => {
      (dialects as Record<string, unknown>).tei = undefined;
    }).toThrow(TypeError);
    expect(getDialect("tei").defaults.maxDocsPerRequest).toBe(32);
  });

  it("has a table row for every dialect", () => {
    expect(CASES.map((c) => c.provider).sort()).toEqual(Object.keys(dialects).sort());
  });

  it("gives public endpoints only to hosted providers, and keys only where they are conventional", () => {
    const hosted = ["regolo", "cohere", "cohere-v1", "jina", "voyage", "mixedbread", "pinecone"];
    for (const [name, { defaults }] of Object.entries(dialects)) {
      if (hosted.includes(name)) expect(defaults.endpoint, name).toMatch(/^https:\/\//);
      else expect(defaults.endpoint, name).toBeUndefined();
    }
    const keyed = Object.entries(dialects)
      .filter(([, d]) => d.defaults.apiKeyEnv !== undefined)
      .map(([name, d]) => `${name}=${d.defaults.apiKeyEnv}`);
    expect(keyed.sort()).toEqual(
      [
        "regolo=REGOLO_API_KEY",
        "cohere=COHERE_API_KEY",
        "cohere-v1=COHERE_API_KEY",
        "jina=JINA_API_KEY",
        "voyage=VOYAGE_API_KEY",
        "mixedbread=MXBAI_API_KEY",
        "pinecone=PINECONE_API_KEY",
        "nvidia=NVIDIA_API_KEY",
      ].sort(),
    );
  });

  it("carries the published per-request limits and score kinds", () => {
    const d = (name: string) => dialects[name].defaults;
    expect(d("tei")).toMatchObject({
      maxDocsPerRequest: 32,
      maxRequestBytes: 2_000_000,
      supportsTopN: false,
    });
    expect(d("cohere").maxDocsPerRequest).toBe(1000);
    expect(d("voyage").maxDocsPerRequest).toBe(1000);
    expect(d("mixedbread").maxDocsPerRequest).toBe(1000);
    expect(d("pinecone")).toMatchObject({ maxDocsPerRequest: 100, auth: { header: "Api-Key" } });
    expect(d("infinity").maxDocsPerRequest).toBe(2048);
    expect(d("regolo").maxDocsPerRequest).toBeUndefined();
    expect(d("nvidia")).toMatchObject({ scoreKind: "logit", supportsTopN: false });
    expect(d("vllm-score").supportsTopN).toBe(false);
    expect(d("jina").pointwise).toBe(false);
  });
});

describe.each(CASES)("$provider", (c) => {
  const dialect = getDialect(c.provider);

  it("builds exactly the documented body, top_n absent when unset", () => {
    const built = dialect.buildRequest(request(c.options));
    expect(built.body).toStrictEqual(c.body());
    expect(JSON.stringify(built.body)).not.toMatch(/top_[nk]|"k"/);
  });

  it("puts top_n in the provider's own field, or nowhere when it has none", () => {
    const built = dialect.buildRequest(request(c.options, 2));
    expect(built.body).toStrictEqual(c.body(dialect.defaults.supportsTopN ? 2 : undefined));
  });

  it("adds only the documented extra headers", () => {
    const headers = dialect.buildRequest(request(c.options)).headers ?? {};
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(lower).toStrictEqual(c.headers ?? {});
  });

  it("parses the documented answer into indices of the documents as sent", () => {
    const parsed = dialect.parseResponse(c.answer(c.ranking), request(c.options));
    const expected = c.provider === "vllm-score" ? [...c.ranking].sort((a, b) => a[0] - b[0]) : c.ranking;
    expect(parsed.items).toStrictEqual(expected.map(([index, score]) => ({ index, score })));
    // Usage the provider sends in headers is not in the body.
    expect(parsed.usage).toStrictEqual(c.answerHeaders ? undefined : c.usage);
    if (c.answerHeaders) expect(dialect.usageFromHeaders?.(c.answerHeaders)).toStrictEqual(c.usage);
    expect(parsed.providerId).toBe(c.providerId);
    expect(parsed.model).toBe(c.model);
  });

  it("extracts the provider's own message from its error body", () => {
    const message = "model 'nope' not found";
    expect(dialect.errorMessage?.(c.error(message))).toContain(message);
    expect(dialect.errorMessage?.(JSON.stringify(c.error(message)))).toContain(message);
  });

  it("names the field when the answer's shape is wrong", () => {
    const good = c.answer(c.ranking);
    const broken = JSON.parse(JSON.stringify(good), (key, value) =>
      ["relevance_score", "score", "logit", "value"].includes(key) ? String(value) : value,
    );
    const error = catchError(() => dialect.parseResponse(broken, request(c.options)));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: "malformed", retryable: false });
    expect((error as ApiError).field).toMatch(/\[0\]\.(relevance_score|score|logit|value)$/);
    expect(() => dialect.parseResponse({ unexpected: true }, request(c.options))).toThrow(ApiError);
    expect(() => dialect.parseResponse(null, request(c.options))).toThrow(ApiError);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}
