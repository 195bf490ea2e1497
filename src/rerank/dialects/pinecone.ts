/**
 * Pinecone Inference `POST /rerank` (api-dialects §7): object documents ranked on `text`, key in
 * `Api-Key`, and a required `X-Pinecone-Api-Version` (option `pineconeApiVersion`). Documents are
 * echoed by default, hence `return_documents:false`. Option `truncate` ("END" | "NONE") goes in
 * `parameters`, where Pinecone keeps model-specific settings.
 */
import type { Dialect } from "../types.js";
import { extractErrorMessage, indexedAnswer, rerankUnitsUsage, withOptional } from "./common.js";

const API_VERSION = "2025-10";

export const pinecone: Dialect = {
  name: "pinecone",
  buildRequest(req) {
    const documents = req.documents.map((text) => ({ text }));
    const body = withOptional({ model: req.model, query: req.query, documents }, "top_n", req.topN);
    body.return_documents = false;
    const { truncate, pineconeApiVersion } = req.options;
    if (typeof truncate === "string") body.parameters = { truncate };
    const version = typeof pineconeApiVersion === "string" ? pineconeApiVersion : API_VERSION;
    return { body, headers: { "X-Pinecone-Api-Version": version } };
  },
  parseResponse: (body) => indexedAnswer(body, "data", "score", rerankUnitsUsage),
  errorMessage: extractErrorMessage,
  defaults: {
    endpoint: "https://api.pinecone.io/rerank",
    apiKeyEnv: "PINECONE_API_KEY",
    auth: { header: "Api-Key" },
    supportsTopN: true,
    // bge-reranker-v2-m3 and pinecone-rerank-v0 take 100 (cohere-rerank-3.5 takes 200).
    maxDocsPerRequest: 100,
    scoreKind: "probability",
    pointwise: true,
  },
};
