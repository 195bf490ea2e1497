/** The response cache: a content-addressed store of raw successful answers and a Reranker that uses it. */
export { type AnswerIdentity, answerKey, keyEndpoint } from "./key.js";
export { type CacheMode, type CachingReranker, cachingReranker, OfflineMiss } from "./reranker.js";
export { AnswerStore, defaultCacheDir, type StoredAnswer } from "./store.js";
