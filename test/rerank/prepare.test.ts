/**
 * The plan a call sends, checked without a server: prepare.ts is pure data, so what each request
 * carries (documents, top_n) and the notes of the call itself can be read straight off the plan.
 */
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { dialects } from "../../src/rerank/dialects/index.js";
import { planCall, resolveSettings } from "../../src/rerank/prepare.js";
import type { RerankerConfig } from "../../src/rerank/types.js";

const local = "http://127.0.0.1:9/rerank";
const docsOf = (n: number) => Array.from({ length: n }, (_, i) => `document ${i}`);

function plan(config: Partial<RerankerConfig>, documents: string[], topN?: number) {
  const provider = config.provider ?? "regolo";
  const dialect = dialects[provider];
  const settings = resolveSettings({ model: "m", endpoint: local, env: {}, ...config, provider }, dialect);
  return planCall(settings, dialect, "q", documents, topN);
}
/** Each planned request's range and top_n, and what its encoded body carries. */
const ranges = (p: ReturnType<typeof plan>) =>
  p.requests.map(({ start, end, topN }) => ({ start, end, topN }));
const sent = (p: ReturnType<typeof plan>) => p.requests.map((r) => JSON.parse(r.body.toString("utf8")));

describe("planCall", () => {
  it("asks each chunk for at most its own size of top_n, and notes the split", () => {
    const p = plan({ maxDocsPerRequest: 10 }, docsOf(25), 7);
    expect(ranges(p)).toEqual([
      { start: 0, end: 10, topN: 7 },
      { start: 10, end: 20, topN: 7 },
      { start: 20, end: 25, topN: 5 },
    ]);
    // Each body is encoded once, at planning: the chunk's documents and its own top_n.
    expect(sent(p).map((b) => [b.documents.length, b.documents[0], b.top_n])).toEqual([
      [10, "document 0", 7],
      [10, "document 10", 7],
      [5, "document 20", 5],
    ]);
    // regolo's dialect at an endpoint that is not regolo's service: scores of unknown kind, merge flagged.
    expect(p.notes.map((n) => n.code)).toEqual(["chunked", "merge-warning"]);
  });

  it("sends no top_n to an API without one, but keeps the clamped cut for the merge", () => {
    const p = plan({ provider: "tei" }, docsOf(3), 5);
    expect(p.topN).toBe(3);
    expect(ranges(p)).toEqual([{ start: 0, end: 3, topN: undefined }]);
    expect(sent(p)[0].texts).toEqual(docsOf(3));
    expect("top_n" in sent(p)[0] || "top_k" in sent(p)[0]).toBe(false);
    expect(p.notes).toEqual([{ code: "clamped", detail: "top_n clamped 5->3" }]);
  });

  it("maps sent positions back past skipped empty documents and formats Qwen3 text", () => {
    const p = plan({ qwen3Instruction: true }, ["a", " ", "b"]);
    expect(p.originalIndex).toEqual([0, 2]);
    expect(p.documents).toEqual(["<Document>: a", "<Document>: b"]);
    expect(p.base.query).toMatch(/^<Instruct>: .*\n<Query>: q$/);
    expect(p.notes.map((n) => n.code)).toEqual(["empty-skipped", "qwen3-format"]);
  });

  it("plans no request when every document is empty, without clamp or Qwen3 notes", () => {
    const p = plan({ qwen3Instruction: true }, ["", "  "], 5);
    expect(p.requests).toEqual([]);
    expect(p.notes).toEqual([{ code: "empty-skipped", detail: "2 empty documents skipped (index 0, 1)" }]);
  });

  it("rejects a bad top_n and an empty query as usage errors", () => {
    expect(() => plan({}, ["a"], 0)).toThrow(UsageError);
    const dialect = dialects.regolo;
    const settings = resolveSettings({ model: "m", endpoint: local, env: {} }, dialect);
    expect(() => planCall(settings, dialect, " ", ["a"], undefined)).toThrow(/query must not be empty/);
  });
});
