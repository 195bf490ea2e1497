/**
 * vLLM `POST /score` (api-dialects §11), in its documented 1:N form `{model, queries, documents}`
 * with a single query string. Builds that predate `queries` only read the legacy pair form: option
 * `legacyScoreFields: true` sends `{model, text_1, text_2}` instead. No cut-off field, and `data`
 * comes back in INPUT order, unsorted: the client sorts and cuts.
 */
import type { Dialect } from "../types.js";
import { extractErrorMessage, indexedAnswer, tokenUsage } from "./common.js";

export const vllmScore: Dialect = {
  name: "vllm-score",
  buildRequest(req) {
    const legacy = req.options.legacyScoreFields === true;
    return {
      body: legacy
        ? { model: req.model, text_1: req.query, text_2: req.documents }
        : { model: req.model, queries: req.query, documents: req.documents },
    };
  },
  parseResponse: (body) => indexedAnswer(body, "data", "score", tokenUsage),
  errorMessage: extractErrorMessage,
  defaults: {
    auth: "bearer",
    supportsTopN: false,
    scoreKind: "probability",
    pointwise: true,
  },
};
