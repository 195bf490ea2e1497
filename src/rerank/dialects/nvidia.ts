/**
 * NVIDIA NIM / NeMo Retriever `POST /v1/ranking` (api-dialects §8). The query and passages are
 * `{text}` objects, there is no top_n (the client cuts), and the answer is a raw logit. Hosted URLs
 * are per model, so there is no default endpoint: the user passes --endpoint. Option `truncate`
 * ("END" | "NONE") is sent only when set; the server's default NONE makes over-long input an error.
 */
import type { Dialect } from "../types.js";
import { extractErrorMessage, indexedAnswer, tokenUsage } from "./common.js";

export const nvidia: Dialect = {
  name: "nvidia",
  buildRequest(req) {
    const body: Record<string, unknown> = {
      model: req.model,
      query: { text: req.query },
      passages: req.documents.map((text) => ({ text })),
    };
    if (typeof req.options.truncate === "string") body.truncate = req.options.truncate;
    return { body };
  },
  parseResponse: (body) => indexedAnswer(body, "rankings", "logit", tokenUsage),
  errorMessage: extractErrorMessage,
  defaults: {
    apiKeyEnv: "NVIDIA_API_KEY",
    auth: "bearer",
    supportsTopN: false,
    // No HTTP cap is published (the gRPC variant takes 1–512 passages).
    scoreKind: "logit",
    pointwise: true,
  },
};
