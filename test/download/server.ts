/**
 * A file server for download tests on 127.0.0.1 port 0, with HTTP Range (206, 416) and the faults
 * a real download meets: connections dropped after N bytes, a server that ignores Range, error
 * statuses, a slow trickle. It records each request's Range header.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FileServerOptions {
  /** Path (e.g. "/scifact.zip") → content. */
  files: Record<string, Buffer>;
  /** The n-th answer with a body (0-based) is cut after this many body bytes. */
  dropAfter?: Record<number, number>;
  ignoreRange?: boolean;
  /** The n-th request (0-based) is answered with this status and no file. */
  statusFor?: Record<number, number>;
  /** Bytes per 10 ms, for a download slow enough to interrupt. */
  trickle?: number;
  /** Path → where a 302 sends it (a moved file, as BEIR's server does for old names). */
  redirects?: Record<string, string>;
}

export interface RequestSeen {
  path: string;
  range?: string;
  ifRange?: string;
}

export interface FileServer {
  url: string;
  requests: RequestSeen[];
  options: FileServerOptions;
  close(): Promise<void>;
}

export async function startFileServer(options: FileServerOptions): Promise<FileServer> {
  const requests: RequestSeen[] = [];
  let answered = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const n = requests.length;
    requests.push({
      path: req.url ?? "",
      range: req.headers.range,
      ifRange: req.headers["if-range"] as string | undefined,
    });
    const moved = options.redirects?.[req.url ?? ""];
    if (moved !== undefined) {
      res.writeHead(302, { location: moved }).end();
      return;
    }
    const status = options.statusFor?.[n];
    const file = options.files[req.url ?? ""];
    if (status !== undefined || file === undefined) {
      res.writeHead(status ?? 404, { "content-type": "text/plain" }).end("no\n");
      return;
    }
    const etag = '"v1"';
    const range = options.ignoreRange ? undefined : /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    let start = 0;
    if (range) {
      start = Number(range[1]);
      if (start >= file.length) {
        res.writeHead(416, { "content-range": `bytes */${file.length}` }).end();
        return;
      }
      res.writeHead(206, {
        "content-range": `bytes ${start}-${file.length - 1}/${file.length}`,
        "content-length": file.length - start,
        etag,
      });
    } else {
      res.writeHead(200, { "content-length": file.length, etag, "accept-ranges": "bytes" });
    }
    const body = file.subarray(start);
    const cut = options.dropAfter?.[answered++];
    send(res, cut === undefined ? body : body.subarray(0, cut), cut !== undefined, options.trickle);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    options,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function send(res: ServerResponse, bytes: Buffer, drop: boolean, trickle?: number): void {
  const finish = () => {
    if (drop) res.socket?.destroy();
    else res.end();
  };
  if (!trickle) {
    res.write(bytes, finish);
    return;
  }
  let at = 0;
  const timer = setInterval(() => {
    if (res.destroyed || at >= bytes.length) {
      clearInterval(timer);
      if (!res.destroyed) finish();
      return;
    }
    res.write(bytes.subarray(at, at + trickle));
    at += trickle;
  }, 10);
  res.on("close", () => clearInterval(timer));
}
