/**
 * Keeping keys out of every file and line the run writes. Keys only ever come from environment
 * variables; the config names the variable, never the value. As a last guard, every text written
 * to the output folder passes through a redactor that knows the values of the key variables.
 */

/** Conventional key variables of the providers (api-dialects.md), redacted even when not named. */
const KNOWN_KEY_VARIABLES = [
  "REGOLO_API_KEY",
  "COHERE_API_KEY",
  "CO_API_KEY",
  "JINA_API_KEY",
  "VOYAGE_API_KEY",
  "MXBAI_API_KEY",
  "PINECONE_API_KEY",
  "NVIDIA_API_KEY",
];

/** Shorter values would redact ordinary text; no real key is this short. */
const MIN_SECRET_LENGTH = 6;

export function collectSecrets(
  models: readonly { apiKeyEnv?: string }[],
  env: Record<string, string | undefined>,
): string[] {
  const names = new Set([
    ...KNOWN_KEY_VARIABLES,
    ...models.flatMap((m) => (m.apiKeyEnv ? [m.apiKeyEnv] : [])),
  ]);
  const values = new Set<string>();
  for (const name of names) {
    const v = env[name]?.trim();
    if (v && v.length >= MIN_SECRET_LENGTH) values.add(v);
  }
  return [...values];
}

export function redactor(secrets: string[]): (text: string) => string {
  if (secrets.length === 0) return (t) => t;
  return (text) => {
    let out = text;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join("[redacted]");
    return out;
  };
}

const SECRET_KEY = /(api[-_]?key|token|secret|password|passwd|authorization|bearer|credential)/i;

/** A deep copy for the report with secret-looking fields blanked (variable names are kept). */
export function safeConfigValue(value: unknown, key = ""): unknown {
  if (key !== "apiKeyEnv" && SECRET_KEY.test(key) && typeof value === "string") return "[redacted]";
  if (Array.isArray(value)) return value.map((v) => safeConfigValue(v));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, safeConfigValue(v, k)]),
    );
  }
  return value;
}

/** An endpoint without user info, query or fragment (some users put keys there). */
export function safeEndpoint(endpoint: string): string {
  if (endpoint === "embedded") return endpoint;
  try {
    const u = new URL(endpoint);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return endpoint.replace(/[?#].*$/, "");
  }
}
