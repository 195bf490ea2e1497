/**
 * `--endpoint embedded` in rerank and doctor, as in run: the reference server started in-process for
 * the one call and closed after it, with run's checks (a scorer it has, a dialect it speaks).
 */
import { describe, expect, it } from "vitest";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { runCli } from "../helpers/cli.js";

const { query, documents } = KNOWN_ANSWER;
const docArgs = documents.flatMap((d) => ["--doc", d]);

/** Listening servers of this process, to see that the command closed the one it started. */
const listening = () => process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;

/** A closed server's handle leaves the list a tick or so after close() resolves; a leaked one never does. */
async function listeningSettled(before: number): Promise<number> {
  for (let i = 0; i < 100 && listening() > before; i++) await new Promise((r) => setTimeout(r, 10));
  return listening();
}

describe("--endpoint embedded", () => {
  it("rerank starts the embedded server for the call, ranks with its scorer, and closes it", async () => {
    const before = listening();
    const run = await runCli(
      ["rerank", "--endpoint", "embedded", "--model", "bm25", "--query", query, ...docArgs],
      {
        REGOLO_API_KEY: undefined,
      },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n")[1]).toMatch(/^1\s+2\s+\d+\.\d{6}\s+Washington, D\.C\./);
    // The embedded scorers say what their scores are.
    expect(run.stdout).toMatch(
      /^regolo: 4 of 4 documents ranked \(relative scores: they only order these documents\), /m,
    );
    expect(await listeningSettled(before)).toBe(before);
  });

  it("rerank --provider cohere is answered on the server's Cohere v2 route", async () => {
    const run = await runCli(
      [
        "rerank",
        "--endpoint",
        "embedded",
        "--provider",
        "cohere",
        "--model",
        "tfidf",
        "--query",
        query,
        "--json",
        ...docArgs,
      ],
      { COHERE_API_KEY: undefined },
    );
    expect(run.stderr).toBe("");
    const out = JSON.parse(run.stdout);
    // Only Cohere's answer bills search units.
    expect(out.usage).toEqual({ searchUnits: 1 });
    expect(out.results[0].index).toBe(2);
  });

  it("doctor passes every check against the embedded bm25 and names the server's URL", async () => {
    const before = listening();
    const run = await runCli(["doctor", "--endpoint", "embedded", "--model", "bm25"], {});
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^rerank-eval doctor: regolo http:\/\/127\.0\.0\.1:\d+\/rerank \(embedded server\) model bm25$/m,
    );
    expect(run.stdout).toMatch(/7 checks: 7 passed, 0 failed\n$/);
    expect(await listeningSettled(before)).toBe(before);
  });

  it("refuses, as run does, a scorer the server lacks and a dialect it does not speak (exit 2, before any call)", async () => {
    const cases: [string[], string][] = [
      [
        ["rerank", "--endpoint", "embedded", "--model", "bm2", "--query", "q", "--doc", "a"],
        "rerank-eval: error: model 'bm2' is not a scorer of the embedded server; it has bm25, tfidf, identity, random\n",
      ],
      [
        ["doctor", "--endpoint", "embedded", "--model", "bm25", "--provider", "jina"],
        "rerank-eval: error: model 'bm25': the embedded server speaks regolo and cohere, not 'jina'; drop --provider or use a real endpoint\n",
      ],
    ];
    for (const [argv, message] of cases) {
      const before = listening();
      const run = await runCli(argv, {});
      expect(run.code, argv.join(" ")).toBe(2);
      expect(run.stderr).toBe(message);
      expect(await listeningSettled(before)).toBe(before);
    }
  });
});
