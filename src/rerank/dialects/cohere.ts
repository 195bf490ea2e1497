/**
 * Cohere Rerank v2 (api-dialects §3). v2 takes string documents only and rejects unknown fields
 * with 422, so the body is exactly `{model, query, documents, top_n?}`.
 */
import type { Dialect } from "../types.js";
import { cohereMetaUsage, cohereStyle } from "./common.js";

export const cohere: Dialect = {
  name: "cohere",
  ...cohereStyle(cohereMetaUsage),
  defaults: {
    endpoint: "https://api.cohere.com/v2/rerank",
    apiKeyEnv: "COHERE_API_KEY",
    // Cohere's SDKs read CO_API_KEY.
    apiKeyAliases: ["CO_API_KEY"],
    auth: "bearer",
    supportsTopN: true,
    // 1,000 is Cohere's recommendation; the hard limit is 10,000.
    maxDocsPerRequest: 1000,
    scoreKind: "probability",
    pointwise: true,
  },
};
