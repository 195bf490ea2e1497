/**
 * Infinity `POST /rerank` (api-dialects §13): Cohere-style with `return_documents:false`, and a
 * sigmoid score unless `raw_scores` is asked for (never, here).
 */
import type { Dialect } from "../types.js";
import { cohereStyleBody, extractErrorMessage, indexedAnswer, tokenUsage } from "./common.js";

export const infinity: Dialect = {
  name: "infinity",
  buildRequest: (req) => ({ body: { ...cohereStyleBody(req), return_documents: false } }),
  parseResponse: (body) => indexedAnswer(body, "results", "relevance_score", tokenUsage),
  errorMessage: extractErrorMessage,
  defaults: {
    auth: "bearer",
    supportsTopN: true,
    // The server's default max_client_batch_size.
    maxDocsPerRequest: 2048,
    scoreKind: "probability",
    pointwise: true,
  },
};
