import { randomFillSync, randomUUID } from "node:crypto";
import type { RerankRequest, RouteDialect } from "./request.js";

export interface Ranked {
  index: number;
  score: number;
}

/** Sorted by score desc, ties by index asc (deterministic), cut to top_n (clamped, as vLLM does). */
export function rank(scores: readonly number[], topN?: number): Ranked[] {
  const items = scores.map((score, index) => ({ index, score }));
  items.sort((a, b) => b.score - a.score || a.index - b.index);
  return topN !== undefined && topN < items.length ? items.slice(0, topN) : items;
}

/**
 * 8 random bytes per answer id, drawn from a pool filled 512 ids at a time: a randomBytes(8) call
 * per answer was a twelfth of the server's CPU per request (crypto.randomUUID pools the same way).
 */
const ID_BYTES = 8;
const idPool = Buffer.alloc(ID_BYTES * 512);
let idOffset = idPool.length;

function randomId(): string {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  idOffset += ID_BYTES;
  return idPool.toString("hex", idOffset - ID_BYTES, idOffset);
}

/*
 * The 200 answers as text, byte for byte what JSON.stringify gives for the answer objects (same keys
 * in the same order; test/server/answer-text.test.ts holds those objects as its reference), written
 * by concatenation: at 2,000 answers/s JSON.stringify of a 100-document answer was a sixth of the
 * server's CPU, most of it spent on its long strings.
 */

/** A number as JSON.stringify writes it: String(n), and null for NaN and ±Infinity. */
function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : "null";
}

/**
 * Text that JSON.stringify writes as is between quotes: no quote, backslash, control character or
 * surrogate (a paired one needs no escape either, but is rare enough to leave to JSON.stringify).
 * Anchored and negated, the test runs about twice as fast as an unanchored search for the escapes.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what JSON escapes
const UNESCAPED = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

function jsonString(s: string): string {
  return UNESCAPED.test(s) ? `"${s}"` : JSON.stringify(s);
}

/**
 * regolo's current answer (api-dialects.md §1): echoes each document's text, no usage, `meta: null`.
 * With `req.plainStrings` every document is known to need no escaping, so none is checked. The id is
 * ours (hex) and needs no escaping.
 */
export function regoloAnswerText(req: RerankRequest, ranked: readonly Ranked[]): string {
  let text = `{"id":"rerank-${randomId()}","results":[`;
  for (let i = 0; i < ranked.length; i++) {
    const r = ranked[i];
    const doc = req.documents[r.index];
    text += `${i === 0 ? "" : ","}{"index":${r.index},"relevance_score":${jsonNumber(r.score)}`;
    text += `,"document":{"text":${req.plainStrings ? `"${doc}"` : jsonString(doc)}}}`;
  }
  return `${text}],"meta":null}`;
}

/**
 * Cohere v2 (api-dialects.md §3): no document echo; one search unit per call of ≤ 100 documents.
 * The id is ours (a UUID) and needs no escaping.
 */
export function cohereAnswerText(req: RerankRequest, ranked: readonly Ranked[]): string {
  let text = `{"id":"${randomUUID()}","results":[`;
  for (let i = 0; i < ranked.length; i++) {
    const r = ranked[i];
    text += `${i === 0 ? "" : ","}{"index":${r.index},"relevance_score":${jsonNumber(r.score)}}`;
  }
  const units = Math.max(1, Math.ceil(req.documents.length / 100));
  return `${text}],"meta":{"api_version":{"version":"2"},"billed_units":{"search_units":${units}}}}`;
}

const ERROR_TYPES: Record<number, string> = {
  404: "invalid_request_error",
  413: "invalid_request_error",
  429: "rate_limit_error",
  500: "server_error",
  503: "server_error",
};

/**
 * Error bodies: OpenAI-style `{error: {message, type, param, code}}` on the regolo routes (its
 * LiteLLM front end answers so), Cohere's `{id, message}` on /v2.
 */
export function errorBody(
  dialect: RouteDialect,
  status: number,
  code: string,
  message: string,
  param?: string,
) {
  if (dialect === "cohere") return { id: randomUUID(), message };
  return {
    error: { message, type: ERROR_TYPES[status] ?? "invalid_request_error", param: param ?? null, code },
  };
}
