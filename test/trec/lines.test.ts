import { existsSync, readdirSync } from "node:fs";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { openInput, readLines, streamLines } from "../../src/trec/lines.js";
import { file, inputError } from "./helpers.js";

async function lines(path: string): Promise<[string, number][]> {
  const out: [string, number][] = [];
  for await (const [text, line] of readLines(path)) out.push([text, line]);
  return out;
}

/**
 * The text lines of the bytes as Node's readline splits them (the loaders' reader before this one),
 * with one difference on purpose: readline drops a broken UTF-8 sequence at the very end of a file
 * without a final newline, where readLines decodes it to U+FFFD as anywhere else; a final '\n'
 * makes readline do the same.
 */
async function readlineLines(bytes: Buffer): Promise<[string, number][]> {
  const out: [string, number][] = [];
  const last = bytes.at(-1);
  const input = Readable.from([
    last === undefined || last === 10 ? bytes : Buffer.concat([bytes, Buffer.of(10)]),
  ]);
  for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    out.push([out.length === 0 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, out.length + 1]);
  }
  return out;
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

describe("readLines", () => {
  it("numbers lines from 1; drops a BOM; LF, CRLF and a lone CR end a line; no final newline needed", async () => {
    const path = file("\uFEFFfirst\r\nsecond\n\nthird\rfourth\r\n  last");
    expect(await lines(path)).toEqual([
      ["first", 1],
      ["second", 2],
      ["", 3],
      ["third", 4],
      ["fourth", 5],
      ["  last", 6],
    ]);
    expect(await lines(file(""))).toEqual([]);
    expect(await lines(file("\n"))).toEqual([["", 1]]);
  });

  it("splits exactly as readline did, UTF-8 (broken sequences too), BOM, CR and LF anywhere, plain or gzip", async () => {
    const piece = fc.constantFrom(
      ..."a é \u{1F600} \n \r \r\n \uFEFF \t".split(" ").map((s) => Buffer.from(s === "" ? " " : s)),
      Buffer.of(0xff),
      Buffer.of(0xc3),
      Buffer.of(0xe2, 0x82),
      Buffer.of(0xef, 0xbb, 0xbf),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 40 }), async (pieces) => {
        const bytes = Buffer.concat(pieces);
        const want = await readlineLines(bytes);
        expect(await lines(file(bytes))).toEqual(want);
        expect(await lines(file(gzipSync(bytes)))).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it("reads lines across its 8 MB buffer and a line longer than the buffer", async () => {
    const row = `{"_id": "d", "text": "${"x".repeat(90)}"}`;
    const many = Array.from({ length: 100_000 }, (_, i) => `${i}${row}`);
    const long = "y".repeat(9 << 20);
    const content = `${many.join("\r\n")}\r\n${long}\nend`;
    for (const path of [file(content), file(gzipSync(content), "big.jsonl.gz")]) {
      let count = 0;
      let sameRows = true;
      let last: [string, number] = ["", 0];
      for await (const [text, line] of readLines(path)) {
        const entry: [string, number] = [text, line];
        count++;
        if (count <= many.length) sameRows &&= entry[0] === many[count - 1] && entry[1] === count;
        else if (count === many.length + 1) expect(entry[0] === long).toBe(true);
        last = entry;
      }
      expect({ count, sameRows, last }).toEqual({
        count: many.length + 2,
        sameRows: true,
        last: ["end", 100_002],
      });
    }
  });

  it("detects gzip by its magic bytes, not its name", async () => {
    expect(await lines(file(gzipSync("a\nb\n"), "zipped.txt"))).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    expect(await lines(file("plain\n", "named.jsonl.gz"))).toEqual([["plain", 1]]);
  });

  it("a corrupt gzip file: the lines before the damage, then an InputError at the first line lost", async () => {
    const gz = gzipSync(Array.from({ length: 5000 }, (_, i) => `line ${i}`).join("\n"));
    const path = file(gz.subarray(0, gz.length - 20), "cut.jsonl.gz");
    const seen: number[] = [];
    const err = await inputError(
      (async () => {
        for await (const [, line] of readLines(path)) seen.push(line);
      })(),
    );
    expect(err.reason).toMatch(/^not a valid gzip file/);
    expect(err.file).toBe(path);
    expect(seen.length).toBeGreaterThan(4000);
    expect(err.line).toBe(seen.length + 1);
  });

  it("a missing file and a directory are InputErrors naming them", async () => {
    const missing = `${file("x")}.missing`;
    expect((await inputError(lines(missing))).message).toBe(`${missing}: no such file`);
    expect((await inputError(lines("/"))).message).toBe("/: is a directory, expected a file");
  });
});

describe("streamLines", () => {
  it("hands over runs of complete lines, each ending in '\\n', the BOM dropped", async () => {
    const runs: string[] = [];
    await streamLines(file("\uFEFFq1 0 d1 1\r\nq2 0 d2 0"), (buf, start, limit) => {
      runs.push(buf.toString("utf8", start, limit));
    });
    expect(runs).toEqual(["q1 0 d1 1\r\nq2 0 d2 0\n"]);
  });

  it("passes what the consumer throws through unchanged", async () => {
    const mine = new Error("consumer stopped");
    for (const path of [file("a\nb\n"), file(gzipSync("a\nb\n"))]) {
      await expect(
        streamLines(path, () => {
          throw mine;
        }),
      ).rejects.toBe(mine);
    }
  });

  it("a corrupt gzip file is an InputError about gzip", async () => {
    const gz = gzipSync("q1 0 d1 1\n".repeat(100));
    const err = await inputError(streamLines(file(gz.subarray(0, gz.length - 20)), () => {}));
    expect(err.reason).toMatch(/^not a valid gzip file/);
  });
});

describe("openInput", () => {
  it("streams the bytes, inflated when they start with gzip's magic bytes, whatever the name", async () => {
    expect(await text(await openInput(file("a,b\r\n1,2\n", "plain.csv.gz")))).toBe("a,b\r\n1,2\n");
    expect(await text(await openInput(file(gzipSync("\uFEFFa,b\n"), "zipped.csv")))).toBe("\uFEFFa,b\n");
    expect(await inputError(openInput("/"))).toBeInstanceOf(InputError);
  });
});

const openFds = () => readdirSync("/proc/self/fd").length;

describe.skipIf(!existsSync("/proc/self/fd"))("file descriptors (needs Linux /proc)", () => {
  it("readers that stop early, fail or finish give their file back, gzip or not", async () => {
    const rows = "some line of text\n".repeat(200_000);
    const plain = file(rows);
    const zipped = file(gzipSync(rows));
    const cut = gzipSync(rows);
    const corrupt = file(cut.subarray(0, cut.length >> 1));
    const before = openFds();
    for (let i = 0; i < 3; i++) {
      for (const path of [plain, zipped]) {
        for await (const _ of readLines(path)) break;
        await expect(
          streamLines(path, () => {
            throw new Error("stop");
          }),
        ).rejects.toThrow("stop");
        await streamLines(path, () => {});
        (await openInput(path)).destroy();
      }
      await inputError(lines(corrupt));
      await inputError(streamLines(corrupt, () => {}));
    }
    // Destroyed streams close their descriptors on a later tick.
    for (let wait = 0; wait < 20 && openFds() > before; wait++) await new Promise((r) => setTimeout(r, 10));
    expect(openFds()).toBeLessThanOrEqual(before);
  });
});
