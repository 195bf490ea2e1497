/**
 * Infinity `POST /rerank` (api-dialects §13): Cohere-style with `return_documents:false`, and a
 * sigmoid score unless `raw_scores` is asked for (never, here).
 */
import type { Dialect } from "../types.js";
import { cohereStyle, tokenUsage } from "./common.js";

export const infinity: Dialect = {
  name: "infinity",
  ...cohereStyle(tokenUsage, { return_documents: false }),
  defaults: {
    auth: "bearer",
    supportsTopN: true,
    // The server's default max_client_batch_size.
    maxDocsPerRequest: 2048,
    scoreKind: "probability",
    pointwise: true,
  },
};
