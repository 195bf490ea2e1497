/**
 * `--endpoint embedded`: the reference server started in-process on 127.0.0.1 for one command (run,
 * rerank, doctor) and closed after it. What it hands back is plain data a caller puts into its own
 * reranker config: the rerank client never imports this module, nor this module the client.
 */
import { UsageError } from "../errors.js";
import { MODELS, startServer } from "./index.js";

/** The --endpoint value that asks for this server. */
export const EMBEDDED = "embedded";

/** The dialects the server answers, and where (routes.ts's RERANK_ROUTES). */
export const EMBEDDED_ROUTES: Readonly<Record<string, string>> = { regolo: "/rerank", cohere: "/v2/rerank" };

/** One model that will be sent to the embedded server. */
export interface EmbeddedUse {
  /** The model's name in messages (a run's model entry name); defaults to `model`. */
  label?: string;
  /** The dialect the caller will speak: regolo or cohere. */
  provider: string;
  /** A scorer of the server: bm25, tfidf, identity, random. */
  model: string;
}

/** What a reranker needs to talk to the embedded server, merged into the caller's config. */
export interface EmbeddedClientSettings {
  endpoint: string;
  /**
   * No key variable: the server needs none, and the user's REGOLO_API_KEY or COHERE_API_KEY has no
   * business leaving for it. A caller whose user named a variable keeps that one instead.
   */
  env: Record<string, string | undefined>;
  /**
   * Every scorer's scores only order one request's documents: BM25 and TF-IDF take their statistics
   * from that request, identity is the position, random a hash. So "relative", not a probability.
   */
  options: { scoreKind: "relative" };
}

export interface EmbeddedServer {
  /** Origin, e.g. http://127.0.0.1:43121 */
  url: string;
  /** The route for `provider` (one of EMBEDDED_ROUTES) and the settings that go with it. */
  clientSettings(provider: string): EmbeddedClientSettings;
  close(): Promise<void>;
}

/**
 * Checks every use, then starts the server. A misspelt scorer would otherwise fail every call (exit
 * 3) instead of naming the mistake, and another dialect than asked would mean results labelled with
 * a provider that was never spoken: both are UsageErrors before anything listens.
 */
export async function startEmbeddedServer(uses: readonly EmbeddedUse[]): Promise<EmbeddedServer> {
  const scorers: readonly string[] = MODELS;
  for (const use of uses) {
    if (!scorers.includes(use.model))
      throw new UsageError(
        `model '${use.model}' is not a scorer of the embedded server; it has ${scorers.join(", ")}`,
      );
  }
  for (const use of uses) routeFor(use.provider, use.label ?? use.model);
  const server = await startServer({ host: "127.0.0.1", port: 0 });
  return {
    url: server.url,
    clientSettings: (provider) => ({
      endpoint: `${server.url}${routeFor(provider, provider)}`,
      env: {},
      options: { scoreKind: "relative" },
    }),
    close: () => server.close(),
  };
}

function routeFor(provider: string, label: string): string {
  if (Object.hasOwn(EMBEDDED_ROUTES, provider)) return EMBEDDED_ROUTES[provider];
  throw new UsageError(
    `model '${label}': the embedded server speaks ${Object.keys(EMBEDDED_ROUTES).join(" and ")}, ` +
      `not '${provider}'; drop --provider or use a real endpoint`,
  );
}
