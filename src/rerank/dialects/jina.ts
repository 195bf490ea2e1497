/**
 * Jina `POST /v1/rerank` (api-dialects §4). Documents are echoed by default, so
 * `return_documents:false` saves the bandwidth of every candidate coming back.
 */
import type { Dialect } from "../types.js";
import { cohereStyle, tokenUsage } from "./common.js";

export const jina: Dialect = {
  name: "jina",
  ...cohereStyle(tokenUsage, { return_documents: false }),
  defaults: {
    endpoint: "https://api.jina.ai/v1/rerank",
    apiKeyEnv: "JINA_API_KEY",
    auth: "bearer",
    supportsTopN: true,
    // No per-request cap is published (minItems 1 only).
    // The spec says only "higher is more relevant", with no range (§4 Score).
    scoreKind: "unknown",
    // jina-reranker-v3 (the current model) is listwise: a score depends on the other documents of
    // the call, so scores of separate chunks must not be merged as if comparable. v2/v1 models are
    // pointwise, but the dialect cannot see which one the endpoint serves; err on the safe side.
    pointwise: false,
  },
};
