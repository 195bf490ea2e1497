/**
 * Shared parse helpers: error-message extraction for every error family of api-dialects §18.4,
 * and the field names of malformed-answer errors.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors.js";
import {
  cohereMetaUsage,
  extractErrorMessage,
  readIndexedScores,
  TextIndex,
  tokenUsage,
} from "../../../src/rerank/dialects/common.js";

describe("extractErrorMessage", () => {
  const families: [string, unknown, string][] = [
    [
      "Cohere {message,id}",
      { id: "x", message: "invalid request: list of documents must not be empty" },
      "invalid request: list of documents must not be empty",
    ],
    [
      "Voyage {detail}",
      { detail: "Input cannot contain empty strings or empty lists" },
      "Input cannot contain empty strings or empty lists",
    ],
    [
      "Jina {code,detail}",
      { code: "INPUT_MODEL_NOT_FOUND", detail: "Model not found" },
      "Model not found (INPUT_MODEL_NOT_FOUND)",
    ],
    [
      "Jina 422",
      { detail: "Validation error", errors: [{ field: "top_n", message: "must be >= 1" }] },
      "Validation error; top_n: must be >= 1",
    ],
    [
      "FastAPI",
      { detail: [{ loc: ["body", "query"], msg: "field required", type: "missing" }] },
      "body.query: field required",
    ],
    [
      "OpenAI-style",
      { error: { message: "model not found", type: "invalid_request_error", param: null, code: "404" } },
      "model not found (invalid_request_error)",
    ],
    [
      "Pinecone",
      { error: { code: "INVALID_ARGUMENT", message: "bad top_n" }, status: 400 },
      "bad top_n (INVALID_ARGUMENT)",
    ],
    [
      "llama.cpp",
      { error: { code: 500, message: "input (600 tokens) is too large to process", type: "server_error" } },
      "input (600 tokens) is too large to process (server_error)",
    ],
    [
      "TEI {error,error_type}",
      { error: "`inputs` must have less than 512 tokens", error_type: "validation" },
      "`inputs` must have less than 512 tokens (validation)",
    ],
    [
      "vLLM flat",
      { object: "error", message: "max_model_len exceeded", type: "BadRequestError", code: 400 },
      "max_model_len exceeded",
    ],
    [
      "Mixedbread",
      { type: "too_many_requests_error", message: "Slow down", details: { retry_after: 2 } },
      "Slow down",
    ],
    [
      "plain text (axum 422)",
      "Failed to deserialize the JSON body: missing field `texts`",
      "Failed to deserialize the JSON body: missing field `texts`",
    ],
  ];

  it.each(families)("%s", (_, body, expected) => {
    expect(extractErrorMessage(body)).toBe(expected);
    if (typeof body !== "string") expect(extractErrorMessage(JSON.stringify(body))).toBe(expected);
  });

  it("never throws and always gives one bounded line for any JSON body (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        for (const input of [body, JSON.stringify(body)]) {
          const message = extractErrorMessage(input);
          if (message !== undefined) {
            expect(message).not.toMatch(/\n/);
            expect(message.length).toBeGreaterThan(0);
            expect(message.length).toBeLessThanOrEqual(501);
          }
        }
      }),
    );
  });

  it("returns one line of bounded length, and nothing for bodies without a message", () => {
    expect(extractErrorMessage({ message: "line one\n  line two" })).toBe("line one line two");
    expect(extractErrorMessage("x".repeat(2000))?.length).toBeLessThanOrEqual(501);
    for (const body of [undefined, null, 42, {}, { status: 500 }, "   ", []]) {
      expect(extractErrorMessage(body)).toBeUndefined();
    }
  });
});

describe("readIndexedScores", () => {
  it("names the offending field", () => {
    const fieldOf = (body: unknown, path = "results") => {
      try {
        readIndexedScores(body, path, "index", "relevance_score");
      } catch (err) {
        expect(err).toBeInstanceOf(ApiError);
        expect(err).toMatchObject({ kind: "malformed", retryable: false });
        return (err as ApiError).field;
      }
      return "no error";
    };
    expect(fieldOf({})).toBe("results");
    expect(fieldOf({ results: {} })).toBe("results");
    expect(fieldOf({ results: [null] })).toBe("results[0]");
    expect(fieldOf({ results: [{ index: 0, relevance_score: 1 }, { relevance_score: 1 }] })).toBe(
      "results[1].index",
    );
    expect(fieldOf({ results: [{ index: 0, relevance_score: null }] })).toBe("results[0].relevance_score");
    expect(fieldOf([{ index: 0 }], "")).toBe("[0].relevance_score");
    expect(fieldOf({ a: 1 }, "")).toBe("(body)");
  });

  it("returns items in answer order with scores untouched (property)", () => {
    const item = fc.record({ index: fc.nat(1000), relevance_score: fc.double({ noNaN: true }) });
    fc.assert(
      fc.property(fc.array(item), (items) => {
        const parsed = readIndexedScores({ results: items }, "results", "index", "relevance_score");
        expect(parsed).toStrictEqual(items.map((i) => ({ index: i.index, score: i.relevance_score })));
      }),
    );
  });
});

describe("usage readers", () => {
  it("read only the counts that are present and numeric", () => {
    expect(tokenUsage({ usage: { prompt_tokens: 5, total_tokens: 7 } })).toStrictEqual({
      promptTokens: 5,
      totalTokens: 7,
    });
    expect(tokenUsage({ usage: { total_tokens: "7" } })).toBeUndefined();
    expect(tokenUsage({ usage: null })).toBeUndefined();
    expect(cohereMetaUsage({ meta: null })).toBeUndefined();
    expect(cohereMetaUsage({ meta: { billed_units: { search_units: 3 } } })).toStrictEqual({
      searchUnits: 3,
    });
  });
});

describe("TextIndex", () => {
  it("hands out each position of a text once, in order", () => {
    const texts = new TextIndex(["a", "b", "a"]);
    expect([
      texts.take("a"),
      texts.take("a"),
      texts.take("a"),
      texts.take("b"),
      texts.take("c"),
    ]).toStrictEqual([0, 2, undefined, 1, undefined]);
  });
});
