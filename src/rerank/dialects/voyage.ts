/**
 * Voyage `POST /v1/rerank` (api-dialects §5): `top_k` instead of `top_n` and `data` instead of
 * `results`. `truncation` is sent only when the caller chose it (option `truncation`), because
 * the provider's default (true) is what users expect unless they ask for strict mode.
 */
import type { Dialect } from "../types.js";
import { extractErrorMessage, indexedAnswer, tokenUsage, withOptional } from "./common.js";

export const voyage: Dialect = {
  name: "voyage",
  buildRequest(req) {
    const body = withOptional(
      { model: req.model, query: req.query, documents: req.documents },
      "top_k",
      req.topN,
    );
    body.return_documents = false;
    const truncation = req.options.truncation;
    return {
      body: withOptional(body, "truncation", typeof truncation === "boolean" ? truncation : undefined),
    };
  },
  parseResponse: (body) => indexedAnswer(body, "data", "relevance_score", tokenUsage),
  errorMessage: extractErrorMessage,
  defaults: {
    endpoint: "https://api.voyageai.com/v1/rerank",
    apiKeyEnv: "VOYAGE_API_KEY",
    auth: "bearer",
    supportsTopN: true,
    maxDocsPerRequest: 1000,
    // Range not specified; only the examples lie in [0, 1] (§5 Score).
    scoreKind: "unknown",
    pointwise: true,
  },
};
