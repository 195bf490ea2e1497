/**
 * `createReranker(config)`: the rerank client for a provider named in config (regolo by default).
 * Everything downstream sees only RerankResult (api-dialects.md §18).
 */
import { getDialect } from "./dialects/index.js";
import { createRerankerForDialect } from "./reranker.js";
import type { Reranker, RerankerConfig } from "./types.js";

export const DEFAULT_PROVIDER = "regolo";

export function createReranker(config: RerankerConfig): Reranker {
  const provider = config.provider ?? DEFAULT_PROVIDER;
  return createRerankerForDialect({ ...config, provider }, getDialect(provider));
}
