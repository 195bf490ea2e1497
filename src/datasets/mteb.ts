/**
 * MTEB reranking JSONL: `{query, positive: [...], negative: [...]}` per line, optional `query_id`.
 * Positives get grade 1, negatives 0; each list is shown in a label-blind order so that a reranker
 * which keeps the input order does not look good for free.
 */
import { InputError } from "../errors.js";
import { checkDecodedId, readLines } from "../trec/index.js";
import type { ReadLimits } from "../trec/types.js";
import { docIdFromText, labelBlindOrder, queryIdFromText } from "./ids.js";
import { idField, type JsonObject, parseJsonLine, textField } from "./jsonl.js";
import type { LoadedParts } from "./parts.js";
import { DocStore } from "./store.js";
import type { Doc } from "./types.js";

export async function loadMteb(path: string, limits: ReadLimits = {}): Promise<LoadedParts> {
  const queries = new Map<string, string>();
  const docs = new Map<string, Doc>();
  const qrels = new Map<string, Map<string, number>>();
  const candidates = new Map<string, string[]>();
  const queryLine = new Map<string, number>();

  for await (const [text, line, isUtf8] of readLines(path, limits)) {
    if (text.trim() === "") continue;
    const obj = parseJsonLine(text, path, line);
    const queryText = textField(obj, "query", path, line, { nonEmpty: true });
    const queryId =
      obj.query_id === undefined ? queryIdFromText(queryText) : idField(obj, "query_id", path, line);
    // Ids derived from texts are ids too: two texts that differ only in invalid bytes would be one.
    const idSource = obj.query_id === undefined ? "query" : "query_id";
    checkDecodedId(idSource === "query" ? queryText : queryId, isUtf8, { file: path, line, field: idSource });
    const earlier = queryLine.get(queryId);
    if (earlier !== undefined)
      throw new InputError(`query '${queryId}' already appears on line ${earlier}`, {
        file: path,
        line,
        field: obj.query_id === undefined ? "query" : "query_id",
      });
    queryLine.set(queryId, line);

    const judged = new Map<string, number>();
    for (const [field, grade] of [
      ["positive", 1],
      ["negative", 0],
    ] as const) {
      for (const docText of documentList(obj, field, path, line)) {
        checkDecodedId(docText, isUtf8, { file: path, line, field });
        const docId = docIdFromText(docText);
        if (judged.has(docId))
          throw new InputError(
            `duplicate document in the candidates of query '${queryId}': '${clip(docText)}'`,
            {
              file: path,
              line,
              field,
            },
          );
        judged.set(docId, grade);
        docs.set(docId, { text: docText });
      }
    }
    queries.set(queryId, queryText);
    qrels.set(queryId, judged);
    candidates.set(queryId, labelBlindOrder(queryId, judged.keys()));
  }
  if (queries.size === 0)
    throw new InputError("no queries (expected one JSON object per line)", { file: path });
  // Documents sit inside JSON arrays, and MTEB sets are small: their texts stay in memory.
  return {
    queries,
    docs: DocStore.inMemory(docs),
    qrels,
    candidates,
    candidatesSource: "mteb",
    files: [path],
    warnings: [],
  };
}

function documentList(obj: JsonObject, field: string, file: string, line: number): string[] {
  const value = obj[field];
  if (!Array.isArray(value)) {
    const reason = value === undefined ? "missing" : `expected an array of strings, got ${typeof value}`;
    throw new InputError(value === undefined ? `${reason} (expected an array of strings)` : reason, {
      file,
      line,
      field,
    });
  }
  for (const [i, item] of value.entries())
    if (typeof item !== "string" || item.trim() === "")
      throw new InputError(`item ${i} is ${typeof item === "string" ? "empty" : "not a string"}`, {
        file,
        line,
        field,
      });
  return value as string[];
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
