/**
 * The identity of a rerank answer: a sha256 over everything that decides what the API answers
 * (dialect, endpoint, model, query, the documents in order, every request parameter) and nothing
 * that does not (timeouts, retries, the key's variable). The key itself is never part of it, and
 * an endpoint enters without user info, query string or fragment, where users put keys: a rotated
 * key still finds last week's answers, and the cache index holds only this hash.
 */
import { createHash } from "node:crypto";

/** Bumped when the stored answer or the hashed fields change shape: older entries are then misses. */
export const KEY_VERSION = 1;

/** What identifies a reranker's answers, beyond one call's query, documents and top_n. */
export interface AnswerIdentity {
  /** The dialect (provider) name. */
  provider: string;
  /** The endpoint as keyEndpoint gives it ("embedded" stays "embedded"). */
  endpoint: string;
  model: string;
  /** Every setting that changes what is sent: provider options, Qwen3 instruction, chunking. */
  params: Record<string, unknown>;
}

export interface AnswerRequest {
  query: string;
  documents: readonly string[];
  topN?: number;
}

/** An endpoint without user info, query string or fragment; a text that is no URL loses them too. */
export function keyEndpoint(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return endpoint.replace(/[?#].*$/, "").replace(/\/\/[^/@]*@/, "//");
  }
}

/** The cacache key of one call: `rerank-eval:answer:v1:<sha256 hex>`. */
export function answerKey(identity: AnswerIdentity, request: AnswerRequest): string {
  const hash = createHash("sha256");
  // Each field is length-prefixed JSON, so no two different calls can hash the same text.
  const feed = (value: unknown) => {
    const text = canonicalJson(value);
    hash.update(`${Buffer.byteLength(text)}:`);
    hash.update(text);
  };
  feed(KEY_VERSION);
  feed(identity.provider);
  feed(keyEndpoint(identity.endpoint));
  feed(identity.model);
  feed(identity.params);
  feed(request.topN ?? null);
  feed(request.query);
  feed(request.documents.length);
  for (const d of request.documents) feed(d);
  return `rerank-eval:answer:v${KEY_VERSION}:${hash.digest("hex")}`;
}

/** JSON with object keys sorted at every depth and undefined fields left out: equal settings, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}
