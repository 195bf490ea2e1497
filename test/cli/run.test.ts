/** `rerank-eval run` through the CLI: exit codes, one-line errors, flags over config, sampling, canary, npm start. */
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import yargs, { type Argv } from "yargs";
import { runCommand, toFlags } from "../../src/cli/commands/run.js";
import { resolveRunOptions } from "../../src/run/config.js";
import { RUN_FLAGS } from "../../src/run/options.js";
import { buildCli, runCli, runCliForReport, spawnCli } from "../helpers/cli.js";
import {
  type FixedScoreServer,
  startFixedScoreServer,
  syntheticRows,
  tempDir,
  writeCsv,
} from "../run/helpers.js";

const CANARY = "sk-CANARY-run-5e1d2c9a8b7f";
let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
let server: FixedScoreServer;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  csv = await writeCsv(dir, syntheticRows(12, 4));
  server = await startFixedScoreServer({
    score: (_q, d) => d.length,
    failQueries: new Set(["query number 5"]),
  });
  await buildCli();
}, 60_000);
afterAll(async () => {
  await server.close();
  await cleanup();
});

const base = () => [
  "run",
  "--dataset",
  csv,
  "--provider",
  "vllm",
  "--endpoint",
  server.endpoint,
  "--retries",
  "0",
  "--quiet",
];

async function config(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe("rerank-eval run (CLI)", () => {
  it("a config validation error is exit 2 and one line naming file, line and field", async () => {
    const path = await config("bad.yaml", `dataset: ${csv}\nmodels: [m]\ntopN: [0]\n`);
    const r = await runCli(["run", "--config", path]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^rerank-eval: error: .*bad\.yaml:3: field 'topN(\.0)?'/);
    expect(r.stdout).toBe("");
  });

  it("bad input data and unknown measures are exit 2 with one line, and nothing is written", async () => {
    const broken = join(dir, "broken.csv");
    await writeFile(broken, "query_id,query,doc_id,document,label\nq1,hello,d1,text,high\n");
    const out = join(dir, "never");
    const r = await runCli(["run", "--dataset", broken, "--model", "m", "--out", out, "--quiet"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rerank-eval: error: .*broken\.csv:2: .*label/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    await expect(readdir(out)).rejects.toThrow();
    const m = await runCli([...base(), "--model", "m", "--measures", "nDCG@10,Bogus@3", "--out", out]);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain("Bogus@3");
  });

  it("a mistake in any flag is exit 2, one line naming the flag, and no output folder", async () => {
    const embedded = ["run", "--dataset", csv, "--model", "bm25", "--endpoint", "embedded", "--quiet"];
    const cases: [string[], RegExp][] = [
      [["--top-n", "abc"], /--top-n must be a positive integer, got 'abc'/],
      [["--top-n", "3,0"], /--top-n must be a positive integer, got '0'/],
      [["--top-n"], /--top-n needs a value/],
      [["-j", "0"], /--concurrency must be a positive integer/],
      [["-j", "many"], /--concurrency must be a positive integer, got 'many'/],
      [["-j"], /--concurrency needs a value/],
      [["-j", "2", "-j", "3"], /--concurrency was given 2 times \(2, 3\)/],
      [["--rps", "0"], /--rps must be a positive number/],
      [["--depth", "1.5"], /--depth must be a positive integer/],
      [["--sample", "0"], /--sample must be a positive integer/],
      [["--seed", "1.5"], /--seed must be an integer/],
      [["--k", "0"], /--k must be a positive integer/],
      [["--measures", "nDCG@10,Bogus@3"], /Bogus@3/],
      [["--format", "xml"], /--format must be one of csv, beir, trec, mteb/],
      [["--candidates", join(dir, "missing.trec")], /missing\.trec/],
      [["--api-key-env", "not-a-var"], /--api-key-env takes the NAME of an environment variable/],
      [["--max-failures", "-1"], /--max-failures must be an integer >= 0/],
      [["--max-failures"], /--max-failures needs a value/],
      [["--api-key-env", "A", "--api-key-env", "B"], /--api-key-env was given 2 times \(A, B\)/],
      [["--retries", "1.5"], /--retries must be an integer >= 0/],
      [["--provider", "vllm"], /embedded server speaks regolo and cohere, not 'vllm'/],
      [["--model", "bm2"], /model 'bm2' is not a scorer of the embedded server; it has bm25, tfidf/],
      [["--dataset", join(dir, "other.csv")], /--dataset was given 2 times/],
      [["--out", join(dir, "first-out")], /--out was given 2 times/],
      [["--topn", "3"], /Unknown argument: topn/],
      [["--config", join(dir, "missing.yaml")], /missing\.yaml: cannot read the config file/],
      [["--timeout-ms", "0"], /--timeout-ms must be a positive integer, got '0'/],
      [["--timeout-ms", "1", "--timeout-ms", "2"], /--timeout-ms was given 2 times \(1, 2\)/],
      [["--max-docs-per-request"], /--max-docs-per-request needs a value/],
      [["--max-request-bytes", "-5"], /--max-request-bytes must be a positive integer, got '-5'/],
      [["--option", "truncate"], /--option must be key=value, got 'truncate'/],
      [["--option"], /--option needs a value/],
    ];
    for (const [i, [extra, message]] of cases.entries()) {
      const out = join(dir, `mistake-${i}`);
      const r = await runCli([...embedded, ...extra, "--out", out]);
      const label = extra.join(" ");
      expect(r.code, `${label}: ${r.stderr}`).toBe(2);
      expect(r.stderr, label).toMatch(/^rerank-eval: error: [^\n]+\n$/);
      expect(r.stderr, label).toMatch(message);
      expect(r.stdout, label).toBe("");
      await expect(readdir(out), label).rejects.toThrow();
    }
    // A bare --out (its value forgotten) is a mistake too, not the default folder.
    const bare = await runCli([...embedded, "--out"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toBe("rerank-eval: error: --out needs a value\n");
  });

  it("--provider cohere --endpoint embedded speaks Cohere v2 to the embedded server, as the report says", async () => {
    const out = join(dir, "embedded-cohere");
    const { report } = await runCliForReport([
      ...["run", "--dataset", csv, "--model", "bm25", "--endpoint", "embedded", "--provider", "cohere"],
      ...["--quiet", "--out", out],
    ]);
    expect(report.variants[0]).toMatchObject({ provider: "cohere", endpoint: "embedded" });
    expect(report.variants[0].failures.count).toBe(0);
    // Cohere v2 bills search units; regolo's answer carries no usage at all.
    expect(report.variants[0].usage).toEqual({ searchUnits: 12 });
  });

  it("an output folder that cannot be written is exit 2 with one line naming it", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "not a folder");
    const r = await runCli([...base(), "--model", "m", "--out", join(file, "sub")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^rerank-eval: error: .*a-file\/sub: field 'out': cannot write the output folder \(ENOTDIR\)\n$/,
    );
  });

  it("a missing key is exit 2 naming the variable, before any folder is made", async () => {
    const out = join(dir, "no-key");
    const r = await runCli([
      "run",
      "--dataset",
      csv,
      "--model",
      "m",
      "--endpoint",
      server.endpoint,
      "--api-key-env",
      "RUN_TEST_UNSET_KEY",
      "--out",
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rerank-eval: error: .*RUN_TEST_UNSET_KEY.*\n$/);
    await expect(readdir(out)).rejects.toThrow();
  });

  it("flags override the config file", async () => {
    const path = await config(
      "eval.yaml",
      `dataset: ${csv}\nmodels: [fromfile]\ntopN: [3]\nconcurrency: 2\nout: ${join(dir, "from-file")}\n`,
    );
    const out = join(dir, "override");
    const { run: r, report } = await runCliForReport([
      "run",
      "--config",
      path,
      "--provider",
      "vllm",
      "--endpoint",
      server.endpoint,
      "--top-n",
      "2",
      "-j",
      "5",
      "--out",
      out,
      "--max-failures",
      "5",
      "--retries",
      "0",
      "--quiet",
    ]);
    expect(report.variants.map((v: { id: string }) => v.id)).toEqual(["fromfile.top2"]);
    expect(report.config.concurrency).toBe(5);
    expect(r.stdout).toContain(join(out, "report.md"));
  });

  it("--sample N --seed S picks the same queries every time", async () => {
    const pick = async (seed: number, name: string) => {
      const out = join(dir, name);
      const { report } = await runCliForReport([
        ...base(),
        "--model",
        "m",
        "--sample",
        "4",
        "--seed",
        String(seed),
        "--max-failures",
        "9",
        "--out",
        out,
      ]);
      expect(report.dataset.sample).toEqual({ size: 4, seed, of: 12 });
      const picked = Object.keys(report.variants[0].perQuery.AP);
      // The exported qrels hold the sampled queries only, so evaluate --complete scores the same set.
      const qrels = await readFile(join(out, "qrels.txt"), "utf8");
      expect([
        ...new Set(
          qrels
            .trim()
            .split("\n")
            .map((l) => l.split(" ")[0]),
        ),
      ]).toEqual(picked);
      return picked;
    };
    const a = await pick(11, "s1");
    expect(a).toHaveLength(4);
    expect(await pick(11, "s2")).toEqual(a);
    expect(await pick(12, "s3")).not.toEqual(a);
  });

  it("canary: with a key in the environment and failures forced, the key is in no file and no output", async () => {
    const out = join(dir, "canary");
    const r = await spawnCli(
      [
        "run",
        "--dataset",
        csv,
        "--model",
        "m",
        "--endpoint",
        server.endpoint,
        "--api-key-env",
        "RUN_CANARY_KEY",
        "--retries",
        "0",
        "--out",
        out,
      ],
      { ...process.env, RUN_CANARY_KEY: CANARY, REGOLO_API_KEY: CANARY },
    );
    // One query always fails: above --max-failures 0, so exit 3 with the report written.
    expect(r.code).toBe(3);
    expect(r.stderr.split("\n").at(-2)).toMatch(
      /^rerank-eval: 1 \(variant, query\) tasks failed after their retries \(max-failures 0\), e\.g\. .*503.*report\.md$/,
    );
    expect(server.authorizations.has(`Bearer ${CANARY}`)).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(CANARY);
    const files = await readdir(out);
    expect(files).toEqual(
      expect.arrayContaining(["report.json", "report.md", "results.jsonl", "run-m.trec"]),
    );
    for (const f of files) expect(await readFile(join(out, f), "utf8"), f).not.toContain(CANARY);
  });

  it("npm start: the demo config exits 0 in under a minute and prints the headline table", async () => {
    const out = join(dir, "demo");
    const r = await spawnCli(["run", "--config", "examples/demo.yaml", "--out", out], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.ms).toBeLessThan(60_000);
    expect(r.stdout).toMatch(/\| variant\s+\|\s+nDCG@1/);
    for (const id of ["bm25.top3", "bm25.top10", "tfidf.top3", "tfidf.top10"])
      expect(r.stdout).toContain(`| ${id}`);
    // Not a terminal: plain progress lines, no bar redraws.
    // The counts are (variant, query) tasks, said once: 22 queries is not 88.
    expect(r.stderr).toMatch(/^rerank: 88 tasks \(4 variants × 22 queries\)$/m);
    expect(r.stderr).toMatch(/^rerank: \d+\/88 tasks /m);
    expect(r.stderr).not.toContain("\r");
    expect(r.stderr).toMatch(/^rerank: 88\/88 tasks \(100%\) .*errors 0\n$/m);
    const md = await readFile(join(out, "report.md"), "utf8");
    expect(md).toContain("## top_n");
    // The demo's own settings: the shipped CSV, two real scorers of the embedded server, top_n 3 and 10.
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
    expect(report.dataset).toMatchObject({ path: "datasets/capitals.csv", format: "csv" });
    expect(report.variants.map((v: { endpoint: string }) => v.endpoint)).toEqual(Array(4).fill("embedded"));
  });

  // Needs a git checkout (a packed tarball has no .git to ask).
  it.skipIf(!existsSync(".git"))(
    "npm start is this command, and reports/ keeps generated files out of git",
    async () => {
      const pkg = JSON.parse(await readFile("package.json", "utf8"));
      expect(pkg.scripts.start).toBe("node dist/cli/main.js run --config examples/demo.yaml");
      expect(pkg.scripts.prestart).toMatch(/build/);
      const demo = await readFile("examples/demo.yaml", "utf8");
      expect(demo).toMatch(/^out: \.\.\/reports\/demo$/m);
      const { execFileSync } = await import("node:child_process");
      const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8" });
      expect(git("ls-files", "reports").trim()).toBe("reports/.gitkeep");
      expect(git("check-ignore", "reports/demo/report.md").trim()).toBe("reports/demo/report.md");
    },
  );

  it("a model setting in the file is judged with file, line and field; the same value as a flag names the flag", async () => {
    const path = await config(
      "bad-timeout.yaml",
      `dataset: ${csv}\nmodels:\n  - name: m\n    timeoutMs: 0\n`,
    );
    const fromFile = await runCli(["run", "--config", path, "--quiet"]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toBe(
      `rerank-eval: error: ${path}:4: field 'models.0.timeoutMs': must be a positive integer, got 0\n`,
    );
    const good = await config(
      "good-timeout.yaml",
      `dataset: ${csv}\nmodels:\n  - name: m\n    timeoutMs: 500\n`,
    );
    const fromFlag = await runCli(["run", "--config", good, "--timeout-ms", "0", "--quiet"]);
    expect(fromFlag.code).toBe(2);
    expect(fromFlag.stderr).toBe("rerank-eval: error: --timeout-ms must be a positive integer, got '0'\n");
  });

  it("--timeout-ms 500 is accepted by run and reaches the model (it used to be an unknown argument)", async () => {
    const out = join(dir, "timeout-flag");
    const { report } = await runCliForReport([
      ...base(),
      "--model",
      "m",
      "--timeout-ms",
      "500",
      "--max-failures",
      "9",
      "--out",
      out,
    ]);
    expect(report.config.models[0]).toMatchObject({ name: "m", timeoutMs: 500 });
  });
});

describe("run's flags come from RUN_OPTIONS", () => {
  /** The flags --help lists, as typed: --top-n, -k (a one-letter flag has one dash). */
  async function helpFlags(): Promise<{ flags: string[]; text: string }> {
    // A separate process: yargs ends the process after printing help.
    const r = await spawnCli(["run", "--help"], {});
    expect(r.code).toBe(0);
    const options = r.stdout.split("\nExamples:")[0];
    const flags = [...options.matchAll(/^ {2}(?:-\w, )?(?: {4})?(--?[\w-]+)/gm)].map((m) => m[1]);
    return { flags, text: options };
  }

  it("one flag per table row and no other: a row without a flag or a flag without a row fails here", async () => {
    const { flags, text } = await helpFlags();
    const fromTable = RUN_FLAGS.map((f) => (f.flag.length === 1 ? `-${f.flag}` : `--${f.flag}`));
    const builtIn = ["--help", "--version", "--debug"];
    expect(new Set(flags)).toEqual(new Set([...fromTable, ...builtIn]));
    expect(flags).toHaveLength(fromTable.length + builtIn.length);
    for (const f of RUN_FLAGS) {
      // Each row's description and aliases are what --help shows.
      expect(text.replace(/\s+/g, " "), f.flag).toContain(f.def.description.slice(0, 30));
      if ("alias" in f.def && f.def.alias) expect(text).toContain(`-${f.def.alias}, --${f.flag}`);
    }
  });

  it("each per-model flag, as typed, reaches every ModelSpec", () => {
    const argv = [
      ...["--dataset", "d.csv", "--model", "a,b", "--timeout-ms", "500", "--max-docs-per-request", "16"],
      ...["--max-request-bytes", "65536", "--qwen3-instruction", "--option", "truncate=END"],
      ...[
        "--option",
        'extra={"x":[1,2]}',
        "--retries",
        "0",
        "--provider",
        "cohere",
        "--endpoint",
        "embedded",
      ],
      ...["--api-key-env", "MY_KEY"],
    ];
    const parsed = (runCommand.builder as (y: Argv) => Argv)(yargs(argv).strict()).parseSync();
    const { models } = resolveRunOptions(undefined, toFlags(parsed));
    const settings = {
      timeoutMs: 500,
      maxDocsPerRequest: 16,
      maxRequestBytes: 65536,
      qwen3Instruction: true,
      options: { truncate: "END", extra: { x: [1, 2] } },
      retries: 0,
      provider: "cohere",
      endpoint: "embedded",
      apiKeyEnv: "MY_KEY",
    };
    expect(models).toEqual([
      { name: "a", model: "a", ...settings },
      { name: "b", model: "b", ...settings },
    ]);
    const custom = (runCommand.builder as (y: Argv) => Argv)(
      yargs(["--dataset", "d.csv", "--model", "a", "--qwen3-instruction", "rank capitals"]),
    ).parseSync();
    expect(resolveRunOptions(undefined, toFlags(custom)).models[0].qwen3Instruction).toBe("rank capitals");
  });
});
