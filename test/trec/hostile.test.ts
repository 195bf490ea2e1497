/**
 * The line reader's refusals, which every file reader inherits: lines past the bound, NUL bytes,
 * files that are not regular, compressions it does not inflate. Each is one InputError naming the
 * file and, where there is one, the line, counted as the reader counts lines.
 */
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  formatBytes,
  MAX_LINE_BYTES,
  openInput,
  type ReadLimits,
  readLines,
  readTextFile,
  streamLines,
} from "../../src/trec/lines.js";
import { readQrels } from "../../src/trec/qrels.js";
import { readRun } from "../../src/trec/run.js";
import { dir, file, inputError } from "./helpers.js";

const bound = { maxLineBytes: 100 };

async function lines(path: string, limits: ReadLimits = bound): Promise<number> {
  let n = 0;
  for await (const _ of readLines(path, limits)) n++;
  return n;
}

async function drain(stream: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += (chunk as Buffer).length;
  return n;
}

const runLine = (q: string, d: string) => `${q} Q0 ${d} 1 1.5 tag\n`;

describe("a line longer than the bound", () => {
  it("is refused at its line by every entry point; a line of exactly the bound passes", async () => {
    expect(MAX_LINE_BYTES).toBe(64 * 1024 * 1024);
    expect(formatBytes(MAX_LINE_BYTES)).toBe("64 MiB");
    const ok = `a\n${"x".repeat(100)}\nb\n`;
    expect(await lines(file(ok))).toBe(3);
    expect(await drain(await openInput(file(ok), bound))).toBe(ok.length);
    const long = `a\nb\n${"x".repeat(101)}\nc\n`;
    for (const bytes of [Buffer.from(long), gzipSync(long)]) {
      const path = file(bytes);
      const err = await inputError(lines(path));
      expect(err.message).toBe(`${path}:3: line longer than 100 bytes`);
      const streamed = await inputError(streamLines(path, () => {}, bound));
      expect(streamed.message).toBe(`${path}:3: line longer than 100 bytes`);
      expect((await inputError(drain(await openInput(path, bound)))).message).toBe(
        `${path}:3: line longer than 100 bytes`,
      );
    }
  });

  it("a last line without a newline, and one that never ends before the file does", async () => {
    const path = file(`a\n${"y".repeat(500)}`);
    expect((await inputError(lines(path))).line).toBe(2);
    expect((await inputError(streamLines(path, () => {}, bound))).line).toBe(2);
  });

  it("is placed right when it straddles the 8 MiB read buffer, and counted as each reader counts lines", async () => {
    // Short lines, then a long line starting ~2.8 KiB before the buffer's end: past the bound before
    // its end is read (the partial-line check).
    const short = "q1 Q0 d 1 1 t\n";
    const before = Math.floor((8 << 20) / short.length) - 200;
    const path = file(`${short.repeat(before)}${"z".repeat(4096)}\n${short}`);
    const kib = { maxLineBytes: 1024 };
    expect((await inputError(streamLines(path, () => {}, kib))).message).toBe(
      `${path}:${before + 1}: line longer than 1 KiB`,
    );
    expect((await inputError(lines(path, kib))).line).toBe(before + 1);
    // A lone CR ends a line for readLines (JSONL, TSV, CSV), not for the TREC readers.
    const cr = file(`a\rb\r\n${"x".repeat(200)}\n`);
    expect((await inputError(lines(cr))).line).toBe(3);
    expect((await inputError(streamLines(cr, () => {}, bound))).line).toBe(2);
  });

  it("at the default bound: a small gzip that inflates to one 65 MiB line", async () => {
    const path = file(gzipSync(Buffer.alloc(65 << 20, 0x61)));
    const err = await inputError(streamLines(path, () => {}));
    expect(err.message).toBe(`${path}:1: line longer than 64 MiB`);
    expect((await inputError(lines(path, {}))).message).toBe(`${path}:1: line longer than 64 MiB`);
  }, 20_000);

  it("reaches the TREC run and qrels readers (the evaluate command, candidates)", async () => {
    const run = file(`${runLine("q1", "d1")}${runLine("q1", "d2")}${runLine("q1", "d".repeat(200))}`);
    expect((await inputError(readRun(run, bound))).message).toBe(`${run}:3: line longer than 100 bytes`);
    expect((await inputError(readRun(run, { depth: 5, ...bound }))).line).toBe(3);
    const qrels = file(`q1 0 d1 1\nq1 0 ${"d".repeat(200)} 1\n`);
    expect((await inputError(readQrels(qrels, bound))).message).toBe(
      `${qrels}:2: line longer than 100 bytes`,
    );
  });
});

describe("NUL bytes", () => {
  it("are refused at their line: a binary file given as text", async () => {
    const text = "q1 Q0 d1 1 1 t\nq1 Q0 d2 2 1 t\nq1 Q0 d\x003 3 1 t\n";
    for (const bytes of [Buffer.from(text, "latin1"), gzipSync(Buffer.from(text, "latin1"))]) {
      const path = file(bytes);
      expect((await inputError(readRun(path))).message).toBe(`${path}:3: NUL byte: binary file?`);
      expect((await inputError(lines(path))).message).toBe(`${path}:3: NUL byte: binary file?`);
      expect((await inputError(drain(await openInput(path)))).message).toBe(
        `${path}:3: NUL byte: binary file?`,
      );
    }
    const qrels = file("q1 0 d1 1\n\x00\n");
    expect((await inputError(readQrels(qrels))).line).toBe(2);
  });

  it("are let through where asked (results.jsonl: a power loss can leave a tail of zeros)", async () => {
    const path = file("{}\n{}\n\x00\x00\x00");
    expect(await lines(path, { allowNul: true })).toBe(3);
    expect(await drain(await openInput(path, { allowNul: true }))).toBe(9);
    expect((await inputError(lines(path))).line).toBe(3);
  });

  it("UTF-16 text (every other byte NUL) is told apart", async () => {
    const utf16 = file(
      Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from("query,document,label\n", "utf16le")]),
    );
    const err = await inputError(lines(utf16));
    expect(err.message).toBe(`${utf16}:1: NUL byte: UTF-16 text? (save it as UTF-8)`);
  });
});

describe("files that are not regular files", () => {
  it("a FIFO (even with no writer: it is never opened), /dev/zero, a socket, a directory", async () => {
    const fifo = join(dir, "pipe.csv");
    execFileSync("mkfifo", [fifo]);
    const sock = join(dir, "server.sock");
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const expected: Array<[string, string]> = [
        [fifo, `${fifo}: not a regular file (a pipe or FIFO: save it to a file first)`],
        ["/dev/zero", "/dev/zero: not a regular file (a character device)"],
        [sock, `${sock}: not a regular file (a socket)`],
        [dir, `${dir}: is a directory, expected a file`],
      ];
      for (const [path, message] of expected) {
        expect((await inputError(lines(path))).message).toBe(message);
        expect((await inputError(readRun(path))).message).toBe(message);
        expect((await inputError(readQrels(path))).message).toBe(message);
        expect((await inputError(openInput(path))).message).toBe(message);
      }
      expect((await inputError(readTextFile(fifo, { maxBytes: 100, what: "a config" }))).message).toBe(
        `${fifo}: not a regular file (a pipe or FIFO: save it to a file first)`,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("compressions other than gzip", () => {
  it("are refused by their magic bytes, whatever the name; text that merely starts like one is read", async () => {
    const magic: Array<[string, number[]]> = [
      ["zstd", [0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x00]],
      ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00]],
      ["bzip2", [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59]],
      ["zip", [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]],
    ];
    for (const [name, bytes] of magic) {
      const path = file(
        Buffer.concat([Buffer.from(bytes), Buffer.from("rest of the archive")]),
        `x.${name}.csv`,
      );
      const message = `${path}: compressed with ${name}, which is not read (decompress it, or compress it with gzip)`;
      expect((await inputError(lines(path))).message).toBe(message);
      expect((await inputError(readRun(path))).message).toBe(message);
      expect((await inputError(openInput(path))).message).toBe(message);
    }
    expect(await lines(file("BZh, a line of text\n"))).toBe(1);
  });
});

describe("readTextFile (config files, reports, manifests)", () => {
  it("caps the size, refuses NUL bytes at their line, reads the rest as UTF-8", async () => {
    const opts = { maxBytes: 1024, what: "a config" };
    expect(await readTextFile(file("a: 1\nb: é\n"), opts)).toBe("a: 1\nb: é\n");
    const big = file("x".repeat(1025));
    expect((await inputError(readTextFile(big, opts))).message).toBe(
      `${big}: larger than 1 KiB (expected a config)`,
    );
    const nul = file("a: 1\r\nb: 2\n\x00");
    expect((await inputError(readTextFile(nul, opts))).message).toBe(`${nul}:3: NUL byte: binary file?`);
  });
});
