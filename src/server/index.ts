/**
 * The embedded reference rerank server: real lexical scorers behind regolo's routes (`/rerank`,
 * `/v1/rerank`) and Cohere v2's (`/v2/rerank`), with seeded fault injection for tests and demos.
 * It stands alone: nothing here imports the rerank client, so it can check that client honestly.
 * This file is its lifecycle (start, listen, the scheduled pause, close); options.ts checks its
 * settings and routes.ts handles its requests.
 */
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { UsageError } from "../errors.js";
import { ServiceSlots } from "./capacity.js";
import { PendingDelays } from "./delays.js";
import { FaultPlan, TokenBucket } from "./faults.js";
import { checkOptions, type ServerOptions } from "./options.js";
import { PauseGate } from "./pause.js";
import { requestListener, type ServerState } from "./routes.js";

export interface RunningServer {
  /** Origin, e.g. http://127.0.0.1:43121 */
  url: string;
  port: number;
  /** Stalls every rerank request in service or arriving in the next `ms` until then (PauseGate). */
  pause(ms: number): void;
  /** Rerank requests in service and waiting for a slot now (waiting only with a capacity). */
  load(): { inService: number; queued: number };
  close(): Promise<void>;
}

export { MODELS } from "./models.js";
export type { ServerOptions } from "./options.js";

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const o = checkOptions(opts);
  const delays = new PendingDelays();
  const state: ServerState = {
    o,
    bucket: o.rateLimitRps !== undefined ? new TokenBucket(o.rateLimitRps) : undefined,
    faults: new FaultPlan(o.dropRate, o.failRate, o.seed),
    delays,
    slots: o.capacity !== undefined ? new ServiceSlots(o.capacity) : undefined,
    pauses: new PauseGate(delays),
    inService: 0,
  };
  const { slots, pauses } = state;

  const server = createServer({ keepAlive: true }, requestListener(state, opts.log));
  server.keepAliveTimeout = 30_000;
  server.on("clientError", (_err, socket: Socket) => {
    if (socket.writable)
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const scheduledPause =
    o.pauseAtMs !== undefined && o.pauseMs !== undefined
      ? setTimeout((ms: number) => pauses.pause(ms), o.pauseAtMs, o.pauseMs)
      : undefined;
  scheduledPause?.unref();
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    pause(ms) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new UsageError(`pause must be a number of ms >= 0, got ${ms}`);
      pauses.pause(ms);
    },
    load: () => ({ inService: state.inService, queued: slots?.queued ?? 0 }),
    close() {
      closed ??= new Promise<void>((resolve) => {
        clearTimeout(scheduledPause);
        slots?.close();
        delays.cancelAll();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
