/**
 * Out of file descriptors: at a high -j every concurrent request holds a socket, and past `ulimit -n`
 * the connect fails with EMFILE. The user must read what to change (lower -j, or raise the limit),
 * not a bare system code. Provoked for real: the client runs in a child shell whose limit is 48.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeNetworkError } from "../../src/rerank/http.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { buildCli, REPO, startProcess } from "../helpers/cli.js";

const ADVICE =
  /too many open files \(EMFILE\): lower the concurrency \(-j\) or raise the limit \(ulimit -n\)/;

/** 150 concurrent calls from one reranker; prints each distinct error message with its count. */
const CHILD = `
const { createReranker } = await import(process.argv[1]);
const r = createReranker({ provider: "regolo", endpoint: process.argv[2], model: "bm25", retries: 0, env: {} });
const calls = Array.from({ length: 150 }, () => r.rerank("capital", ["the capital", "a river"]));
const failed = (await Promise.allSettled(calls)).filter((x) => x.status === "rejected");
const counts = {};
for (const f of failed) counts[f.reason.message] = (counts[f.reason.message] ?? 0) + 1;
await r.close();
process.stdout.write(JSON.stringify(counts));
`;

function runLimited(endpoint: string) {
  const client = `${REPO}dist/rerank/client.js`;
  // exec: the limit applies to node itself. sh's $0..$3: node, the script, then its two arguments
  // (node -e gives them as process.argv[1] and [2]).
  const script = 'ulimit -n 48 && exec "$0" --input-type=module -e "$1" "$2" "$3"';
  return startProcess("sh", ["-c", script, process.execPath, CHILD, client, endpoint]).done;
}

describe("EMFILE", () => {
  let server: RunningServer;
  beforeAll(async () => {
    await buildCli();
    // Each answer waits, so every call holds its socket at once.
    server = await startServer({ port: 0, latencyMs: 300 });
  }, 120_000);
  afterAll(() => server?.close());

  it.skipIf(process.platform === "win32")(
    "a client out of descriptors says to lower -j or raise ulimit -n, not a bare code",
    async () => {
      const run = await runLimited(`${server.url}/rerank`);
      expect(run.stderr).toBe("");
      const counts = JSON.parse(run.stdout) as Record<string, number>;
      const messages = Object.keys(counts);
      expect(
        messages.some((m) => ADVICE.test(m)),
        messages.join("\n"),
      ).toBe(true);
      expect(messages.join("\n")).not.toMatch(/network error \(EMFILE\)/);
    },
    60_000,
  );

  it("describes EMFILE and ENFILE error objects the same way, as a network failure", () => {
    const emfile = Object.assign(new Error("connect EMFILE 127.0.0.1:8080 - Local (undefined:undefined)"), {
      code: "EMFILE",
      syscall: "connect",
    });
    expect(describeNetworkError(emfile)).toMatchObject({ kind: "network", retryable: false });
    expect(describeNetworkError(emfile).description).toMatch(ADVICE);
    const enfile = describeNetworkError({ code: "ENFILE" }).description;
    expect(enfile).toMatch(/too many open files on the system \(ENFILE\)/);
  });
});
