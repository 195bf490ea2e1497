/**
 * Hugging Face text-embeddings-inference `POST /rerank` (api-dialects §10): `texts`, no model and
 * no top_n, a bare JSON array back, token usage in the `x-compute-tokens` header. `raw_scores:false`
 * is sent explicitly so the score is the sigmoid probability whatever the server's default becomes. Option `truncate` (boolean) is sent
 * only when set; the server's --auto-truncate decides otherwise.
 */
import type { Dialect } from "../types.js";
import { extractErrorMessage, readIndexedScores } from "./common.js";

export const tei: Dialect = {
  name: "tei",
  buildRequest(req) {
    const body: Record<string, unknown> = { query: req.query, texts: req.documents, raw_scores: false };
    if (typeof req.options.truncate === "boolean") body.truncate = req.options.truncate;
    return { body };
  },
  parseResponse: (body) => ({ items: readIndexedScores(body, "", "index", "score") }),
  // The bare-array answer has no room for usage: TEI reports the tokens it computed in a header.
  usageFromHeaders(headers) {
    const value = headers["x-compute-tokens"];
    const tokens = Number(Array.isArray(value) ? value[0] : value);
    return value !== undefined && Number.isInteger(tokens) && tokens >= 0
      ? { totalTokens: tokens }
      : undefined;
  },
  errorMessage: extractErrorMessage,
  defaults: {
    // Self-hosted: no public endpoint, and no key unless the server runs with --api-key.
    auth: "bearer",
    supportsTopN: false,
    // --max-client-batch-size and --payload-limit defaults.
    maxDocsPerRequest: 32,
    maxRequestBytes: 2_000_000,
    scoreKind: "probability",
    pointwise: true,
  },
};
