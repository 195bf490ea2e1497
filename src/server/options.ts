/**
 * The embedded server's settings: what startServer and `serve` accept, their defaults, and the check
 * that turns a bad value into a usage error (exit 2) before anything listens.
 */
import { UsageError } from "../errors.js";

export interface ServerOptions {
  host?: string;
  port?: number;
  latencyMs?: number;
  perDocLatencyMs?: number;
  failRate?: number;
  rateLimitRps?: number;
  dropRate?: number;
  seed?: number;
  /** At most this many rerank requests in service at once; the rest queue FIFO (default: no bound). */
  capacity?: number;
  /** A pause of `pauseMs` starting `pauseAtMs` after the server listens (both or neither). */
  pauseAtMs?: number;
  pauseMs?: number;
  maxBodyBytes?: number;
  maxDocuments?: number;
  /** Access log lines: time, method, path, status, ms. Never headers (they carry keys). */
  log?: (line: string) => void;
}

const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
const DEFAULT_MAX_DOCUMENTS = 10_000;

export type CheckedOptions = Required<
  Omit<ServerOptions, "log" | "rateLimitRps" | "capacity" | "pauseAtMs" | "pauseMs">
> &
  Pick<ServerOptions, "rateLimitRps" | "capacity" | "pauseAtMs" | "pauseMs">;

/** Bad settings are a usage error (exit 2), not a server that silently does something else. */
export function checkOptions(opts: ServerOptions): CheckedOptions {
  const nonNegative = (name: string, v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    if (!Number.isFinite(v) || v < 0) throw new UsageError(`${name} must be a number >= 0, got ${v}`);
    return v;
  };
  const probability = (name: string, v: number | undefined) => {
    const p = nonNegative(name, v, 0);
    if (p > 1) throw new UsageError(`${name} must be between 0 and 1, got ${p}`);
    return p;
  };
  const positiveInt = (name: string, v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} must be a positive integer, got ${v}`);
    return v;
  };
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`port must be 0..65535, got ${port}`);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new UsageError(`seed must be an integer, got ${seed}`);
  let rateLimitRps: number | undefined;
  if (opts.rateLimitRps !== undefined) {
    rateLimitRps = opts.rateLimitRps;
    if (!Number.isFinite(rateLimitRps) || rateLimitRps <= 0) {
      throw new UsageError(`rate limit must be a number of requests/s > 0, got ${rateLimitRps}`);
    }
  }
  if ((opts.pauseAtMs === undefined) !== (opts.pauseMs === undefined))
    throw new UsageError("a pause needs both its start (pause at ms) and its length (pause ms)");
  return {
    host: opts.host ?? "127.0.0.1",
    port,
    latencyMs: nonNegative("latency", opts.latencyMs, 0),
    perDocLatencyMs: nonNegative("per-document latency", opts.perDocLatencyMs, 0),
    failRate: probability("fail rate", opts.failRate),
    dropRate: probability("drop rate", opts.dropRate),
    rateLimitRps,
    seed,
    capacity: opts.capacity === undefined ? undefined : positiveInt("capacity", opts.capacity, 1),
    pauseAtMs: opts.pauseAtMs === undefined ? undefined : nonNegative("pause start", opts.pauseAtMs, 0),
    pauseMs: opts.pauseMs === undefined ? undefined : nonNegative("pause length", opts.pauseMs, 0),
    maxBodyBytes: positiveInt("max body bytes", opts.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    maxDocuments: positiveInt("max documents", opts.maxDocuments, DEFAULT_MAX_DOCUMENTS),
  };
}
