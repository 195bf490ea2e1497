/**
 * regolo.ai `POST /rerank` (api-dialects §1): a LiteLLM proxy in front of vLLM. Two answer shapes
 * are accepted: the current one (`results[].index` + `relevance_score`, `meta: null`) and the seed
 * example of the old docs (`results[].document` + `score`, no index), whose index is recovered from
 * the echoed text because nothing else identifies the document.
 */
import { INDEX_RECOVERED_NOTE } from "../notes.js";
import type { Dialect, DialectRequest, ParsedAnswer } from "../types.js";
import {
  answerMeta,
  cohereStyleBody,
  extractErrorMessage,
  isObject,
  itemAt,
  numberField,
  readArray,
  readIndexedScores,
  recoverIndex,
  TextIndex,
} from "./common.js";

/** The old shape: no item carries an index, and each echoes its document. */
function isSeedShape(results: unknown[]): boolean {
  return results.length > 0 && results.every((r) => isObject(r) && !("index" in r) && "document" in r);
}

function parseSeedShape(results: unknown[], req: DialectRequest): ParsedAnswer["items"] {
  const texts = new TextIndex(req.documents);
  return results.map((_, i) => {
    const item = itemAt(results, i, "results");
    const index = recoverIndex(texts, item.document, `results[${i}].document`);
    return { index, score: numberField(item, "score", `results[${i}]`) };
  });
}

export const regolo: Dialect = {
  name: "regolo",
  buildRequest: (req) => ({ body: cohereStyleBody(req) }),
  parseResponse(body, req) {
    const results = readArray(body, "results");
    if (isSeedShape(results)) {
      return { items: parseSeedShape(results, req), ...answerMeta(body), notes: [INDEX_RECOVERED_NOTE] };
    }
    return { items: readIndexedScores(body, "results", "index", "relevance_score"), ...answerMeta(body) };
  },
  errorMessage: extractErrorMessage,
  defaults: {
    endpoint: "https://api.regolo.ai/rerank",
    apiKeyEnv: "REGOLO_API_KEY",
    auth: "bearer",
    supportsTopN: true,
    // No published cap; the docs only ask to split large candidate sets (§1 Limits).
    // The docs give a meaning only to Qwen3-Reranker-4B's score: P(yes) in [0, 1] (§1 Score, §16).
    scoreKind: "unknown",
    scoreKindByModel: [{ model: /^qwen3-reranker-/i, scoreKind: "probability" }],
    pointwise: true,
  },
};
