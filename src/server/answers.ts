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

/** regolo's current answer (api-dialects.md §1): echoes each document's text, no usage, `meta: null`. */
export function regoloAnswer(req: RerankRequest, ranked: readonly Ranked[]) {
  return {
    id: `rerank-${randomId()}`,
    results: ranked.map((r) => ({
      index: r.index,
      relevance_score: r.score,
      document: { text: req.documents[r.index] },
    })),
    meta: null,
  };
}

/** Cohere v2 (api-dialects.md §3): no document echo; one search unit per call of ≤ 100 documents. */
export function cohereAnswer(req: RerankRequest, ranked: readonly Ranked[]) {
  return {
    id: randomUUID(),
    results: ranked.map((r) => ({ index: r.index, relevance_score: r.score })),
    meta: {
      api_version: { version: "2" },
      billed_units: { search_units: Math.max(1, Math.ceil(req.documents.length / 100)) },
    },
  };
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
