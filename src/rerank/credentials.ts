/**
 * API keys: read once from the environment variable the user named (or the dialect's conventional
 * one), then kept only inside a closure. Nothing this module returns holds the key as data, so it
 * cannot reach JSON.stringify, util.inspect, an error, a note or a log line; `redact` scrubs it out
 * of anything a server echoes back (some error bodies repeat the request headers).
 */
import { UsageError } from "../errors.js";
import { redactor } from "./redact.js";
import type { DialectDefaults } from "./types.js";

export interface Credentials {
  /** The variable the key came from (safe to print), or undefined when no key is used. */
  readonly variable?: string;
  /** Auth headers for one request; the key exists only in the returned object, built per call. */
  authHeaders(): Record<string, string>;
  /** Replace every occurrence of the key in a text meant for a human. */
  redact(text: string): string;
}

const NO_KEY: Credentials = { authHeaders: () => ({}), redact: (text) => text };

/**
 * `keyRequired`: a missing key is a usage error (the provider's public endpoint, or a variable the
 * user named). Against an endpoint of the user's own (a local server, a proxy) the conventional
 * variable is only used when set: such servers often run without auth, and one that wants a key
 * answers 401 with its own message.
 */
export function resolveCredentials(
  provider: string,
  defaults: Pick<DialectDefaults, "apiKeyEnv" | "auth">,
  apiKeyEnv: string | undefined,
  env: Record<string, string | undefined>,
  keyRequired = true,
): Credentials {
  const variable = apiKeyEnv ?? defaults.apiKeyEnv;
  if (variable === undefined) return NO_KEY;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    throw new UsageError(`'${variable}' is not a valid environment variable name (--api-key-env)`);
  }
  const value = env[variable]?.trim();
  if (!value) {
    if (!keyRequired) return NO_KEY;
    const hint = apiKeyEnv ? "" : " (or name another variable with --api-key-env)";
    throw new UsageError(`the ${provider} API needs a key: set the environment variable ${variable}${hint}`);
  }
  const headerName = defaults.auth === "bearer" ? "authorization" : defaults.auth.header;
  const headerValue = defaults.auth === "bearer" ? `Bearer ${value}` : value;
  return {
    variable,
    authHeaders: () => ({ [headerName]: headerValue }),
    redact: redactor([value]),
  };
}
