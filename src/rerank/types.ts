/**
 * The rerank client's contracts (api-dialects.md §18). Nothing downstream of src/rerank sees a
 * dialect: only RerankResult.
 */

/**
 * What `score` means, claimed only where the provider documents it (api-dialects.md):
 * - probability: documented in [0, 1] and comparable across calls (Cohere, regolo's Qwen3 reranker);
 * - logit: documented as a raw logit (NVIDIA NIM), comparable across calls, sigmoid gives [0, 1];
 * - relative: known to order one call's documents and mean nothing beyond it (the embedded server's
 *   scorers: BM25 and TF-IDF take their statistics from the request's own documents);
 * - unknown: nothing documented for this endpoint (a range not stated, a server of the user's own).
 */
export type ScoreKind = "probability" | "logit" | "relative" | "unknown";

/**
 * What the client noticed about an answer or did to a call, typed so doctor and the report count by
 * code instead of matching text. `detail` is the human sentence (it may carry numbers: "top_n
 * clamped 10->8"); `code` is the stable key.
 */
export type NoteCode =
  | "unsorted" // the answer was not sorted by score; re-sorted client-side
  | "over-top-n" // the provider returned more items than top_n; cut client-side
  | "clamped" // top_n larger than the documents; clamped
  | "chunked" // candidates split over several requests; merged by score
  | "merge-warning" // merged scores may not be comparable (listwise, or unknown score kind)
  | "index-recovered" // the answer carried no index; recovered by text match
  | "empty-skipped" // empty documents filtered out before sending
  | "top-n-client-side" // the API has no top_n; cut client-side
  | "partial-answer" // the answer ranked fewer documents than were sent
  | "qwen3-format"; // the Qwen3 instruction format was applied

export interface RerankNote {
  code: NoteCode;
  detail: string;
}

export interface RerankItem {
  /** 0-based position in the ORIGINAL documents array passed to rerank() (before filtering). */
  index: number;
  /** As returned by the provider, never rescaled. */
  score: number;
}

export interface RerankUsage {
  totalTokens?: number;
  promptTokens?: number;
  searchUnits?: number;
  rerankUnits?: number;
}

export interface RerankResult {
  /** Sorted by score desc, ties by index asc; length <= topN. */
  items: RerankItem[];
  scoreKind: ScoreKind;
  usage?: RerankUsage;
  /** Response id, opaque. */
  providerId?: string;
  model?: string;
  /** e.g. {code: "clamped", detail: "top_n clamped 50->12"}; at most one note per (code, detail). */
  notes: RerankNote[];
  /** One entry per HTTP attempt over all requests of this call (chunks included), in ms. */
  attemptLatenciesMs: number[];
  /** HTTP attempts made (sum over chunks). 0 when no call was needed (no documents). */
  attempts: number;
  /** Wall time of the whole rerank() call, retries and back-off included, in ms. */
  latencyMs: number;
  /** Number of HTTP requests (chunks) that made up this call. */
  requests: number;
  /** Set by the response cache (src/rerank/cache) on an answer it served without a call; the client never sets it. */
  cached?: true;
}

export interface RerankOptions {
  topN?: number;
  signal?: AbortSignal;
  /**
   * Called once per 429 answer, before the client waits, with the pause the server asked for
   * (Retry-After, retry-after-ms or Mixedbread's details.retry_after, in ms) or undefined: the hook
   * for a caller that adapts its concurrency to the provider's rate limit.
   */
  onRateLimited?: (retryAfterMs: number | undefined) => void;
}

export interface Reranker {
  readonly provider: string;
  readonly model: string;
  readonly endpoint: string;
  /** The variable the key is read from (a name, safe to print); undefined when no key is sent. */
  readonly apiKeyEnv?: string;
  rerank(query: string, documents: string[], options?: RerankOptions): Promise<RerankResult>;
  /**
   * Checks, plans and encodes a call once, for a caller that sends the same payload again and again
   * (the load sender); throws what rerank() would reject with for the same arguments.
   */
  prepare(query: string, documents: string[], topN?: number): PreparedCall;
  /** Sends a call this reranker prepared: the same as rerank() with the arguments given to prepare(). */
  send(call: PreparedCall, options?: Omit<RerankOptions, "topN">): Promise<RerankResult>;
  close(): Promise<void>;
}

/** A call made ready by Reranker.prepare: what it was asked (a copy), to send any number of times. */
export interface PreparedCall {
  readonly query: string;
  readonly documents: readonly string[];
  readonly topN?: number;
}

export interface RerankerConfig {
  /** Provider (dialect) name: regolo (default), cohere, cohere-v1, jina, voyage, mixedbread, pinecone, nvidia, tei, vllm, vllm-score, llamacpp, infinity, litellm, generic. */
  provider?: string;
  /** Full URL of the rerank route; defaults to the provider's public endpoint. */
  endpoint?: string;
  model: string;
  /** Name of the environment variable holding the key; defaults per provider. */
  apiKeyEnv?: string;
  /** Retries after a 5xx, 408, 499 or network failure (default 3; 0 disables); 429s have rateLimitWaitMs. */
  retries?: number;
  /** Deadline of each attempt, ms: connect, headers and the whole body (default 60_000). */
  timeoutMs?: number;
  /** Deadline of each rerank() call across its attempts and waits, ms (default 600_000). */
  taskTimeoutMs?: number;
  /**
   * Time a request may spend waiting out 429s, ms, summed over its waits (default 300_000); each
   * wait honours Retry-After up to 120 s (a longer ask fails the call), else jittered back-off.
   */
  rateLimitWaitMs?: number;
  /** Largest answer body read, bytes (default 64 MiB); a larger answer fails the call (kind too-large). */
  maxAnswerBytes?: number;
  /** undici's connect timeout, and its idle timeouts (headers, between body chunks), in ms. */
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** At most this many connections to the endpoint (default unbounded); a call finding all busy waits for one. */
  connections?: number;
  /** Upper bound for one back-off delay, ms (default 20_000). */
  maxBackoffMs?: number;
  /** Base for exponential back-off, ms (default 250). */
  baseBackoffMs?: number;
  maxDocsPerRequest?: number;
  maxRequestBytes?: number;
  /** Wrap query/documents in Qwen3 reranker instruction tags. Off by default. */
  qwen3Instruction?: boolean | string;
  /** Provider-specific extras (generic field paths, Pinecone API version, truncation, …). */
  options?: Record<string, unknown>;
  /** For tests: an environment to read keys from instead of process.env. */
  env?: Record<string, string | undefined>;
}

/** What a dialect file sees of a call (after empty documents were filtered). */
export interface DialectRequest {
  model: string;
  query: string;
  documents: string[];
  /** Already clamped to documents.length; undefined when unset. */
  topN?: number;
  options: Record<string, unknown>;
}

export interface BuiltRequest {
  body: unknown;
  /** Extra headers beyond content-type and auth. */
  headers?: Record<string, string>;
}

export interface ParsedAnswer {
  /**
   * Indices into the request's documents array (as sent), raw scores, in answer order: objects of
   * their own with these two fields only, which the client takes over (it maps each index in place).
   */
  items: { index: number; score: number }[];
  usage?: RerankUsage;
  providerId?: string;
  model?: string;
  notes?: RerankNote[];
}

export interface DialectDefaults {
  /** Public endpoint (full URL of the rerank route), when the provider has one. */
  endpoint?: string;
  /** Conventional key variable; undefined for self-hosted servers that need none. */
  apiKeyEnv?: string;
  /**
   * Other variables the provider's own SDK reads the same key from (Cohere's CO_API_KEY). Never read
   * by this client; listed so a run redacts their values too (redact.ts).
   */
  apiKeyAliases?: readonly string[];
  /** How the key is sent: "bearer" (Authorization: Bearer) or a header name such as "Api-Key". */
  auth: "bearer" | { header: string };
  /** Does the API take a top_n-like cut-off? If not, the client cuts. */
  supportsTopN: boolean;
  maxDocsPerRequest?: number;
  maxRequestBytes?: number;
  /**
   * What the provider documents for its service (the `endpoint` above, when there is one; another
   * server speaking the dialect gets "unknown"), for a model that `scoreKindByModel` does not name.
   */
  scoreKind: ScoreKind;
  /** Models whose documented kind differs from `scoreKind` (regolo documents its Qwen3 reranker's). */
  scoreKindByModel?: readonly { model: RegExp; scoreKind: ScoreKind }[];
  /** Pointwise models can be merged across chunks by score. */
  pointwise: boolean;
}

/** One dialect file exports exactly one of these. */
export interface Dialect {
  name: string;
  buildRequest(req: DialectRequest): BuiltRequest;
  /** Throws ApiError(kind "malformed", field) on a contract violation. `sent` is the request documents. */
  parseResponse(body: unknown, req: DialectRequest): ParsedAnswer;
  /** Extract the provider's error message from an error body (defaults to a generic extractor). */
  errorMessage?(body: unknown): string | undefined;
  /** Usage the answer carries in headers rather than the body (TEI's x-compute-tokens). */
  usageFromHeaders?(headers: Record<string, string | string[] | undefined>): RerankUsage | undefined;
  defaults: DialectDefaults;
}
