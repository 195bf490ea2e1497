/**
 * Splitting a candidate list over several requests when it exceeds the provider's per-request
 * document cap (TEI 32, Cohere/Voyage 1,000, …) or byte cap. Chunks are contiguous ranges of the
 * sent documents so indices map back by offset.
 */

export interface ChunkRange {
  start: number;
  end: number;
}

export interface ChunkLimits {
  maxDocs?: number;
  maxBytes?: number;
  /** Bytes of the request without any document (query, model, field names). */
  fixedBytes?: number;
}

/** Per-document framing: quotes, comma, and a `{"text":…}` wrapper some dialects add. */
const PER_DOCUMENT_OVERHEAD = 16;

export function documentBytes(document: string): number {
  return Buffer.byteLength(JSON.stringify(document)) + PER_DOCUMENT_OVERHEAD;
}

/**
 * Greedy contiguous split. A single document bigger than the byte budget gets a range of its own,
 * never a partial one and never an endless split; planCall (prepare.ts) then refuses it by policy.
 */
export function planChunks(documents: readonly string[], limits: ChunkLimits): ChunkRange[] {
  const maxDocs = limits.maxDocs && limits.maxDocs > 0 ? limits.maxDocs : Number.POSITIVE_INFINITY;
  const budget =
    limits.maxBytes && limits.maxBytes > 0
      ? limits.maxBytes - (limits.fixedBytes ?? 0)
      : Number.POSITIVE_INFINITY;
  const ranges: ChunkRange[] = [];
  if (budget === Number.POSITIVE_INFINITY) {
    // Count cap only: no need to serialise every document to measure it (the hot path).
    for (let start = 0; start < documents.length; start += maxDocs) {
      ranges.push({ start, end: Math.min(documents.length, start + maxDocs) });
    }
    return ranges;
  }
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < documents.length; i++) {
    const size = documentBytes(documents[i]);
    const full = i - start >= maxDocs || (i > start && bytes + size > budget);
    if (full) {
      ranges.push({ start, end: i });
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (documents.length > 0) ranges.push({ start, end: documents.length });
  return ranges;
}
