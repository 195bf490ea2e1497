/**
 * LiteLLM proxy `POST /rerank` (api-dialects §15): Cohere-style request and answer; usage, when
 * the backend reports it, sits in `meta.billed_units` / `meta.tokens`, and `meta` may be null.
 */
import type { Dialect } from "../types.js";
import { cohereMetaUsage, cohereStyle } from "./common.js";

export const litellm: Dialect = {
  name: "litellm",
  ...cohereStyle(cohereMetaUsage),
  defaults: {
    // A self-hosted proxy: its key is whatever the operator configured, so none is assumed; pass
    // --api-key-env (e.g. LITELLM_API_KEY) when the proxy requires one.
    auth: "bearer",
    supportsTopN: true,
    // The score is whatever the backend behind the proxy returns.
    scoreKind: "unknown",
    pointwise: true,
  },
};
