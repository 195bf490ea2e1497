/**
 * Hostile inputs through the CLI, one test per case: each is exit 2 and exactly one line on stderr
 * naming the file (and line, and field, where there is one), no stack trace, nothing on stdout, and
 * no run folder created, since every one is refused before the run starts. The cases that once
 * crashed or hung the process run it for real (spawned); the others call main() in-process, which
 * is the same code without a Node start-up each.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, type CliRun, REPO, runCli, spawnCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "rerank-eval-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await buildCli();
}, 120_000);

const path = (name: string) => join(dir, name);
function write(name: string, content: string | Buffer): string {
  mkdirSync(join(dir, name, ".."), { recursive: true });
  writeFileSync(path(name), content);
  return path(name);
}
function fifo(name: string): string {
  mkdirSync(join(dir, name, ".."), { recursive: true });
  execFileSync("mkfifo", [path(name)]);
  return path(name);
}

/** A small BEIR folder; `files` replaces its parts. */
function beir(name: string, files: Record<string, string | null> = {}): string {
  const parts: Record<string, string | null> = {
    "corpus.jsonl": '{"_id":"d1","text":"one"}\n{"_id":"d2","text":"two"}\n',
    "queries.jsonl": '{"_id":"q1","text":"what is one"}\n',
    "qrels/test.tsv": "query-id\tcorpus-id\tscore\nq1\td1\t1\n",
    ...files,
  };
  for (const [part, text] of Object.entries(parts)) if (text !== null) write(`${name}/${part}`, text);
  return path(name);
}

const CSV = "query,document,label\nwhat is one,one is a number,1\nwhat is one,two is another,0\n";
const QRELS = () => write("qrels.txt", "q1 0 d1 1\n");

let n = 0;
/** Runs the CLI from the scratch folder; the case must be refused with exactly `line`, exit 2, nothing written. */
async function refused(
  args: string[],
  line: string | RegExp,
  how: "spawn" | "in-process" = "in-process",
): Promise<void> {
  const out = path(`out-${n++}`);
  const withOut =
    args[0] === "run" ? [...args, "--out", out, "--model", "bm25", "--endpoint", "embedded"] : args;
  const run: CliRun = how === "spawn" ? await spawnCli(withOut, {}, 20_000, dir) : await runCli(withOut);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines, run.stderr).toHaveLength(1);
  if (typeof line === "string") expect(lines[0]).toBe(`rerank-eval: error: ${line}`);
  else expect(lines[0]).toMatch(line);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  expect(run.stdout).toBe("");
  expect(run.code).toBe(2);
  expect(existsSync(out)).toBe(false);
  expect(readdirSync(dir)).not.toContain("reports");
}

describe.concurrent("the cases that crashed or hung the process, spawned", () => {
  it("evaluate --run /dev/zero (was: native abort, exit 134, 4.2 GB)", async () => {
    await refused(
      ["evaluate", QRELS(), "/dev/zero"],
      "/dev/zero: not a regular file (a character device)",
      "spawn",
    );
  });

  it("run --dataset /dev/zero (was: grew without end)", async () => {
    await refused(
      ["run", "--dataset", "/dev/zero", "--format", "csv"],
      "/dev/zero: not a regular file (a character device)",
      "spawn",
    );
  });

  it("a run file with a line longer than 64 MiB (one line, no newline)", async () => {
    const long = write("long.run", Buffer.alloc((64 << 20) + 10, 0x61));
    await refused(["evaluate", QRELS(), long], `${long}:1: line longer than 64 MiB`, "spawn");
  });

  it("a YAML alias bomb as the config (was: internal error, exit 70)", async () => {
    await refused(
      ["run", "--config", BOMB()],
      `${path("bomb.yaml")}: too many alias expansions (more than 100: a YAML alias bomb?); write the values out`,
      "spawn",
    );
  });
});

function BOMB(): string {
  const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
  }
  return write("bomb.yaml", `${levels.join("\n")}\n`);
}

describe("hostile inputs: exit 2, one line, nothing written", () => {
  it("a FIFO as the dataset (never opened, so no hang without a writer)", async () => {
    const pipe = fifo("pipe.csv");
    await refused(
      ["run", "--dataset", pipe],
      `${pipe}: not a regular file (a pipe or FIFO: save it to a file first)`,
    );
  });

  it("a BEIR folder whose corpus.jsonl is a FIFO", async () => {
    const folder = beir("beir-fifo", { "corpus.jsonl": null });
    const pipe = fifo("beir-fifo/corpus.jsonl");
    await refused(
      ["run", "--dataset", folder],
      `${pipe}: not a regular file (a pipe or FIFO: save it to a file first)`,
    );
  });

  it("a directory where the candidates run is expected", async () => {
    const folder = beir("beir-dir-run");
    await refused(
      ["run", "--dataset", folder, "--candidates", dir],
      `${dir}: is a directory (expected a TREC run file: qid Q0 docid rank score tag)`,
    );
  });

  it("a run folder whose manifest.json is /dev/zero (report DIR; --resume reads it the same way)", async () => {
    const folder = path("zero-manifest");
    mkdirSync(folder);
    symlinkSync("/dev/zero", join(folder, "manifest.json"));
    const line = `${join(folder, "manifest.json")}: not a regular file (a character device)`;
    await refused(["report", folder], line);
    const resumed = await runCli(["run", "--resume", folder]);
    expect([resumed.code, resumed.stderr]).toEqual([2, `rerank-eval: error: ${line}\n`]);
  });

  it("/dev/zero as the config", async () => {
    await refused(["run", "--config", "/dev/zero"], "/dev/zero: not a regular file (a character device)");
  });

  it("a BEIR corpus with a non-JSON line", async () => {
    const folder = beir("beir-bad-json", {
      "corpus.jsonl": '{"_id":"d1","text":"one"}\nd2,two,a CSV line\n',
    });
    await refused(
      ["run", "--dataset", folder],
      new RegExp(
        `^rerank-eval: error: ${folder}/corpus\\.jsonl:2: malformed JSON \\(expected one JSON object per line\\)`,
      ),
    );
  });

  it("BEIR queries with a record without _id", async () => {
    const folder = beir("beir-no-id", { "queries.jsonl": '{"_id":"q1","text":"one"}\n{"text":"two"}\n' });
    await refused(
      ["run", "--dataset", folder],
      `${folder}/queries.jsonl:2: field '_id': missing (expected a string id)`,
    );
  });

  it("a binary file given as a CSV dataset (NUL bytes)", async () => {
    const binary = write(
      "binary.csv",
      Buffer.concat([Buffer.from("query,document,label\n"), Buffer.from([0, 1, 2, 0xff])]),
    );
    await refused(["run", "--dataset", binary], `${binary}:2: NUL byte: binary file?`);
  });

  it("a UTF-16 CSV (a spreadsheet's 'Unicode text')", async () => {
    const utf16 = write("utf16.csv", Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(CSV, "utf16le")]));
    await refused(["run", "--dataset", utf16], `${utf16}:1: NUL byte: UTF-16 text? (save it as UTF-8)`);
  });

  it("a corrupt gzip under an upper-case name", async () => {
    const zipped = gzipSync(CSV.repeat(50));
    zipped.fill(0x55, 12, zipped.length - 8);
    const bad = write("pairs.csv.GZ", zipped);
    await refused(
      ["run", "--dataset", bad],
      new RegExp(`^rerank-eval: error: ${bad}(:\\d+)?: not a valid gzip file`),
    );
  });

  it("a bzip2 dataset, by name", async () => {
    const bz2 = write("pairs.csv.bz2", "BZh91AY&SY");
    await refused(
      ["run", "--dataset", bz2],
      `${bz2}: a .bz2 file, which is not read (decompress it, or compress it with gzip: .gz is read as is)`,
    );
  });

  it("a candidates run holding a NUL byte", async () => {
    const folder = beir("beir-nul-run");
    const run = write("nul.trec", "q1 Q0 d1 1 2 x\nq1 Q0 d2\u0000 2 1 x\n");
    await refused(["run", "--dataset", folder, "--candidates", run], `${run}:2: NUL byte: binary file?`);
  });

  it("compare and rerank --docs-file with /dev/zero", async () => {
    await refused(
      ["compare", "/dev/zero", "/dev/zero"],
      "/dev/zero: not a regular file (a character device)",
    );
    await refused(
      [
        "rerank",
        "--endpoint",
        "http://127.0.0.1:9/rerank",
        "--model",
        "m",
        "--query",
        "q",
        "--docs-file",
        "/dev/zero",
      ],
      "/dev/zero: not a regular file (a character device)",
    );
  });
});

describe("the shipped demo still runs from the scratch folder", () => {
  it("a gzipped CSV under an upper-case name runs end to end", async () => {
    const { readFileSync } = await import("node:fs");
    const zipped = write("capitals.csv.GZ", gzipSync(readFileSync(join(REPO, "datasets/capitals.csv"))));
    const out = path("gz-run");
    const run = await spawnCli(
      ["run", "--dataset", zipped, "--model", "bm25", "--endpoint", "embedded", "--quiet", "--out", out],
      {},
      20_000,
      dir,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("22 queries");
  });
});
