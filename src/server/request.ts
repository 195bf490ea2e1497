import type { IncomingMessage } from "node:http";
import { isModel, MODELS, type ModelName } from "./models.js";

/** Which wire format a route speaks: regolo's (LiteLLM-fronted vLLM) or Cohere v2's. */
export type RouteDialect = "regolo" | "cohere";

export interface RerankRequest {
  model: ModelName;
  query: string;
  documents: string[];
  /** Validated positive integer, not yet clamped to the document count. */
  topN?: number;
  /**
   * No string parsed from the body needs escaping in JSON, so the answer writes the documents as they
   * are (regoloAnswerText): a body without a backslash holds no escape, JSON.parse refuses raw control
   * characters and quotes inside a string, and UTF-8 decoding turns encoded surrogates into U+FFFD.
   * One memchr instead of a scan of every document, done here so the body need not outlive the parse.
   */
  plainStrings: boolean;
}

/** A request the server refuses; the route renders it in its dialect's error shape. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

/** The client hung up or the socket failed while we were reading: there is nobody to answer. */
export class ClientGone extends Error {}

/**
 * Reads the whole body, refusing (413) as soon as it is known to exceed `maxBytes`: from
 * Content-Length when given, otherwise while streaming, so an oversized upload is never buffered.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new RequestError(413, "payload_too_large", `request body exceeds the limit of ${maxBytes} bytes`);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onGone = () => {
      cleanup();
      reject(new ClientGone("client disconnected before the body was complete"));
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("aborted", onGone);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onGone);
    req.on("aborted", onGone);
  });
}

// Cohere v2 answers 422 for fields it does not know (api-dialects.md §3); these are the ones it knows.
const COHERE_V2_FIELDS = new Set(["model", "query", "documents", "top_n", "max_tokens_per_doc", "priority"]);

/**
 * Validates a rerank body as the real providers do. Regolo routes also take `{text}` objects as
 * documents (LiteLLM and vLLM accept them); Cohere v2 takes strings only and rejects empty ones.
 */
export function parseRerankRequest(raw: Buffer, dialect: RouteDialect, maxDocuments: number): RerankRequest {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new RequestError(400, "invalid_json", "request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new RequestError(400, "invalid_body", "request body must be a JSON object");
  }
  const b = body as Record<string, unknown>;
  if (dialect === "cohere") {
    for (const key of Object.keys(b)) {
      if (!COHERE_V2_FIELDS.has(key)) {
        throw new RequestError(
          422,
          "unknown_field",
          `unknown field: parameter '${key}' is not a valid field`,
          key,
        );
      }
    }
  }

  if (typeof b.model !== "string" || b.model === "") {
    throw new RequestError(
      400,
      "missing_model",
      "'model' is required and must be a non-empty string",
      "model",
    );
  }
  if (!isModel(b.model)) {
    throw new RequestError(
      404,
      "model_not_found",
      `model '${b.model}' not found; available: ${MODELS.join(", ")}`,
      "model",
    );
  }

  if (typeof b.query !== "string") {
    throw new RequestError(400, "missing_query", "'query' is required and must be a string", "query");
  }
  if (b.query.trim() === "") throw new RequestError(400, "empty_query", "'query' must not be empty", "query");

  const documents = parseDocuments(b.documents, dialect, maxDocuments);

  let topN: number | undefined;
  if (b.top_n !== undefined && b.top_n !== null) {
    if (typeof b.top_n !== "number" || !Number.isInteger(b.top_n) || b.top_n < 1) {
      throw new RequestError(400, "invalid_top_n", "'top_n' must be a positive integer", "top_n");
    }
    topN = b.top_n;
  }
  return { model: b.model, query: b.query, documents, topN, plainStrings: !raw.includes(0x5c) };
}

function parseDocuments(value: unknown, dialect: RouteDialect, maxDocuments: number): string[] {
  if (value === undefined || value === null) {
    throw new RequestError(400, "missing_documents", "'documents' is required", "documents");
  }
  if (!Array.isArray(value)) {
    throw new RequestError(400, "invalid_documents", "'documents' must be an array", "documents");
  }
  if (value.length === 0) {
    throw new RequestError(400, "empty_documents", "list of documents must not be empty", "documents");
  }
  if (value.length > maxDocuments) {
    throw new RequestError(
      400,
      "too_many_documents",
      `too many documents: ${value.length} > ${maxDocuments}`,
      "documents",
    );
  }
  const out = new Array<string>(value.length);
  for (let i = 0; i < value.length; i++) {
    const d = value[i];
    let text: string | undefined;
    if (typeof d === "string") text = d;
    else if (dialect === "regolo" && typeof d === "object" && d !== null && typeof d.text === "string") {
      text = d.text;
    }
    const param = `documents[${i}]`;
    if (text === undefined) {
      const want = dialect === "regolo" ? "a string or an object with a string 'text'" : "a string";
      throw new RequestError(400, "invalid_document", `document at index ${i} must be ${want}`, param);
    }
    if (dialect === "cohere" && text.trim() === "") {
      throw new RequestError(400, "empty_document", `document at index ${i} cannot be empty`, param);
    }
    out[i] = text;
  }
  return out;
}
