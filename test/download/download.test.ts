/**
 * downloadDataset against a real HTTP server on loopback serving a zip made here: the ready folder
 * loads as a BEIR set; a dropped connection resumes with Range; a server that ignores Range starts
 * over; a wrong checksum, a truncated or corrupt zip, zip slip and a 404 leave nothing half-made.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadEvalSet } from "../../src/datasets/index.js";
import { type Catalog, DownloadFailed, downloadDataset } from "../../src/download/index.js";
import { InputError, Interrupted } from "../../src/errors.js";
import { waitFor } from "../helpers/wait.js";
import { beirZip, makeZip } from "../helpers/zip.js";
import { type FileServer, type FileServerOptions, startFileServer } from "./server.js";

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
const catalogFor = (zip: Buffer, name = "tiny"): Catalog => [{ name, zipBytes: zip.length, md5: md5(zip) }];

let dir: string;
let server: FileServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rerank-eval-download-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function serve(
  zip: Buffer,
  extra: Partial<FileServerOptions> = {},
  name = "tiny",
): Promise<FileServer> {
  server = await startFileServer({ files: { [`/${name}.zip`]: zip }, ...extra });
  return server;
}

function download(catalog: Catalog, more: Partial<Parameters<typeof downloadDataset>[0]> = {}) {
  return downloadDataset({
    name: catalog[0].name,
    dir,
    baseUrl: server?.url,
    catalog,
    retryDelayMs: 5,
    idleTimeoutMs: 5000,
    ...more,
  });
}

/** The files in `dir`, hidden ones included: what a failed download must not leave behind. */
const listing = () => readdir(dir).then((names) => names.sort());

describe("datasets download", () => {
  const { zip, files } = beirZip("tiny", 400);

  it("downloads, checks and unzips into a ready BEIR folder, and leaves nothing else", async () => {
    await serve(zip);
    const r = await download(catalogFor(zip));
    expect(r).toMatchObject({
      alreadyPresent: false,
      zipBytes: zip.length,
      files: 3,
      attempts: 1,
      resumes: 0,
    });
    expect(await listing()).toEqual(["tiny"]);
    for (const [name, text] of Object.entries(files))
      expect(await readFile(join(dir, name), "utf8")).toBe(text);
    const set = await loadEvalSet(join(dir, "tiny"));
    expect(set.queries.size).toBe(5);
    expect(set.docs.size).toBe(400);
    expect(server?.requests.map((q) => q.range)).toEqual([undefined]);
  });

  it("resumes a connection dropped half-way with a Range request, and the result is the same", async () => {
    const half = Math.floor(zip.length / 2);
    await serve(zip, { dropAfter: { 0: half } });
    const r = await download(catalogFor(zip));
    expect(server?.requests).toHaveLength(2);
    expect(server?.requests[1].range).toBe(`bytes=${half}-`);
    // The second request names the file it continues (its ETag), so a changed file is not spliced on.
    expect(server?.requests[1].ifRange).toBe('"v1"');
    expect(r).toMatchObject({ attempts: 2, resumes: 1, restarts: 0, zipBytes: zip.length });
    for (const [name, text] of Object.entries(files))
      expect(await readFile(join(dir, name), "utf8")).toBe(text);
  });

  it("keeps the .part when retries run out, and the next download resumes it", async () => {
    const third = Math.floor(zip.length / 3);
    await serve(zip, { dropAfter: { 0: third }, statusFor: { 1: 503, 2: 503, 3: 503 } });
    const failed = await download(catalogFor(zip), { retries: 2 }).catch((e) => e);
    expect(failed).toBeInstanceOf(DownloadFailed);
    expect(failed.message).toMatch(
      /HTTP 503 .*gave up after 4 attempts.*kept in .*tiny\.zip\.part: the same command resumes it/,
    );
    expect(await listing()).toEqual(["tiny.zip.part"]);
    expect((await readFile(join(dir, "tiny.zip.part"))).equals(zip.subarray(0, third))).toBe(true);
    // Another process, later: it starts where the first stopped.
    const r = await download(catalogFor(zip));
    expect(server?.requests.at(-1)?.range).toBe(`bytes=${third}-`);
    expect(r.resumedFrom).toBe(third);
    expect(r.received).toBe(zip.length - third);
    expect(await listing()).toEqual(["tiny"]);
  });

  it("starts over when the server ignores Range (200 instead of 206)", async () => {
    await serve(zip, { dropAfter: { 0: 1000 }, ignoreRange: true });
    const r = await download(catalogFor(zip));
    expect(server?.requests[1].range).toBe("bytes=1000-");
    expect(r).toMatchObject({ resumes: 0, restarts: 1, zipBytes: zip.length });
    expect(await readFile(join(dir, "tiny/corpus.jsonl"), "utf8")).toBe(files["tiny/corpus.jsonl"]);
  });

  it("takes a complete .part (the server answers 416) without downloading it again", async () => {
    await serve(zip);
    await writeFile(join(dir, "tiny.zip.part"), zip);
    const r = await download(catalogFor(zip));
    expect(server?.requests.map((q) => q.range)).toEqual([`bytes=${zip.length}-`]);
    expect(r.received).toBe(0);
    expect(await listing()).toEqual(["tiny"]);
  });

  it("follows a redirect, and resumes through it", async () => {
    server = await startFileServer({
      files: { "/mirror/tiny.zip": zip },
      redirects: { "/tiny.zip": "/mirror/tiny.zip" },
      dropAfter: { 0: 700 },
    });
    const r = await download(catalogFor(zip));
    expect(server.requests.map((q) => `${q.path} ${q.range ?? ""}`)).toEqual([
      "/tiny.zip ",
      "/mirror/tiny.zip ",
      "/tiny.zip bytes=700-",
      "/mirror/tiny.zip bytes=700-",
    ]);
    expect(r).toMatchObject({ resumes: 1, zipBytes: zip.length });
    expect(await listing()).toEqual(["tiny"]);
  });

  it("a checked zip left by a run stopped while extracting is used again; a wrong one is replaced", async () => {
    await serve(zip);
    await writeFile(join(dir, "tiny.zip"), zip);
    await download(catalogFor(zip));
    expect(server?.requests).toHaveLength(0);
    expect(await listing()).toEqual(["tiny"]);
    await rm(join(dir, "tiny"), { recursive: true });
    await writeFile(join(dir, "tiny.zip"), zip.subarray(0, 100));
    await download(catalogFor(zip));
    expect(server?.requests).toHaveLength(1);
    expect(await listing()).toEqual(["tiny"]);
  });

  it("a wrong md5 is an InputError; the download is deleted and no folder made", async () => {
    await serve(zip);
    const err = await download([{ name: "tiny", zipBytes: zip.length, md5: "0".repeat(32) }]).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/tiny\.zip\.part: md5 [0-9a-f]{32} is not the published 0{32}.*deleted/);
    expect(await listing()).toEqual([]);
  });

  it("a truncated zip or a corrupt one (with a matching md5) is an InputError and leaves nothing", async () => {
    const truncated = zip.subarray(0, Math.floor(zip.length * 0.7));
    const corrupt = Buffer.from(zip);
    // Inside corpus.jsonl's deflated bytes (the first file after the folder entry).
    for (let i = 120; i < 160; i++) corrupt[i] ^= 0x5a;
    for (const bad of [truncated, corrupt]) {
      await serve(bad);
      const err = await download(catalogFor(bad)).catch((e) => e);
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toMatch(
        /tiny\.zip: not a usable zip: .*nothing was extracted and the zip was deleted/,
      );
      expect(await listing()).toEqual([]);
      await server?.close();
      server = undefined;
    }
  });

  it("refuses zip slip: '..', absolute paths and symbolic links, writing nothing outside or inside", async () => {
    const hostile = [
      [
        { name: "tiny/corpus.jsonl", data: "{}\n" },
        { name: "../escaped.txt", data: "pwned" },
      ],
      [{ name: "/tmp/escaped-abs.txt", data: "pwned" }],
      [{ name: "tiny/link", data: "/etc/passwd", mode: 0o120777 }],
    ];
    for (const entries of hostile) {
      const bad = makeZip(entries);
      await serve(bad);
      const err = await download(catalogFor(bad)).catch((e) => e);
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toMatch(/tiny\.zip: refused: .*(relative path|absolute path|symbolic link)/);
      expect(await listing()).toEqual([]);
      expect(existsSync(join(dir, "..", "escaped.txt"))).toBe(false);
      await server?.close();
      server = undefined;
    }
    expect(existsSync("/tmp/escaped-abs.txt")).toBe(false);
  });

  it("a 404 fails at once (no retries), names the URL, and leaves nothing", async () => {
    await serve(zip, {}, "elsewhere");
    const err = await download(catalogFor(zip)).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadFailed);
    expect(err.message).toBe(`tiny from ${server?.url}/tiny.zip: HTTP 404 from ${server?.url}/tiny.zip`);
    expect(server?.requests).toHaveLength(1);
    expect(await listing()).toEqual([]);
  });

  it("says it is there already without a request; --force downloads and replaces it", async () => {
    await serve(zip);
    await download(catalogFor(zip));
    await writeFile(join(dir, "tiny/stale.txt"), "from before");
    const again = await download(catalogFor(zip));
    expect(again.alreadyPresent).toBe(true);
    expect(server?.requests).toHaveLength(1);
    const forced = await download(catalogFor(zip), { force: true });
    expect(forced.alreadyPresent).toBe(false);
    expect(server?.requests).toHaveLength(2);
    expect(existsSync(join(dir, "tiny/stale.txt"))).toBe(false);
    expect(await listing()).toEqual(["tiny"]);
  });

  it("refuses a folder in the way that is not a BEIR folder, and touches nothing", async () => {
    await serve(zip);
    await writeFile(join(dir, "tiny"), "mine");
    const err = await download(catalogFor(zip), { force: true }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/tiny: is in the way: it is not a BEIR folder/);
    expect(await readFile(join(dir, "tiny"), "utf8")).toBe("mine");
    expect(server?.requests).toHaveLength(0);
  });

  it("stopped mid-transfer (Ctrl-C): Interrupted, the .part kept, no folder", async () => {
    await serve(zip, { trickle: 512 });
    const stop = new AbortController();
    const pending = download(catalogFor(zip), { signal: stop.signal });
    await waitFor(async () => (await listing()).includes("tiny.zip.part"));
    await new Promise((r) => setTimeout(r, 50));
    stop.abort("SIGINT");
    const err = await pending.catch((e) => e);
    expect(err).toBeInstanceOf(Interrupted);
    expect(err.signal).toBe("SIGINT");
    expect(err.message).toMatch(/tiny\.zip\.part kept: the same command resumes it/);
    expect(await listing()).toEqual(["tiny.zip.part"]);
    const kept = await readFile(join(dir, "tiny.zip.part"));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.equals(zip.subarray(0, kept.length))).toBe(true);
  });
});

describe("one download of a dataset at a time", () => {
  const { zip } = beirZip("tiny", 400);

  it("a second download of the same dataset into the same folder is refused while the first runs", async () => {
    await serve(zip, { trickle: 256 });
    const stop = new AbortController();
    const first = download(catalogFor(zip), { signal: stop.signal });
    await waitFor(async () => (await listing()).includes("tiny.zip.part"));
    const second = await download(catalogFor(zip)).catch((e) => e);
    expect(second).toBeInstanceOf(InputError);
    expect(second.message).toMatch(
      /: field 'dir': tiny is being downloaded here by another process \(pid \d+\); wait for it/,
    );
    stop.abort("SIGINT");
    await expect(first).rejects.toBeInstanceOf(Interrupted);
    expect(await listing()).toEqual(["tiny.zip.part"]);
  });

  it("a lock left by a process that is gone is taken over", async () => {
    await serve(zip);
    // Beyond the default pid_max (4194304 on 64-bit Linux): no process has it.
    await writeFile(join(dir, ".tiny.download.lock"), "99999999\n");
    const r = await download(catalogFor(zip));
    expect(r.files).toBe(3);
    expect(await listing()).toEqual(["tiny"]);
  });
});
