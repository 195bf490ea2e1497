import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { UsageError } from "../../errors.js";
import { MODELS, type RunningServer, startServer } from "../../server/index.js";
import { numberFlag } from "./rerank.js";

interface ServeArgs {
  host: string;
  port: number;
  latencyMs?: number;
  perDocMs?: number;
  failRate?: number;
  rateLimit?: number;
  dropRate?: number;
  seed?: number;
  capacity?: number;
  pauseAtMs?: number;
  pauseMs?: number;
  quiet?: boolean;
}

/** `rerank-eval serve`: the reference rerank server in the foreground until SIGINT/SIGTERM. */
export const serveCommand: CommandModule<object, ServeArgs> = {
  command: "serve",
  describe:
    "run the reference rerank server: models bm25, tfidf, identity, random on /rerank and /v1/rerank (regolo) and /v2/rerank (Cohere v2)",
  builder: (y: Argv) =>
    y
      .option("host", { type: "string", default: "127.0.0.1", describe: "address to listen on" })
      .option("port", { type: "number", default: 8080, describe: "port (0 picks a free one)" })
      .option("latency-ms", { type: "number", describe: "delay added before every answer" })
      .option("per-doc-ms", { type: "number", describe: "extra delay per document in the request" })
      .option("fail-rate", { type: "number", describe: "probability of a 503 answer" })
      .option("rate-limit", {
        type: "number",
        describe: "requests/s allowed (token bucket); over it 429 + Retry-After",
      })
      .option("drop-rate", {
        type: "number",
        describe: "probability of resetting the connection without an answer",
      })
      .option("seed", { type: "number", describe: "seed for faults and the random model (default 0)" })
      .option("capacity", {
        type: "number",
        describe: "at most N requests in service at once; the rest queue in order (default: no bound)",
      })
      .option("pause-at-ms", {
        type: "number",
        describe: "stall the server this many ms after it starts listening (with --pause-ms)",
      })
      .option("pause-ms", {
        type: "number",
        describe: "how long the stall lasts; also on demand: POST /admin/pause?ms=D",
      })
      .option("quiet", { type: "boolean", default: false, describe: "no access log" })
      .example("$0 serve --latency-ms 50 --fail-rate 0.1", "slow and flaky (seeded: --seed)")
      .example("$0 serve --rate-limit 5", "answer 429 beyond 5 requests/s")
      .example(
        "$0 serve --latency-ms 50 --capacity 8",
        "saturates at 8 × 1000/50 = 160 requests/s, then queues",
      ) as unknown as Argv<ServeArgs>,
  handler: async (args: ArgumentsCamelCase<ServeArgs>) => {
    const server = await listen(args);
    process.stdout.write(`rerank-eval serve: listening on ${server.url} (models: ${MODELS.join(", ")})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        server.close().then(resolve, resolve);
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
  },
};

function pauseFlags(args: ServeArgs): { pauseAtMs?: number; pauseMs?: number } {
  const pauseAtMs = numberFlag(args.pauseAtMs, "--pause-at-ms", { min: 0 });
  const pauseMs = numberFlag(args.pauseMs, "--pause-ms", { min: 0 });
  if (pauseAtMs !== undefined && pauseMs === undefined)
    throw new UsageError("--pause-at-ms needs --pause-ms (how long the stall lasts)");
  if (pauseMs !== undefined && pauseAtMs === undefined)
    throw new UsageError("--pause-ms needs --pause-at-ms (when the stall starts; or POST /admin/pause?ms=D)");
  return { pauseAtMs, pauseMs };
}

async function listen(args: ServeArgs): Promise<RunningServer> {
  try {
    // Checked here too so a message names the flag as typed (startServer names its options).
    return await startServer({
      host: args.host,
      port: numberFlag(args.port, "--port", { min: 0, max: 65535, integer: true }),
      latencyMs: numberFlag(args.latencyMs, "--latency-ms", { min: 0 }),
      perDocLatencyMs: numberFlag(args.perDocMs, "--per-doc-ms", { min: 0 }),
      failRate: numberFlag(args.failRate, "--fail-rate", { min: 0, max: 1 }),
      rateLimitRps: numberFlag(args.rateLimit, "--rate-limit", { above: 0 }),
      dropRate: numberFlag(args.dropRate, "--drop-rate", { min: 0, max: 1 }),
      seed: numberFlag(args.seed, "--seed", { integer: true }),
      capacity: numberFlag(args.capacity, "--capacity", { min: 1, integer: true }),
      ...pauseFlags(args),
      log: args.quiet ? undefined : (line) => process.stdout.write(`${line}\n`),
    });
  } catch (err) {
    // Address problems are the user's to fix (another port, another host): exit 2, one line.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE")
      throw new UsageError(`port ${args.port} is already in use on ${args.host}; pick another with --port`);
    if (code === "EACCES") throw new UsageError(`no permission to listen on ${args.host}:${args.port}`);
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
      throw new UsageError(`cannot listen on host '${args.host}'`);
    throw err;
  }
}
