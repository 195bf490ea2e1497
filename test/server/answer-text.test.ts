/**
 * The rerank answers are written to text by concatenation (answers.ts); the bytes must stay exactly
 * JSON.stringify of the answer objects: same keys and order, numbers, escapes (lone surrogates and
 * control characters included), with and without the no-backslash shortcut, and over real HTTP.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cohereAnswerText, type Ranked, rank, regoloAnswerText } from "../../src/server/answers.js";
import { scoreDocuments } from "../../src/server/models.js";
import { parseRerankRequest, type RerankRequest, type RouteDialect } from "../../src/server/request.js";
import { makeDocument, serversClosedAfterEach } from "./helpers.js";

const serve = serversClosedAfterEach();

/**
 * The reference: regolo's answer as an object (api-dialects.md §1: echoes each document's text, no
 * usage, `meta: null`), with the id the text under test got.
 */
function regoloAnswer(req: RerankRequest, ranked: readonly Ranked[], id: string) {
  return {
    id,
    results: ranked.map((r) => ({
      index: r.index,
      relevance_score: r.score,
      document: { text: req.documents[r.index] },
    })),
    meta: null,
  };
}

/**
 * The reference: Cohere v2's answer (api-dialects.md §3): no document echo; one search unit per
 * call of ≤ 100 documents.
 */
function cohereAnswer(req: RerankRequest, ranked: readonly Ranked[], id: string) {
  return {
    id,
    results: ranked.map((r) => ({ index: r.index, relevance_score: r.score })),
    meta: {
      api_version: { version: "2" },
      billed_units: { search_units: Math.max(1, Math.ceil(req.documents.length / 100)) },
    },
  };
}

/** A surrogate without its pair: JSON.stringify escapes it, so no plainStrings document may hold one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Characters JSON escapes or might be thought to: quotes, backslashes, controls, lone surrogates. */
const awkward = fc.constantFrom(
  '"',
  "\\",
  "/",
  "\u0000",
  "\n",
  "\u001f",
  "\u007f",
  "\u2028",
  "\ud800",
  "\udbff",
  "\udc00",
  "\udfff",
  "😀",
  "é",
);
const documentText = fc.string({ unit: fc.oneof(fc.string({ unit: "binary", maxLength: 1 }), awkward) });
const documents = fc.array(documentText, { minLength: 1, maxLength: 12 });
const topN = fc.option(fc.integer({ min: 1, max: 14 }), { nil: undefined });

/** Answers of a request with arbitrary scores (NaN, ±Infinity, -0, tiny and huge doubles). */
const answered = documents.chain((docs) =>
  fc.record({
    req: fc.constant<RerankRequest>({ model: "bm25", query: "q", documents: docs, plainStrings: false }),
    scores: fc.array(fc.double(), { minLength: docs.length, maxLength: docs.length }),
    topN,
  }),
);

describe("rerank answer text", () => {
  it("regolo: equals JSON.stringify of regoloAnswer for any documents, scores and top_n", () => {
    fc.assert(
      fc.property(answered, ({ req, scores, topN }) => {
        const ranked = rank(scores, topN);
        const text = regoloAnswerText(req, ranked);
        expect(text).toBe(JSON.stringify(regoloAnswer(req, ranked, JSON.parse(text).id)));
      }),
      { numRuns: 300 },
    );
  });

  it("cohere: equals JSON.stringify of cohereAnswer for any documents, scores and top_n", () => {
    fc.assert(
      fc.property(answered, fc.integer({ min: 1, max: 250 }), ({ req, scores, topN }, extra) => {
        const ranked = rank(scores, topN);
        // search_units counts every document sent, not only those ranked.
        const big = { ...req, documents: [...req.documents, ...Array<string>(extra).fill("d")] };
        for (const r of [req, big]) {
          const text = cohereAnswerText(r, ranked);
          expect(text).toBe(JSON.stringify(cohereAnswer(r, ranked, JSON.parse(text).id)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("the unescaped shortcut holds for the documents of any body without a backslash", () => {
    const check = (body: Buffer, dialect: RouteDialect) => {
      const req = parseRerankRequest(body, dialect, 1000);
      const ranked = rank(scoreDocuments("random", req.query, req.documents));
      const text = regoloAnswerText(req, ranked);
      expect(text).toBe(JSON.stringify(regoloAnswer(req, ranked, JSON.parse(text).id)));
      return req;
    };
    let shortcuts = 0;
    fc.assert(
      fc.property(documents, fc.boolean(), (docs, asObjects) => {
        const sent = asObjects ? docs.map((text) => ({ text })) : docs;
        const body = Buffer.from(JSON.stringify({ model: "random", query: "q", documents: sent }));
        if (check(body, "regolo").plainStrings) shortcuts++;
      }),
      { numRuns: 300 },
    );
    expect(shortcuts).toBeGreaterThan(0);
    // Raw bytes a client may send unescaped: invalid UTF-8 and encoded surrogates (ED A0 80) decode
    // to U+FFFD, never to a lone surrogate.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (raw) => {
        const inside = Buffer.from(raw.filter((b) => b >= 0x20 && b !== 0x22 && b !== 0x5c));
        const body = Buffer.concat([
          Buffer.from('{"model":"random","query":"q","documents":["'),
          inside,
          Buffer.from('", "\xed\xa0\x80\xff"]}', "latin1"),
        ]);
        const req = check(body, "regolo");
        expect(req.plainStrings).toBe(true);
        expect(req.documents.filter((d) => LONE_SURROGATE.test(d))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it("over HTTP, /rerank, /v1/rerank and /v2/rerank send exactly the answer objects' JSON", async () => {
    const server = await serve({ seed: 7 });
    const plain = Array.from({ length: 100 }, (_, i) => makeDocument(i));
    const tricky = [
      'say "hi"',
      "back\\slash",
      "tab\there\u0000",
      "lone \ud800 and \udfff",
      "😀 é \u2028",
      "",
    ];
    const cases: [string, RouteDialect, unknown[], number | undefined][] = [
      ["/rerank", "regolo", plain, undefined],
      ["/rerank", "regolo", [...tricky, ...plain.slice(0, 5)], 7],
      ["/v1/rerank", "regolo", tricky.map((text) => ({ text })), undefined],
      ["/v2/rerank", "cohere", plain, 30],
      ["/v2/rerank", "cohere", tricky.slice(0, -1), undefined],
    ];
    for (const [path, dialect, docs, top_n] of cases) {
      const sent = JSON.stringify({ model: "bm25", query: "river capital hi", documents: docs, top_n });
      const res = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: sent,
      });
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(Number(res.headers.get("content-length"))).toBe(Buffer.byteLength(text));
      const got = JSON.parse(text);
      const req = parseRerankRequest(Buffer.from(sent), dialect, 1000);
      const ranked = rank(scoreDocuments(req.model, req.query, req.documents, 7), req.topN);
      const expected =
        dialect === "cohere" ? cohereAnswer(req, ranked, got.id) : regoloAnswer(req, ranked, got.id);
      expect(got).toEqual(expected);
      expect(text).toBe(JSON.stringify(expected));
      expect(got.id).toMatch(dialect === "cohere" ? /^[0-9a-f-]{36}$/ : /^rerank-[0-9a-f]{16}$/);
    }
  });
});
