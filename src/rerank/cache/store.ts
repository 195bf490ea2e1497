/**
 * The response cache's store: raw successful rerank answers in a cacache folder (npm's own
 * content-addressed cache: content written to a temporary file and renamed into place, index lines
 * appended with their own checksum, so many writers at once, in one process or several, never
 * leave a half-written entry). Only what reproduces a RerankResult is stored (items, score kind,
 * usage, notes, model, response id): never a key, a header or a timing. A read that fails in any
 * way (missing content, a checksum mismatch, text that is not an answer) is a miss, counted.
 */
import cacache from "cacache";
import envPaths from "env-paths";
import { z } from "zod";
import type { RerankResult } from "../types.js";
import { KEY_VERSION } from "./key.js";

/**
 * The cache folder when none is given: $RERANK_EVAL_CACHE_DIR, else the user's cache folder for
 * rerank-eval (~/.cache/rerank-eval on Linux, $XDG_CACHE_HOME honoured; ~/Library/Caches on macOS).
 */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  return env.RERANK_EVAL_CACHE_DIR || envPaths("rerank-eval", { suffix: "" }).cache;
}

/** The part of a RerankResult that is the provider's answer (the rest is this call's timing). */
export type StoredAnswer = Pick<
  RerankResult,
  "items" | "scoreKind" | "usage" | "notes" | "model" | "providerId"
>;

const count = z.number().finite().min(0);
const AnswerSchema = z.object({
  v: z.literal(KEY_VERSION),
  items: z.array(z.tuple([z.number().int().min(0), z.number().finite()])),
  scoreKind: z.enum(["probability", "logit", "relative", "unknown"]),
  usage: z
    .object({
      totalTokens: count.optional(),
      promptTokens: count.optional(),
      searchUnits: count.optional(),
      rerankUnits: count.optional(),
    })
    .optional(),
  notes: z.array(z.object({ code: z.string(), detail: z.string() })),
  model: z.string().optional(),
  providerId: z.string().optional(),
});

export interface StoreStats {
  /** Entries found but not usable: missing or corrupt content, or not an answer. */
  unreadable: number;
  writes: number;
  writeFailures: number;
  /** The first write failure's message (file system errors name paths, never a key). */
  firstWriteFailure?: string;
}

export class AnswerStore {
  readonly stats: StoreStats = { unreadable: 0, writes: 0, writeFailures: 0 };

  /**
   * `redact` scrubs the run's key values from the answer's texts (a server may echo a key in an id
   * or a model name): the same redactor results.jsonl goes through, so both hold the same answer.
   */
  constructor(
    readonly dir: string,
    private readonly redact: (text: string) => string = (t) => t,
  ) {}

  /** The answer stored under `key`, or undefined (never found, or unreadable: counted). */
  async get(key: string, documents: number): Promise<StoredAnswer | undefined> {
    let data: Buffer;
    try {
      ({ data } = await cacache.get(this.dir, key, { memoize: false }));
    } catch (err) {
      if (!isNotFound(err)) this.stats.unreadable++;
      return undefined;
    }
    const answer = parseAnswer(data, documents);
    if (!answer) this.stats.unreadable++;
    return answer;
  }

  /** Stores an answer; a failure (a full disk, a read-only folder) is counted, never thrown. */
  async put(key: string, answer: StoredAnswer): Promise<void> {
    const stored = {
      v: KEY_VERSION,
      items: answer.items.map((i) => [i.index, i.score]),
      scoreKind: answer.scoreKind,
      usage: answer.usage,
      notes: answer.notes.map(({ code, detail }) => ({ code, detail: this.redact(detail) })),
      model: answer.model === undefined ? undefined : this.redact(answer.model),
      providerId: answer.providerId === undefined ? undefined : this.redact(answer.providerId),
    };
    try {
      await cacache.put(this.dir, key, JSON.stringify(stored), { memoize: false });
      this.stats.writes++;
    } catch (err) {
      this.stats.writeFailures++;
      this.stats.firstWriteFailure ??= (err as Error)?.message ?? String(err);
    }
  }
}

/** cacache's own "no entry" (an ENOENT that names the key), as opposed to content gone missing. */
function isNotFound(err: unknown): boolean {
  const e = err as { code?: string; key?: unknown } | null;
  return e?.code === "ENOENT" && e.key !== undefined;
}

function parseAnswer(data: Buffer, documents: number): StoredAnswer | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data.toString("utf8"));
  } catch {
    return undefined;
  }
  const parsed = AnswerSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const a = parsed.data;
  // The key covers the documents, so an index out of range means the entry is not this call's.
  if (a.items.some(([index]) => index >= documents)) return undefined;
  return {
    items: a.items.map(([index, score]) => ({ index, score })),
    scoreKind: a.scoreKind,
    notes: a.notes as StoredAnswer["notes"],
    ...(a.usage !== undefined ? { usage: a.usage } : {}),
    ...(a.model !== undefined ? { model: a.model } : {}),
    ...(a.providerId !== undefined ? { providerId: a.providerId } : {}),
  };
}
