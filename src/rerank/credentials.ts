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

/** What messages say instead of repeating a value given where a variable's name belongs. */
export const NAME_NOT_KEY =
  "takes the NAME of an environment variable (e.g. COHERE_API_KEY), not the key itself; the value given is not shown";

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The name as messages may show it, or undefined. Users paste the key itself where the variable's
 * name belongs, and a key can be a valid name (AbCdEf0123…), so only a name that looks like one by
 * convention is repeated: upper case, digits and underscores, with an underscore or no digit at all
 * (MY_KEY, REGOLO_API_KEY, TOKEN), which a mixed-case or all-caps-and-digits key is not.
 */
export function printableVariable(name: string | undefined): string | undefined {
  if (name === undefined || name.length > 64 || !/^[A-Z_][A-Z0-9_]*$/.test(name)) return undefined;
  return name.includes("_") || !/[0-9]/.test(name) ? name : undefined;
}

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
  // Only the user's own value can be a pasted key; the dialects' defaults are names.
  if (!VARIABLE_NAME.test(variable)) throw new UsageError(`apiKeyEnv (--api-key-env) ${NAME_NOT_KEY}`);
  const value = env[variable]?.trim();
  if (!value) {
    if (!keyRequired) return NO_KEY;
    const shown = apiKeyEnv === undefined ? variable : printableVariable(variable);
    if (shown === undefined) {
      throw new UsageError(
        `the ${provider} API needs a key, but the variable apiKeyEnv (--api-key-env) names is not set; it ${NAME_NOT_KEY}`,
      );
    }
    const hint = apiKeyEnv ? "" : " (or name another variable with --api-key-env)";
    throw new UsageError(`the ${provider} API needs a key: set the environment variable ${shown}${hint}`);
  }
  const headerName = defaults.auth === "bearer" ? "authorization" : defaults.auth.header;
  const headerValue = defaults.auth === "bearer" ? `Bearer ${value}` : value;
  return {
    variable,
    authHeaders: () => ({ [headerName]: headerValue }),
    redact: redactor([value]),
  };
}

/**
 * The warning for a key sent unencrypted: over plain http to a host other than this machine, anyone
 * on the path (a café's Wi-Fi, a proxy, the provider's load balancer logs) can read the key. Loopback
 * (localhost, 127.0.0.0/8, ::1) never leaves the machine, so a local server is not warned about.
 * Undefined when there is nothing to say. Pure: callers print it once per endpoint.
 */
export function plainHttpKeyWarning(endpoint: string, keySent: boolean): string | undefined {
  if (!keySent) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" || isLoopback(url.hostname)) return undefined;
  return `warning: the API key is sent unencrypted over plain http to ${url.host}; use https unless that network is yours alone`;
}

/** `hostname` as URL gives it: lower case, IPv6 in brackets, IPv4 in dotted decimal. */
function isLoopback(hostname: string): boolean {
  if (hostname === "localhost" || hostname.endsWith(".localhost")) return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(hostname)) return true;
  if (hostname === "[::1]") return true;
  // IPv4-mapped IPv6 of 127.x.y.z: URL writes it as [::ffff:7fxx:xxxx].
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname);
}
