/**
 * Mixedbread `POST /v1/reranking` (api-dialects §6): documents go in `input`, the cut-off is
 * `top_k`, scores come back as `data[].score`.
 */
import type { Dialect } from "../types.js";
import { extractErrorMessage, indexedAnswer, tokenUsage, withOptional } from "./common.js";

export const mixedbread: Dialect = {
  name: "mixedbread",
  buildRequest(req) {
    const body = withOptional(
      { model: req.model, query: req.query, input: req.documents },
      "top_k",
      req.topN,
    );
    body.return_input = false;
    return { body };
  },
  parseResponse: (body) => indexedAnswer(body, "data", "score", tokenUsage),
  errorMessage: extractErrorMessage,
  defaults: {
    endpoint: "https://api.mixedbread.com/v1/reranking",
    apiKeyEnv: "MXBAI_API_KEY",
    auth: "bearer",
    supportsTopN: true,
    maxDocsPerRequest: 1000,
    // The docs never say what the score means (§18.3: unknown).
    scoreKind: "unknown",
    pointwise: true,
  },
};
