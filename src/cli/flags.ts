/**
 * The command line's own rules for a flag's text, shared by every command: a single-value flag
 * given twice, a value forgotten, comma-separated lists, and a value judged by its option kind.
 */
import { UsageError } from "../errors.js";
import type { Kind } from "../run/option-kinds.js";

/**
 * yargs turns a repeated single-value flag into an array; taking the first or the last would
 * silently drop what the user typed, so say which flag was repeated instead.
 */
export function once(flag: string, value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  throw new UsageError(`${flag} was given ${value.length} times (${value.join(", ")}); give it once`);
}

/** A repeatable flag's values; comma lists split too (--top-n 3,10 equals --top-n 3 --top-n 10). */
export function listOf(flag: string, values: unknown[], split = true): string[] {
  const texts = values.map(String);
  const parts = (split ? texts.flatMap((t) => t.split(",")) : texts).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new UsageError(`${flag} needs a value`);
  return parts;
}

/** A flag's text read and checked as its kind: "--k must be a positive integer, got '0'". */
export function flagValue<T>(kind: Kind, flag: string, text: string): T {
  const parsed = kind.schema.safeParse(kind.read(text, flag));
  if (!parsed.success) throw new UsageError(`${flag} ${parsed.error.issues[0].message}, got '${text}'`);
  return parsed.data as T;
}
