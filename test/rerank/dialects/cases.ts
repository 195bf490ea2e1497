/**
 * One row per dialect: the exact request it must send and an answer in that provider's documented
 * shape (api-dialects.md), realistic extra fields included. Shared by the unit and HTTP tests.
 */
import type { RerankUsage } from "../../../src/rerank/types.js";

export const QUERY = "What is the capital of the United States?";
export const DOCS = [
  "Carson City is the capital city of the American state of Nevada.",
  "The Commonwealth of the Northern Mariana Islands is a group of islands in the Pacific Ocean. Its capital is Saipan.",
  "Washington, D.C. is the capital of the United States.",
  "Capital punishment has existed in the United States since before it was a country.",
];
export const MODEL = "test-model";

/** The provider's ranking of DOCS, best first: [index, score]. */
export type Ranking = [number, number][];
export const PROBABILITIES: Ranking = [
  [2, 0.98],
  [0, 0.41],
  [3, 0.35],
  [1, 0.07],
];
export const LOGITS: Ranking = [
  [2, 5.26],
  [0, -1.24],
  [3, -3.1],
  [1, -8.24],
];

export interface ProviderCase {
  provider: string;
  /** The route the test server is reached on (the endpoint passed is server URL + path). */
  path: string;
  /** The conventional key variable; undefined for self-hosted servers that need no key. */
  keyEnv?: string;
  /** How the key must arrive: the header name and its value for key `k`. */
  auth: { header: string; value: (key: string) => string };
  /** Headers the dialect must add besides auth and content-type. */
  headers?: Record<string, string>;
  options?: Record<string, unknown>;
  /** The exact JSON body for DOCS and an optional top_n. */
  body(topN?: number): Record<string, unknown>;
  ranking: Ranking;
  /** Does the provider honour a cut-off itself (otherwise the answer holds every document)? */
  cuts: boolean;
  /** The provider's answer for the given (already cut) ranking. */
  answer(ranking: Ranking): unknown;
  /** Headers of the provider's answer, where it reports something there (TEI's usage). */
  answerHeaders?: Record<string, string>;
  /** Usage as the client reports it (from the body, or from answerHeaders). */
  usage?: RerankUsage;
  providerId?: string;
  model?: string;
  /** A 400 body in the provider's documented error shape, carrying `message`. */
  error(message: string): unknown;
}

const bearer = { header: "authorization", value: (k: string) => `Bearer ${k}` };
const withTopN = (body: Record<string, unknown>, key: string, topN?: number) =>
  topN === undefined ? body : { ...body, [key]: topN };
const cohereBody = (topN?: number) =>
  withTopN({ model: MODEL, query: QUERY, documents: DOCS }, "top_n", topN);
const results = (r: Ranking) => r.map(([index, relevance_score]) => ({ index, relevance_score }));
const openAiError = (message: string) => ({
  error: { message, type: "invalid_request_error", param: null, code: "400" },
});
const tokens = { prompt_tokens: 161, total_tokens: 161 };

export const CASES: ProviderCase[] = [
  {
    provider: "regolo",
    path: "/rerank",
    keyEnv: "REGOLO_API_KEY",
    auth: bearer,
    body: cohereBody,
    ranking: PROBABILITIES,
    cuts: true,
    answer: (r) => ({
      id: "rerank-0123456789abcdef",
      results: r.map(([index, s]) => ({ index, relevance_score: s, document: { text: DOCS[index] } })),
      meta: null,
    }),
    providerId: "rerank-0123456789abcdef",
    error: openAiError,
  },
  {
    provider: "cohere",
    path: "/v2/rerank",
    keyEnv: "COHERE_API_KEY",
    auth: bearer,
    body: cohereBody,
    ranking: PROBABILITIES,
    cuts: true,
    answer: (r) => ({
      id: "07734bd2-2473-4f07-94e1-0d9f0e6843cf",
      results: results(r),
      meta: { api_version: { version: "2", is_experimental: false }, billed_units: { search_units: 1 } },
    }),
    usage: { searchUnits: 1 },
    providerId: "07734bd2-2473-4f07-94e1-0d9f0e6843cf",
    error: (message) => ({ id: "c0ffee", message }),
  },
  {
    provider: "cohere-v1",
    path: "/v1/rerank",
    keyEnv: "COHERE_API_KEY",
    auth: bearer,
    body: (topN) => ({ ...cohereBody(topN), return_documents: false }),
    ranking: PROBABILITIES,
    cuts: true,
    answer: (r) => ({
      id: "v1-answer",
      results: results(r),
      meta: {
        api_version: { version: "1", is_deprecated: true },
        billed_units: { search_units: 2 },
        warnings: [],
      },
    }),
    usage: { searchUnits: 2 },
    providerId: "v1-answer",
    error: (message) => ({ message }),
  },
  {
    provider: "jina",
    path: "/v1/rerank",
    keyEnv: "JINA_API_KEY",
    auth: bearer,
    body: (topN) => ({ ...cohereBody(topN), return_documents: false }),
    ranking: PROBABILITIES,
    cuts: true,
    answer: (r) => ({
      model: "jina-reranker-v2-base-multilingual",
      object: "list",
      usage: { total_tokens: 87 },
      results: r.map(([index, s]) => ({ index, relevance_score: s, document: null })),
    }),
    usage: { totalTokens: 87 },
    model: "jina-reranker-v2-base-multilingual",
    error: (message) => ({ code: "INPUT_MODEL_NOT_FOUND", detail: message, request_id: "req-1" }),
  },
  {
    provider: "voyage",
    path: "/v1/rerank",
    keyEnv: "VOYAGE_API_KEY",
    auth: bearer,
    body: (topN) => ({
      ...withTopN({ model: MODEL, query: QUERY, documents: DOCS }, "top_k", topN),
      return_documents: false,
    }),
    ranking: PROBABILITIES,
    cuts: true,
    answer: (r) => ({ object: "list", data: results(r), model: "rerank-2.5", usage: { total_tokens: 90 } }),
    usage: { totalTokens: 90 },
    model: "rerank-2.5",
    error: (message) => ({ detail: message }),
  },
  {
    provider: "mixedbread",
    path: "/v1/reranking",
    keyEnv: "MXBAI_API_KEY",
    auth: bearer,
    body: (topN) => ({
      ...withTopN({ model: MODEL, query: QUERY, input: DOCS }, "top_k", topN),
      return_input: false,
    }),
    ranking: PROBABILITIES,
    cuts: true,
    answer: (r) => ({
      model: "mixedbread-ai/mxbai-rerank-large-v2",
      object: "list",
      data: r.map(([index, score]) => ({ index, score, object: "rank_result", input: null })),
      usage: { prompt_tokens: 120, total_tokens: 120, completion_tokens: 0 },
      top_k: r.length,
      return_input: false,
    }),
    usage: { promptTokens: 120, totalTokens: 120 },
    model: "mixedbread-ai/mxbai-rerank-large-v2",
    error: (message) => ({ type: "bad_request_error", message, details: null }),
  },
  {
    provider: "pinecone",
    path: "/rerank",
    keyEnv: "PINECONE_API_KEY",
    auth: { header: "api-key", value: (k) => k },
    headers: { "x-pinecone-api-version": "2025-10" },
    body: (topN) => ({
      ...withTopN({ model: MODEL, query: QUERY, documents: DOCS.map((text) => ({ text })) }, "top_n", topN),
      return_documents: false,
    }),
    ranking: PROBABILITIES,
    cuts: true,
    answer: (r) => ({
      model: "bge-reranker-v2-m3",
      data: r.map(([index, score]) => ({ index, score })),
      usage: { rerank_units: 1 },
    }),
    usage: { rerankUnits: 1 },
    model: "bge-reranker-v2-m3",
    error: (message) => ({ error: { code: "INVALID_ARGUMENT", message }, status: 400 }),
  },
  {
    provider: "nvidia",
    path: "/v1/ranking",
    keyEnv: "NVIDIA_API_KEY",
    auth: bearer,
    body: () => ({ model: MODEL, query: { text: QUERY }, passages: DOCS.map((text) => ({ text })) }),
    ranking: LOGITS,
    cuts: false,
    answer: (r) => ({ rankings: r.map(([index, logit]) => ({ index, logit })), usage: tokens }),
    usage: { promptTokens: 161, totalTokens: 161 },
    error: (message) => ({ detail: message }),
  },
  {
    provider: "tei",
    path: "/rerank",
    auth: bearer,
    body: () => ({ query: QUERY, texts: DOCS, raw_scores: false }),
    ranking: PROBABILITIES,
    cuts: false,
    answer: (r) => r.map(([index, score]) => ({ index, score })),
    answerHeaders: { "x-compute-type": "cpu", "x-compute-tokens": "161", "x-total-time": "12" },
    usage: { totalTokens: 161 },
    error: (message) => ({ error: message, error_type: "validation" }),
  },
  {
    provider: "vllm",
    path: "/rerank",
    auth: bearer,
    body: cohereBody,
    ranking: PROBABILITIES,
    cuts: true,
    answer: (r) => ({
      id: "score-9f1c",
      model: "BAAI/bge-reranker-v2-m3",
      usage: tokens,
      results: r.map(([index, s]) => ({ index, document: { text: DOCS[index] }, relevance_score: s })),
    }),
    usage: { promptTokens: 161, totalTokens: 161 },
    providerId: "score-9f1c",
    model: "BAAI/bge-reranker-v2-m3",
    error: (message) => ({ error: { message, type: "BadRequestError", param: null, code: 400 } }),
  },
  {
    provider: "vllm-score",
    path: "/score",
    auth: bearer,
    body: () => ({ model: MODEL, queries: QUERY, documents: DOCS }),
    ranking: PROBABILITIES,
    cuts: false,
    // /score answers in INPUT order: the client must sort.
    answer: (r) => ({
      id: "score-1",
      object: "list",
      created: 1764300000,
      model: "BAAI/bge-reranker-v2-m3",
      data: [...r].sort((a, b) => a[0] - b[0]).map(([index, score]) => ({ index, object: "score", score })),
      usage: tokens,
    }),
    usage: { promptTokens: 161, totalTokens: 161 },
    providerId: "score-1",
    model: "BAAI/bge-reranker-v2-m3",
    error: (message) => ({ object: "error", message, type: "BadRequestError", param: null, code: 400 }),
  },
  {
    provider: "llamacpp",
    path: "/rerank",
    auth: bearer,
    body: cohereBody,
    ranking: LOGITS,
    cuts: true,
    answer: (r) => ({ model: MODEL, object: "list", usage: tokens, results: results(r) }),
    usage: { promptTokens: 161, totalTokens: 161 },
    model: MODEL,
    error: (message) => ({ error: { code: 400, message, type: "invalid_request_error" } }),
  },
  {
    provider: "infinity",
    path: "/rerank",
    auth: bearer,
    body: (topN) => ({ ...cohereBody(topN), return_documents: false }),
    ranking: PROBABILITIES,
    cuts: true,
    answer: (r) => ({
      object: "rerank",
      results: r.map(([index, s]) => ({ relevance_score: s, index, document: null })),
      model: "mixedbread-ai/mxbai-rerank-xsmall-v1",
      usage: tokens,
      id: "infinity-4d4e6f1a",
      created: 1764300000,
    }),
    usage: { promptTokens: 161, totalTokens: 161 },
    providerId: "infinity-4d4e6f1a",
    model: "mixedbread-ai/mxbai-rerank-xsmall-v1",
    error: (message) => ({ error: { message, type: "invalid_request_error", code: 400 } }),
  },
  {
    provider: "litellm",
    path: "/v1/rerank",
    auth: bearer,
    body: cohereBody,
    ranking: PROBABILITIES,
    cuts: true,
    answer: (r) => ({
      id: "litellm-1",
      results: results(r),
      meta: {
        api_version: null,
        billed_units: { search_units: 1, total_tokens: 44 },
        tokens: { input_tokens: 44, output_tokens: 0 },
      },
    }),
    usage: { searchUnits: 1, totalTokens: 44, promptTokens: 44 },
    providerId: "litellm-1",
    error: openAiError,
  },
  {
    provider: "generic",
    path: "/api/score-passages",
    auth: bearer,
    options: {
      queryField: "input.question",
      documentsField: "input.passages",
      topNField: "k",
      modelField: "engine",
      resultsPath: "output.ranking",
      indexField: "doc",
      scoreField: "value",
      extraBody: { mode: "fast" },
    },
    body: (topN) =>
      withTopN({ mode: "fast", engine: MODEL, input: { question: QUERY, passages: DOCS } }, "k", topN),
    ranking: PROBABILITIES,
    cuts: true,
    answer: (r) => ({ output: { ranking: r.map(([doc, value]) => ({ doc, value })) }, took_ms: 3 }),
    error: (message) => ({ error: { message } }),
  },
];
