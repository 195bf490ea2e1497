/**
 * Cohere Rerank v1 (api-dialects §2). Same answer as v2; `return_documents:false` is sent
 * explicitly because echoed text is never used (we map back through `index`).
 */
import type { Dialect } from "../types.js";
import { cohereMetaUsage, cohereStyle } from "./common.js";

export const cohereV1: Dialect = {
  name: "cohere-v1",
  ...cohereStyle(cohereMetaUsage, { return_documents: false }),
  defaults: {
    endpoint: "https://api.cohere.com/v1/rerank",
    apiKeyEnv: "COHERE_API_KEY",
    // Cohere's SDKs read CO_API_KEY.
    apiKeyAliases: ["CO_API_KEY"],
    auth: "bearer",
    supportsTopN: true,
    maxDocsPerRequest: 1000,
    scoreKind: "probability",
    pointwise: true,
  },
};
