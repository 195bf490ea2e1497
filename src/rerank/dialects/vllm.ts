/**
 * vLLM `POST /rerank` (api-dialects §11). vLLM ignores unknown fields silently, so sending only
 * what it reads keeps the request honest; `top_n` is omitted when unset because 0 means "all".
 */
import type { Dialect } from "../types.js";
import { cohereStyle, tokenUsage } from "./common.js";

export const vllm: Dialect = {
  name: "vllm",
  ...cohereStyle(tokenUsage),
  defaults: {
    auth: "bearer",
    supportsTopN: true,
    // Sigmoid activation is on by default for cross-encoders and Qwen3 with its overrides.
    scoreKind: "probability",
    pointwise: true,
  },
};
