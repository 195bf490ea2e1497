/**
 * A rerank API no other dialect names, described by field paths in `options` (dotted paths allowed):
 *   documentsField "documents", queryField "query", modelField "model", topNField "top_n"
 *     (set modelField or topNField to null to leave that field out of the body),
 *   extraBody {…} (constant fields merged into every body; the fields above win),
 *   resultsPath, indexField, scoreField (answer side).
 * Answer paths left unset fall back to api-dialects §18.3: the array is the first of `results`,
 * `data`, `rankings` (or the body when it is an array); the index is `index`, then a numeric `id`,
 * then the echoed text; the score the first of `relevance_score`, `relevanceScore`, `score`, `logit`.
 */
import { UsageError } from "../../errors.js";
import { INDEX_RECOVERED_NOTE } from "../notes.js";
import type { Dialect, DialectRequest, ParsedAnswer } from "../types.js";
import {
  answerMeta,
  extractErrorMessage,
  isObject,
  type JsonObject,
  label,
  malformed,
  readArray,
  recoverIndex,
  TextIndex,
  valueAt,
} from "./common.js";

const ARRAY_PATHS = ["results", "data", "rankings"];
const SCORE_FIELDS = ["relevance_score", "relevanceScore", "score", "logit"];

/** A string option, its default when absent, or null when the user turned the field off. */
function pathOption(
  options: JsonObject,
  key: string,
  fallback: string | undefined,
): string | null | undefined {
  const value = options[key];
  if (value === undefined) return fallback;
  if (value === null || typeof value === "string") return value;
  throw new UsageError(`generic provider: option '${key}' must be a field path string, got ${typeof value}`);
}

function requiredPath(options: JsonObject, key: string, fallback: string): string {
  const value = pathOption(options, key, fallback);
  if (!value) throw new UsageError(`generic provider: option '${key}' cannot be empty`);
  return value;
}

/** Sets a dotted path, creating the objects on the way (e.g. "input.query"). */
function setAt(body: JsonObject, path: string, value: unknown): void {
  const keys = path.split(".");
  let here = body;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(here[key])) here[key] = {};
    here = here[key] as JsonObject;
  }
  here[keys[keys.length - 1]] = value;
}

function buildBody(req: DialectRequest): JsonObject {
  const { options } = req;
  const extra = options.extraBody;
  if (extra !== undefined && !isObject(extra)) {
    throw new UsageError("generic provider: option 'extraBody' must be an object");
  }
  // A deep copy, so nested paths set below never write into the caller's extraBody.
  const body: JsonObject = extra ? structuredClone(extra) : {};
  const modelField = pathOption(options, "modelField", "model");
  if (modelField) setAt(body, modelField, req.model);
  setAt(body, requiredPath(options, "queryField", "query"), req.query);
  setAt(body, requiredPath(options, "documentsField", "documents"), req.documents);
  const topNField = pathOption(options, "topNField", "top_n");
  if (topNField && req.topN !== undefined) setAt(body, topNField, req.topN);
  return body;
}

function findArray(
  body: unknown,
  resultsPath: string | null | undefined,
): { items: unknown[]; path: string } {
  if (typeof resultsPath === "string") return { items: readArray(body, resultsPath), path: resultsPath };
  if (Array.isArray(body)) return { items: body, path: "" };
  const path = ARRAY_PATHS.find((p) => Array.isArray(valueAt(body, p)));
  if (path === undefined) throw malformed("results", `is missing (looked for ${ARRAY_PATHS.join(", ")})`);
  return { items: readArray(body, path), path };
}

function readNumber(item: JsonObject, field: string, where: string): number {
  const value = valueAt(item, field);
  if (typeof value !== "number") {
    throw malformed(`${where}.${field}`, value === undefined ? "is missing" : "must be a number");
  }
  return value;
}

function readScore(item: JsonObject, scoreField: string | undefined, where: string): number {
  if (scoreField) return readNumber(item, scoreField, where);
  const field = SCORE_FIELDS.find((f) => item[f] !== undefined);
  if (field === undefined)
    throw malformed(`${where}.score`, `is missing (looked for ${SCORE_FIELDS.join(", ")})`);
  return readNumber(item, field, where);
}

function parse(body: unknown, req: DialectRequest): ParsedAnswer {
  const { options } = req;
  const { items, path } = findArray(body, pathOption(options, "resultsPath", undefined));
  const indexField = pathOption(options, "indexField", undefined) ?? undefined;
  const scoreField = pathOption(options, "scoreField", undefined) ?? undefined;
  const texts = new TextIndex(req.documents);
  let recovered = false;
  const parsed = items.map((item, i) => {
    const where = `${label(path)}[${i}]`;
    if (!isObject(item)) throw malformed(where, "must be an object");
    const score = readScore(item, scoreField, where);
    if (indexField) return { index: readNumber(item, indexField, where), score };
    if (typeof item.index === "number") return { index: item.index, score };
    if (typeof item.id === "number") return { index: item.id, score };
    if (item.index !== undefined) throw malformed(`${where}.index`, "must be a number");
    const echoed = item.document ?? item.text;
    if (echoed === undefined) throw malformed(`${where}.index`, "is missing and no document text was echoed");
    recovered = true;
    return {
      index: recoverIndex(texts, echoed, `${where}.${item.document !== undefined ? "document" : "text"}`),
      score,
    };
  });
  return { items: parsed, ...answerMeta(body), notes: recovered ? [INDEX_RECOVERED_NOTE] : undefined };
}

export const generic: Dialect = {
  name: "generic",
  buildRequest: (req) => ({ body: buildBody(req) }),
  parseResponse: parse,
  errorMessage: extractErrorMessage,
  defaults: {
    auth: "bearer",
    // top_n is sent in `topNField` (null turns it off); the client cuts anyway when the API ignores it.
    supportsTopN: true,
    scoreKind: "unknown",
    pointwise: true,
  },
};
