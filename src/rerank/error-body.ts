/**
 * The provider's own error message out of an error body, whatever its shape (§18.4 rule 7):
 * `{message}` (Cohere), `{detail}` (Voyage, Jina), `{error:{message}}` (OpenAI-style: vLLM, llama.cpp,
 * LiteLLM, Infinity, Pinecone), `{error, error_type}` (TEI), or plain text.
 */

const MAX_MESSAGE_CHARS = 300;

export function extractProviderMessage(body: unknown, text: string): string | undefined {
  const found = fromJson(body) ?? (text.trim() === "" ? undefined : text);
  return found === undefined ? undefined : oneLine(found);
}

function fromJson(body: unknown): string | undefined {
  if (body === null || typeof body !== "object") return typeof body === "string" ? body : undefined;
  const b = body as Record<string, unknown>;
  const error = b.error;
  if (error && typeof error === "object") {
    const nested = (error as Record<string, unknown>).message;
    if (typeof nested === "string") return nested;
  }
  if (typeof error === "string") return error;
  if (typeof b.message === "string") return b.message;
  const detail = b.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    // FastAPI validation errors: [{loc, msg, type}]
    const messages = detail.map((d) => (d as { msg?: unknown })?.msg).filter((m) => typeof m === "string");
    if (messages.length) return messages.join("; ");
  }
  return undefined;
}

export function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_MESSAGE_CHARS ? `${flat.slice(0, MAX_MESSAGE_CHARS)}…` : flat;
}
