/**
 * `rerank-eval datasets list|download` through the CLI, against a local server standing in for
 * BEIR's (RERANK_EVAL_DATASETS_URL / --base-url): the lines a user sees and the exit codes. The
 * served zip is not BEIR's, so a completed download here ends at the checksum (the library tests,
 * test/download/, take their own catalog and go through to a ready folder).
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FileServer, startFileServer } from "../download/server.js";
import { buildCli, runCli, startCli } from "../helpers/cli.js";
import { beirZip } from "../helpers/zip.js";

let dir: string;
let server: FileServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rerank-eval-datasets-cli-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const { zip } = beirZip("scifact", 2000);

describe("datasets list", () => {
  it("lists BEIR's datasets with size, md5 and URL, and what --dir holds", async () => {
    await mkdir(join(dir, "scifact/qrels"), { recursive: true });
    await writeFile(join(dir, "scifact/corpus.jsonl"), "");
    await writeFile(join(dir, "scifact/queries.jsonl"), "");
    await writeFile(join(dir, "nfcorpus.zip.part"), Buffer.alloc(1500));
    const run = await runCli(["datasets", "list", "--dir", dir, "--base-url", "http://mirror.example/beir/"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^name +zip +md5 +in .+ +url$/);
    expect(lines).toHaveLength(17);
    expect(lines.find((l) => l.startsWith("scifact "))).toMatch(
      /^scifact +2\.8 MB +5f7d1de60b170fc8027bb7898e2efca1 +ready +http:\/\/mirror\.example\/beir\/scifact\.zip$/,
    );
    expect(lines.find((l) => l.startsWith("nfcorpus "))).toMatch(
      /a89dba18a62ef92f7d323ec890a0d38d +partial \(1\.5 kB\)/,
    );
    expect(lines.find((l) => l.startsWith("msmarco "))).toMatch(
      /1\.1 GB +444067daf65d982533ea17ebd59501e4 +- +http/,
    );
    expect(lines.at(-1)).toBe(
      `15 datasets, 1 ready in ${dir}; \`rerank-eval datasets download NAME\` fetches one`,
    );
  });

  it("the base URL from RERANK_EVAL_DATASETS_URL, BEIR's by default; a bad one is one line, exit 2", async () => {
    const fromEnv = await runCli(["datasets", "list", "--dir", dir], {
      RERANK_EVAL_DATASETS_URL: "https://m.example/x",
    });
    expect(fromEnv.stdout).toContain("https://m.example/x/fiqa.zip");
    const beir = await runCli(["datasets", "list", "--dir", dir], { RERANK_EVAL_DATASETS_URL: undefined });
    expect(beir.stdout).toContain(
      "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/fiqa.zip",
    );
    const bad = await runCli(["datasets", "list", "--base-url", "ftp://x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("rerank-eval: error: --base-url must be an http(s) URL, got 'ftp://x'\n");
  });
});

describe("datasets download", () => {
  const download = (...more: string[]) =>
    runCli(["datasets", "download", "scifact", "--dir", dir, ...more], {
      RERANK_EVAL_DATASETS_URL: server?.url,
    });

  it("a file that is not BEIR's (md5 mismatch): one line, exit 2, nothing left", async () => {
    server = await startFileServer({ files: { "/scifact.zip": zip } });
    const run = await download();
    expect(run.code).toBe(2);
    const last = run.stderr.trimEnd().split("\n").at(-1);
    expect(last).toMatch(
      new RegExp(
        `^rerank-eval: error: ${join(dir, "scifact.zip.part")}: md5 [0-9a-f]{32} is not the published 5f7d1de60b170fc8027bb7898e2efca1 .*deleted$`,
      ),
    );
    expect(run.stderr).toContain(`scifact: downloading 2.8 MB from ${server.url}/scifact.zip`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a 404: one line naming the URL, exit 3, no retries", async () => {
    server = await startFileServer({ files: {} });
    const run = await download();
    expect(run.code).toBe(3);
    expect(run.stderr.trimEnd().split("\n").at(-1)).toBe(
      `rerank-eval: download failed: scifact from ${server.url}/scifact.zip: HTTP 404 from ${server.url}/scifact.zip`,
    );
    expect(server.requests).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a dropped connection and then no more answers: exit 3, the .part kept for the next run", async () => {
    server = await startFileServer({
      files: { "/scifact.zip": zip },
      dropAfter: { 0: 4000 },
      statusFor: { 1: 503 },
    });
    const run = await download("--retries", "0");
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/scifact: other side closed.*; resuming\n/);
    expect(server.requests[1].range).toBe("bytes=4000-");
    expect(run.stderr.trimEnd().split("\n").at(-1)).toBe(
      `rerank-eval: download failed: scifact from ${server.url}/scifact.zip: HTTP 503 from ${server.url}/scifact.zip ` +
        `(gave up after 2 attempts); 4.0 kB kept in ${join(dir, "scifact.zip.part")}: the same command resumes it`,
    );
    expect((await stat(join(dir, "scifact.zip.part"))).size).toBe(4000);
    const listed = await runCli(["datasets", "list", "--dir", dir]);
    expect(listed.stdout).toMatch(/\nscifact .* partial \(4\.0 kB\)/);
  });

  it("already there: says so, exit 0, no request", async () => {
    server = await startFileServer({ files: { "/scifact.zip": zip } });
    await mkdir(join(dir, "scifact/qrels"), { recursive: true });
    await writeFile(join(dir, "scifact/corpus.jsonl"), "");
    await writeFile(join(dir, "scifact/queries.jsonl"), "");
    const run = await download();
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `scifact: already in ${join(dir, "scifact")} (--force downloads it again); use --dataset ${join(dir, "scifact")}\n`,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("an unknown name: the nearest one suggested, exit 2", async () => {
    const run = await runCli(["datasets", "download", "scifcat", "--dir", dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "rerank-eval: error: no dataset 'scifcat' in the catalog. Did you mean scifact?\n",
    );
    const far = await runCli(["datasets", "download", "imagenet", "--dir", dir]);
    expect(far.stderr).toMatch(
      /^rerank-eval: error: no dataset 'imagenet' in the catalog; the datasets are msmarco, .*scifact\n$/,
    );
  });

  it("Ctrl-C mid-download: one line, exit 130, the .part kept and no folder", async () => {
    await buildCli();
    server = await startFileServer({ files: { "/scifact.zip": zip }, trickle: 1024 });
    const cli = startCli(["datasets", "download", "scifact", "--dir", dir], {
      RERANK_EVAL_DATASETS_URL: server.url,
    });
    const part = join(dir, "scifact.zip.part");
    const until = Date.now() + 15_000;
    while (!(existsSync(part) && (await stat(part)).size > 0) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    cli.child.kill("SIGINT");
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(run.stderr.trimEnd().split("\n").at(-1)).toBe(
      `rerank-eval: interrupted: download of scifact stopped; ${part} kept: the same command resumes it`,
    );
    expect(await readdir(dir)).toEqual(["scifact.zip.part"]);
    expect((await stat(part)).size).toBeGreaterThan(0);
  });
});
