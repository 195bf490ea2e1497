/**
 * Keeping keys out of every file and line the run writes. Keys only ever come from environment
 * variables; the config names the variable, never the value. As a last guard, every text written
 * to the output folder passes through a redactor that knows the values of the key variables. The
 * marker, the conventional key variables and the redactor are the rerank client's (rerank/redact.ts),
 * so a run and the client hide a key the same way.
 */
import { REDACTED, redactor, secretsFromEnv } from "../rerank/redact.js";

export { redactor };

/** The values of the variables the models name plus every provider's conventional key variable. */
export function collectSecrets(
  models: { apiKeyEnv?: string }[],
  env: Record<string, string | undefined>,
): string[] {
  return secretsFromEnv(
    env,
    models.flatMap((m) => (m.apiKeyEnv ? [m.apiKeyEnv] : [])),
  );
}

/** The redactor for a run's models: the values of the key variables they name (and the conventional ones). */
export function modelsRedactor(
  models: { apiKeyEnv?: string }[],
  env: Record<string, string | undefined> = process.env,
): (text: string) => string {
  return redactor(collectSecrets(models, env));
}

/**
 * The redactor for a folder rebuilt from its manifest (`report DIR`, `merge`): the key variables its
 * models name, read from this process's environment.
 */
export function manifestRedactor(manifest: { config: { models: unknown } }): (text: string) => string {
  return modelsRedactor(manifest.config.models as { apiKeyEnv?: string }[]);
}

const SECRET_KEY = /(api[-_]?key|token|secret|password|passwd|authorization|bearer|credential)/i;

/** A deep copy for the report with secret-looking fields blanked (variable names are kept). */
export function safeConfigValue(value: unknown, key = ""): unknown {
  if (key !== "apiKeyEnv" && SECRET_KEY.test(key) && typeof value === "string") return REDACTED;
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
