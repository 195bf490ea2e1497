/**
 * llama.cpp server `POST /rerank` in its Jina mode (api-dialects §12): `{model, query, documents,
 * top_n?}` and `results[].relevance_score`. Sending `documents` (not `texts`) keeps the server out
 * of its TEI mode, whose answer is a bare array.
 */
import type { Dialect } from "../types.js";
import { cohereStyle, tokenUsage } from "./common.js";

export const llamacpp: Dialect = {
  name: "llamacpp",
  ...cohereStyle(tokenUsage),
  defaults: {
    auth: "bearer",
    supportsTopN: true,
    // The score is the raw rank-pooling output: an unbounded logit for bge-style GGUFs, but an
    // already softmaxed P(yes) for the ggml-org Qwen3 reranker. The dialect cannot tell which,
    // so it claims neither (a sigmoid applied to the Qwen3 output would compress it to [0.5, 0.73]).
    scoreKind: "unknown",
    pointwise: true,
  },
};
