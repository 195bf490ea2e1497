/**
 * Parse helpers shared by the dialect files (api-dialects.md §18.3). Every reader names the exact
 * answer field it found wrong, so a malformed answer becomes an ApiError the user can act on.
 */
import type { Dialect, DialectRequest, ParsedAnswer, RerankUsage } from "../types.js";
import { malformed } from "../validate.js";

export { malformed };

export type JsonObject = Record<string, unknown>;
type RankedItem = ParsedAnswer["items"][number];

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows a dotted path ("output.results"); "" or "." is the body itself. */
export function valueAt(body: unknown, path: string): unknown {
  if (path === "" || path === ".") return body;
  let here: unknown = body;
  for (const key of path.split(".")) {
    if (!isObject(here)) return undefined;
    here = here[key];
  }
  return here;
}

/** The answer's result array; `path` "" means the body is the array (TEI). */
export function readArray(body: unknown, path: string): unknown[] {
  const found = valueAt(body, path);
  if (!Array.isArray(found)) {
    throw malformed(label(path) || "(body)", `must be an array, got ${describe(found)}`);
  }
  return found;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "string" ? `a string` : `${typeof value}`;
}

/** A path as it prefixes a field name in messages: "" for the body itself. */
export function label(path: string): string {
  return path === "" || path === "." ? "" : path;
}

/** The item at position `i` of an answer array, which must be an object. */
export function itemAt(items: unknown[], i: number, path: string): JsonObject {
  const item = items[i];
  if (!isObject(item)) throw malformed(`${label(path)}[${i}]`, `must be an object, got ${describe(item)}`);
  return item;
}

/** A number field of an answer item; range and integrality are the client's to check. */
export function numberField(item: JsonObject, key: string, where: string): number {
  const value = item[key];
  if (typeof value !== "number") {
    throw malformed(
      `${where}.${key}`,
      value === undefined ? "is missing" : `must be a number, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Reads `[{<indexField>, <scoreField>}, …]` at `path`: the shape of every dialect that returns
 * indices (all but regolo's old answer and generic configurations without an index).
 */
export function readIndexedScores(
  body: unknown,
  path: string,
  indexField: string,
  scoreField: string,
): RankedItem[] {
  const items = readArray(body, path);
  const out: RankedItem[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = itemAt(items, i, path);
    const index = item[indexField];
    const score = item[scoreField];
    // The place is spelled out only for a message: an answer of 100 items read 2,000 times a second
    // would otherwise build 200,000 strings a second nobody reads.
    if (typeof index === "number" && typeof score === "number") out[i] = { index, score };
    else {
      const where = `${label(path)}[${i}]`;
      out[i] = { index: numberField(item, indexField, where), score: numberField(item, scoreField, where) };
    }
  }
  return out;
}

/**
 * Maps echoed texts back to request positions: an exact match, and for repeated documents the
 * first occurrence not yet used, so n copies in the answer take the n request slots in order.
 */
export class TextIndex {
  private readonly positions = new Map<string, number[]>();
  private readonly next = new Map<string, number>();

  constructor(documents: readonly string[]) {
    documents.forEach((text, i) => {
      const list = this.positions.get(text);
      if (list) list.push(i);
      else this.positions.set(text, [i]);
    });
  }

  /** The next unused request position of this text, or undefined when none is left. */
  take(text: string): number | undefined {
    const list = this.positions.get(text);
    const used = this.next.get(text) ?? 0;
    if (!list || used >= list.length) return undefined;
    this.next.set(text, used + 1);
    return list[used];
  }
}

/**
 * The Cohere-style family (Cohere, Jina, vLLM, llama.cpp, Infinity, LiteLLM): the body
 * `{model, query, documents, top_n?}` plus the dialect's constant `extra` fields, and the answer
 * `results[].{index, relevance_score}`. Dialects differ only in `extra` and where usage sits.
 */
export function cohereStyle(
  usage: (body: unknown) => RerankUsage | undefined,
  extra: JsonObject = {},
): Pick<Dialect, "buildRequest" | "parseResponse" | "errorMessage"> {
  return {
    buildRequest: (req) => ({ body: { ...cohereStyleBody(req), ...extra } }),
    parseResponse: (body) => indexedAnswer(body, "results", "relevance_score", usage),
    errorMessage: extractErrorMessage,
  };
}

/** Reads an echoed document: a bare string, or `{text}` (regolo current, vLLM, Cohere v1). */
function echoedText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (isObject(value) && typeof value.text === "string") return value.text;
  return undefined;
}

/** Recovers the index of an answer item by its echoed text; throws when the text was never sent. */
export function recoverIndex(texts: TextIndex, echoed: unknown, field: string): number {
  const text = echoedText(echoed);
  if (text === undefined) throw malformed(field, `must be the echoed document text, got ${describe(echoed)}`);
  const index = texts.take(text);
  if (index === undefined) throw malformed(field, "matches no unused document of the request");
  return index;
}

function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The usage without its unset fields; undefined when none is set. Once per answer: a plain loop. */
function compact(usage: RerankUsage): RerankUsage | undefined {
  const out: RerankUsage = {};
  let set = false;
  for (const key of Object.keys(usage) as (keyof RerankUsage)[]) {
    const value = usage[key];
    if (value !== undefined) {
      out[key] = value;
      set = true;
    }
  }
  return set ? out : undefined;
}

/** OpenAI-style `usage: {prompt_tokens, total_tokens}` (vLLM, Jina, Voyage, Mixedbread, Infinity, llama.cpp, NIM). */
export function tokenUsage(body: unknown): RerankUsage | undefined {
  const usage = isObject(body) ? body.usage : undefined;
  if (!isObject(usage)) return undefined;
  return compact({ promptTokens: count(usage.prompt_tokens), totalTokens: count(usage.total_tokens) });
}

/** Cohere-style `meta.billed_units` (Cohere, LiteLLM); LiteLLM may add tokens there or in `meta.tokens`. */
export function cohereMetaUsage(body: unknown): RerankUsage | undefined {
  const meta = isObject(body) ? body.meta : undefined;
  if (!isObject(meta)) return undefined;
  const billed = isObject(meta.billed_units) ? meta.billed_units : {};
  const tokens = isObject(meta.tokens) ? meta.tokens : {};
  return compact({
    searchUnits: count(billed.search_units),
    totalTokens: count(billed.total_tokens),
    promptTokens: count(tokens.input_tokens),
  });
}

/** Pinecone's `usage: {rerank_units}`. */
export function rerankUnitsUsage(body: unknown): RerankUsage | undefined {
  const usage = isObject(body) ? body.usage : undefined;
  return isObject(usage) ? compact({ rerankUnits: count(usage.rerank_units) }) : undefined;
}

/** An optional string field of the answer (`id`, `model`). */
function stringAt(body: unknown, key: string): string | undefined {
  if (!isObject(body)) return undefined;
  const value = body[key];
  return typeof value === "string" ? value : undefined;
}

/** The `{model, query, documents, top_n?}` body shared by the Cohere-style dialects. */
export function cohereStyleBody(req: DialectRequest): JsonObject {
  return withOptional({ model: req.model, query: req.query, documents: req.documents }, "top_n", req.topN);
}

/** Adds `key` only when a value is set: providers 422 on nulls and on 0 (api-dialects §17). */
export function withOptional(body: JsonObject, key: string, value: unknown): JsonObject {
  if (value !== undefined && value !== null) body[key] = value;
  return body;
}

/** The answer-level fields every dialect reports the same way. */
export function answerMeta(body: unknown): Pick<ParsedAnswer, "providerId" | "model"> {
  return { providerId: stringAt(body, "id"), model: stringAt(body, "model") };
}

/**
 * The whole answer of a dialect that returns `{<path>: [{index, <scoreField>}], id?, model?, usage?}`:
 * all of them but TEI's bare array, regolo's seed shape and generic configurations.
 */
export function indexedAnswer(
  body: unknown,
  path: string,
  scoreField: string,
  usage: (body: unknown) => RerankUsage | undefined,
): ParsedAnswer {
  return {
    items: readIndexedScores(body, path, "index", scoreField),
    usage: usage(body),
    ...answerMeta(body),
  };
}

const MAX_MESSAGE = 500;

/**
 * The provider's own error text from an error body, for every family of api-dialects §18.4:
 * `{message,id}` (Cohere, Mixedbread), `{detail}` (Voyage, FastAPI), `{code,detail}` (Jina),
 * `{error:{message}}` (OpenAI-style: vLLM, llama.cpp, LiteLLM, Infinity, Pinecone) and
 * `{error,error_type}` (TEI); a non-JSON body (axum's plain-text 422) is returned as text.
 * Always one line, so the CLI can print it as is.
 */
export function extractErrorMessage(body: unknown): string | undefined {
  const text = messageOf(typeof body === "string" ? parseOrText(body) : body);
  if (text === undefined) return undefined;
  const line = text.replace(/\s+/g, " ").trim();
  if (line === "") return undefined;
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE)}…` : line;
}

function parseOrText(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function messageOf(body: unknown): string | undefined {
  if (typeof body === "string") return body;
  if (!isObject(body)) return undefined;
  const { error } = body;
  if (isObject(error)) return withCode(messageOf(error), [error.code, error.type].find(isWordCode));
  if (typeof error === "string") return withCode(error, body.error_type);
  if (typeof body.message === "string") return body.message;
  if (body.detail !== undefined) return withCode(detailText(body.detail, body.errors), body.code);
  return undefined;
}

/** A code worth showing: "INVALID_ARGUMENT", not "400", which the status already says. */
function isWordCode(code: unknown): code is string {
  return typeof code === "string" && /[A-Za-z]/.test(code);
}

/** Jina's `{code, detail}`, Pinecone's `error.code` and TEI's `error_type` are what users search for. */
function withCode(message: string | undefined, code: unknown): string | undefined {
  if (!isWordCode(code)) return message;
  if (message === undefined) return code;
  return message.includes(code) ? message : `${message} (${code})`;
}

/** FastAPI puts a list of `{loc, msg}` in `detail`; Jina adds `errors: [{field, message}]`. */
function detailText(detail: unknown, errors: unknown): string | undefined {
  const parts: string[] = [];
  if (typeof detail === "string") parts.push(detail);
  for (const entry of [detail, errors].filter(Array.isArray).flat()) {
    if (typeof entry === "string") parts.push(entry);
    else if (isObject(entry)) {
      const text = entry.msg ?? entry.message;
      const where = Array.isArray(entry.loc) ? entry.loc.join(".") : entry.field;
      if (typeof text === "string")
        parts.push(typeof where === "string" && where ? `${where}: ${text}` : text);
    }
  }
  return parts.length > 0 ? parts.join("; ") : undefined;
}
