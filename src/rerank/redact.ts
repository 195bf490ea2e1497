/**
 * Keeping API keys out of every text a person or a file sees: one marker, one list of the
 * variables that hold keys (derived from the dialects, so a new provider's key is covered the day
 * its dialect lands), and one redactor. The client redacts the key it sends from what servers echo
 * (credentials.ts); a run redacts every key variable's value from all it writes (run/secrets.ts).
 */
import { dialects } from "./dialects/index.js";

/** What a secret is replaced with, everywhere. */
export const REDACTED = "[REDACTED]";

/** Environment values shorter than this are not taken for keys: they would redact ordinary text. */
const MIN_SECRET_LENGTH = 6;
/** Even a key the client really sends is left alone below this: replacing it would shred any text. */
const MIN_REDACTED_LENGTH = 4;

/** Every dialect's conventional key variable and the aliases its provider's SDK reads, each once. */
export const KEY_VARIABLES: readonly string[] = Object.freeze([
  ...new Set(
    Object.values(dialects).flatMap(({ defaults }) => [
      ...(defaults.apiKeyEnv ? [defaults.apiKeyEnv] : []),
      ...(defaults.apiKeyAliases ?? []),
    ]),
  ),
]);

/**
 * The values of the key variables set in `env` (the conventional ones plus `variables`, typically
 * the ones a config names), trimmed, each once; values too short to be keys are left out.
 */
export function secretsFromEnv(
  env: Record<string, string | undefined>,
  variables: Iterable<string> = [],
): string[] {
  const values = new Set<string>();
  for (const name of new Set([...KEY_VARIABLES, ...variables])) {
    const value = env[name]?.trim();
    if (value && value.length >= MIN_SECRET_LENGTH) values.add(value);
  }
  return [...values];
}

/** A function replacing every occurrence of every secret with REDACTED. */
export function redactor(secrets: readonly string[]): (text: string) => string {
  // Longest first: a key that contains another must go whole, not leave its ends around the marker.
  const values = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_REDACTED_LENGTH)
    .sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of values) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}
