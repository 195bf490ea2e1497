import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dialects } from "../../src/rerank/dialects/index.js";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { buildCli, runCli, spawnCli } from "../helpers/cli.js";
import { CANARY_KEY, json, type LocalServer, startLocalServer } from "../rerank/local-server.js";

const KEY_ENV = { REGOLO_API_KEY: CANARY_KEY };
const QUERY = "What is the capital of the United States?";
const DOCS = [
  "Carson City is the capital city of the American state of Nevada.",
  "Washington, D.C. is the capital of the United States.",
  "Bananas are yellow.",
];

describe("rerank-eval rerank", () => {
  let serve: RunningServer;
  let failing: LocalServer;
  let dir: string;
  beforeAll(async () => {
    serve = await startServer({ port: 0 });
    failing = await startLocalServer((req, res) =>
      req.body.query === "busy"
        ? json(res, 503, { error: { message: "upstream overloaded" } })
        : json(res, 400, { error: { message: "query must not be longer than 32000 characters" } }),
    );
    dir = await mkdtemp(join(tmpdir(), "rerank-cli-"));
  });
  afterAll(async () => {
    await serve.close();
    await failing.close();
    await rm(dir, { recursive: true, force: true });
  });

  const base = () => ["rerank", "--endpoint", `${serve.url}/rerank`, "--model", "bm25", "--query", QUERY];

  it("prints a ranked table (exit 0)", async () => {
    const run = await runCli([...base(), ...DOCS.flatMap((d) => ["--doc", d])], KEY_ENV);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(/^rank\s+index\s+score\s+document$/);
    expect(lines[1]).toMatch(/^1\s+1\s+\d+\.\d{6}\s+Washington, D\.C\./);
    expect(run.stdout).toMatch(/3 of 3 documents ranked .* 1 request\(s\), 1 attempt\(s\)/);
  });

  it("does not call serve's BM25 scores probabilities", async () => {
    const run = await runCli([...base(), ...DOCS.flatMap((d) => ["--doc", d])], KEY_ENV);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/probability/);
    expect(run.stdout).toMatch(/^regolo: 3 of 3 documents ranked \(scores of unknown kind\), /m);
  });

  it("prints each note's sentence on a line of its own in the table output", async () => {
    const run = await runCli([...base(), "--top-n", "9", ...DOCS.flatMap((d) => ["--doc", d])], KEY_ENV);
    expect(run.code).toBe(0);
    expect(run.stdout.split("\n").filter((l) => l.startsWith("note: "))).toEqual([
      "note: top_n clamped 9->3",
    ]);
  });

  it("--json gives results with raw scores, usage, latency, attempts and notes", async () => {
    const run = await runCli(
      [...base(), "--json", "--top-n", "9", ...DOCS.flatMap((d) => ["--doc", d]), "--doc", "  "],
      KEY_ENV,
    );
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(Object.keys(out).sort()).toEqual(["attempts", "latencyMs", "notes", "results", "usage"]);
    expect(out.attempts).toBe(1);
    expect(out.latencyMs).toBeGreaterThan(0);
    expect(out.notes).toEqual([
      { code: "empty-skipped", detail: "1 empty document skipped (index 3)" },
      { code: "clamped", detail: "top_n clamped 9->3" },
    ]);
    // The server's own answer, fetched directly: the CLI must not rescale anything.
    const direct = (await (
      await fetch(`${serve.url}/rerank`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "bm25", query: QUERY, documents: DOCS }),
      })
    ).json()) as { results: { index: number; relevance_score: number }[] };
    expect(out.results).toEqual(
      direct.results.map((r) => ({ index: r.index, score: r.relevance_score, document: DOCS[r.index] })),
    );
  });

  it("reads --docs-file as plain lines or JSONL", async () => {
    const plain = join(dir, "docs.txt");
    await writeFile(plain, `${DOCS.join("\n")}\n\n`);
    const jsonl = join(dir, "docs.jsonl");
    await writeFile(jsonl, `${JSON.stringify(DOCS[0])}\n${JSON.stringify({ text: DOCS[1] })}\n`);
    const a = JSON.parse((await runCli([...base(), "--json", "--docs-file", plain], KEY_ENV)).stdout);
    expect(a.results.map((r: { document: string }) => r.document).sort()).toEqual([...DOCS].sort());
    const b = JSON.parse((await runCli([...base(), "--json", "--docs-file", jsonl], KEY_ENV)).stdout);
    expect(b.results[0]).toMatchObject({ index: 1, document: DOCS[1] });
    // A BOM and CRLF line ends (a Windows editor's file) change no document, in either format.
    for (const [name, body] of [
      ["bom.txt", `\uFEFF${DOCS.join("\r\n")}\r\n`],
      ["bom.jsonl", `\uFEFF${DOCS.map((d) => JSON.stringify(d)).join("\r\n")}\r\n`],
    ]) {
      const file = join(dir, name);
      await writeFile(file, body);
      const out = JSON.parse((await runCli([...base(), "--json", "--docs-file", file], KEY_ENV)).stdout);
      expect(out.results.map((r: { document: string }) => r.document).sort(), name).toEqual([...DOCS].sort());
    }
  });

  it("exits 2 with one line for usage and input errors", async () => {
    const bad = join(dir, "bad.jsonl");
    await writeFile(bad, '"fine"\n{"title": "no text"}\n');
    const cases: [string[], Record<string, string | undefined>, RegExp][] = [
      [base(), KEY_ENV, /no documents: give --doc/],
      [[...base(), "--doc", "a", "--provider", "nope"], KEY_ENV, /unknown provider 'nope'/],
      [
        // regolo's own service always needs a key (the check comes before any request).
        ["rerank", "--model", "m", "--query", QUERY, "--doc", "a"],
        { REGOLO_API_KEY: undefined },
        /set the environment variable REGOLO_API_KEY/,
      ],
      [[...base(), "--doc", "a", "--api-key-env", "NOT_SET_ANYWHERE"], {}, /NOT_SET_ANYWHERE/],
      [[...base(), "--docs-file", bad], KEY_ENV, /bad\.jsonl:2: field 'text': expected a JSON string/],
      [
        [...base(), "--docs-file", join(dir, "missing.txt")],
        KEY_ENV,
        /missing\.txt: cannot read the documents file \(ENOENT\)/,
      ],
      [[...base(), "--doc", "a", "--top-n", "0"], KEY_ENV, /^.*: --top-n must be an integer >= 1, got 0$/m],
      [
        [...base(), "--doc", "a", "--top-n", "two"],
        KEY_ENV,
        /: --top-n must be an integer >= 1, not a number$/m,
      ],
      [
        [...base(), "--doc", "a", "--timeout-ms", "-5"],
        KEY_ENV,
        /: --timeout-ms must be a number > 0, got -5$/m,
      ],
      [
        [...base(), "--doc", "a", "--retries", "1.5"],
        KEY_ENV,
        /: --retries must be an integer >= 0, got 1.5$/m,
      ],
      [
        [...base(), "--doc", "a", "--max-docs-per-request", "1.5"],
        KEY_ENV,
        /: --max-docs-per-request must be an integer >= 1, got 1.5$/m,
      ],
      [
        [...base(), "--doc", "a", "--max-request-bytes", "-1"],
        KEY_ENV,
        /: --max-request-bytes must be an integer >= 1, got -1$/m,
      ],
    ];
    for (const [argv, env, message] of cases) {
      const run = await runCli(argv, env);
      expect(run.code, argv.join(" ")).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("exits 3 with status, provider message and attempts on API failures", async () => {
    const endpoint = ["rerank", "--endpoint", failing.url, "--model", "m", "--doc", "a"];
    const rejected = await runCli([...endpoint, "--query", "q"], KEY_ENV);
    expect(rejected.code).toBe(3);
    expect(rejected.stderr).toBe(
      "rerank-eval: API error: regolo 400 query must not be longer than 32000 characters (after 1 attempt)\n",
    );
    const busy = await runCli([...endpoint, "--query", "busy", "--retries", "1"], KEY_ENV);
    expect(busy.code).toBe(3);
    expect(busy.stderr).toBe("rerank-eval: API error: regolo 503 upstream overloaded (after 2 attempts)\n");
  });

  it("--option configures a provider: a generic API described by field paths", async () => {
    const custom = await startLocalServer((req, res) => {
      const passages = (req.body.input as { passages: string[] }).passages;
      const ranking = passages.map((p, doc) => ({ doc, value: p.length / 100 })).reverse();
      json(res, 200, { output: { ranking } });
    });
    try {
      const run = await runCli(
        [
          "rerank",
          "--provider",
          "generic",
          "--endpoint",
          `${custom.url}/api/score`,
          "--model",
          "lex",
          "--query",
          "q",
          "--doc",
          "short",
          "--doc",
          "a longer one",
          "--json",
          ...["--option", "queryField=input.question", "--option", "documentsField=input.passages"],
          ...["--option", "topNField=null", "--option", 'extraBody={"mode":"fast","k":2}'],
          ...["--option", "resultsPath=output.ranking", "--option", "indexField=doc"],
          ...["--option", "scoreField=value", "--option", "modelField=engine"],
        ],
        {},
      );
      expect(run.stderr).toBe("");
      expect(custom.requests[0].body).toStrictEqual({
        mode: "fast",
        k: 2,
        engine: "lex",
        input: { question: "q", passages: ["short", "a longer one"] },
      });
      expect(JSON.parse(run.stdout).results).toEqual([
        { index: 1, score: 0.12, document: "a longer one" },
        { index: 0, score: 0.05, document: "short" },
      ]);
      const bad = await runCli([...base(), "--doc", "a", "--option", "=x"], KEY_ENV);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe("rerank-eval: error: --option '=x' must be key=value\n");
    } finally {
      await custom.close();
    }
  });

  it("speaks Cohere v2 to serve's /v2/rerank and applies --qwen3 formatting", async () => {
    const run = await runCli(
      [
        "rerank",
        "--provider",
        "cohere",
        "--endpoint",
        `${serve.url}/v2/rerank`,
        "--model",
        "bm25",
        "--query",
        QUERY,
        "--json",
        "--qwen3",
        ...DOCS.flatMap((d) => ["--doc", d]),
      ],
      { COHERE_API_KEY: CANARY_KEY },
    );
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.usage).toEqual({ searchUnits: 1 });
    expect(out.notes).toContainEqual({
      code: "qwen3-format",
      detail: "Qwen3 instruction format applied to query and documents",
    });
    expect(out.results[0].document).toBe(DOCS[1]);
  });
});

describe("--help (real process: yargs exits after printing help)", () => {
  beforeAll(() => buildCli(), 60_000);

  it("lists every provider the client speaks, for rerank and doctor", async () => {
    for (const command of ["rerank", "doctor"]) {
      const run = await spawnCli([command, "--help"], {});
      expect(run.code).toBe(0);
      const flat = run.stdout.replace(/\s+/g, " ");
      for (const name of Object.keys(dialects)) expect(flat, `${command} ${name}`).toContain(` ${name}`);
      expect(flat).toContain("--option provider option key=value");
    }
  });
});
