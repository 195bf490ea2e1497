/**
 * The one streaming line reader behind every file loader. A file (gunzipped when it starts with
 * gzip's magic bytes 1f 8b, whatever its name) is read through one reusable buffer and handed over
 * as runs of complete lines, so a 250 MB run or corpus is never one string: the TREC readers scan
 * those bytes in place (streamLines), the JSONL and TSV loaders take one string per line with its
 * number (readLines), and csv-parse, which must see the raw text (quoted fields span lines), gets the
 * same bytes as a stream (openInput). A UTF-8 byte order mark at the start is not part of line 1.
 */
import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { InputError } from "../errors.js";

/** The line buffer's first size; it doubles for a line longer than that. */
const CHUNK = 8 << 20;
/** Read and inflate sizes for streams: with the 64 KiB default, a large file spends its time in calls. */
const STREAM_CHUNK = 1 << 20;
/** '\n': every line the reader hands over ends with one (a sentinel for the scanners). */
export const NL = 10;
/** '#': a line that starts with one is a comment in TREC files (trec_eval skips it). */
export const HASH = 35;
const CR = 13;

/**
 * Complete lines of the file: every line in buf[start, limit) ends with '\n' (one is added after a
 * last line that has none). The bytes are valid until the next run is asked for.
 */
interface LineRun {
  buf: Buffer;
  start: number;
  limit: number;
}

/** Consumes complete lines: every line in [start, limit) ends with '\n' (a sentinel for the scanners). */
type ChunkConsumer = (buf: Buffer, start: number, limit: number) => void;

/**
 * Hands the file to `consume` as runs of complete lines, byte level (the TREC readers). Whatever
 * `consume` throws passes through unchanged; read failures become InputErrors naming the file.
 */
export async function streamLines(file: string, consume: ChunkConsumer): Promise<void> {
  const runs = lineRuns(file);
  try {
    for (;;) {
      let next: IteratorResult<LineRun>;
      try {
        next = await runs.next();
      } catch (err) {
        throw readFailure(file, err);
      }
      if (next.done) return;
      consume(next.value.buf, next.value.start, next.value.limit);
    }
  } finally {
    await runs.return();
  }
}

/**
 * Yields each line with its 1-based number (the JSONL and TSV loaders), and whether its bytes are
 * valid UTF-8: decoding replaces invalid bytes with U+FFFD, and a loader must not let two ids that
 * differ only there become one (utf8.ts). Lines end at LF, CRLF or a lone CR, as Node's readline
 * splits them; a failed read is an InputError at the first line it could not deliver.
 */
export async function* readLines(
  file: string,
): AsyncGenerator<[text: string, line: number, isUtf8: boolean]> {
  const runs = lineRuns(file);
  let line = 0;
  try {
    for (;;) {
      let next: IteratorResult<LineRun>;
      try {
        next = await runs.next();
      } catch (err) {
        throw readFailure(file, err, line + 1);
      }
      if (next.done) return;
      const { start, limit } = next.value;
      // A view that ends with the run: searches never look at the stale bytes after it.
      const buf = next.value.buf.subarray(0, limit);
      let p = start;
      // One check for the run; lines are checked one by one only in a run that fails it.
      const runIsUtf8 = isUtf8(buf.subarray(start, limit));
      // CRs are rare outside CRLF files: one search usually finds none in the whole run.
      let cr = buf.indexOf(CR, p);
      while (p < limit) {
        const nl = buf.indexOf(NL, p);
        let end = nl;
        let after = nl + 1;
        if (cr !== -1 && cr < nl) {
          end = cr;
          if (cr + 1 < nl) after = cr + 1; // a lone CR ends a line too
        }
        yield [buf.toString("utf8", p, end), ++line, runIsUtf8 || isUtf8(buf.subarray(p, end))];
        p = after;
        if (cr !== -1 && cr < p) cr = buf.indexOf(CR, p);
      }
    }
  } finally {
    await runs.return();
  }
}

/**
 * The file's bytes as a stream, gunzipped when they start with gzip's magic bytes (csv-parse reads
 * it). Destroying the returned stream closes the file: readers that stop early (a bad line) must
 * not leak a descriptor.
 */
export async function openInput(file: string): Promise<Readable> {
  const fh = await openFile(file);
  try {
    return byteStream(fh, await isGzip(fh));
  } catch (err) {
    await fh.close();
    throw readFailure(file, err);
  }
}

/** Maps a low-level read failure to an InputError naming the file (and the line, when known). */
export function readFailure(file: string, err: unknown, line?: number): InputError {
  if (err instanceof InputError) return err;
  const code = String((err as NodeJS.ErrnoException).code);
  const reason = code.startsWith("Z_")
    ? `not a valid gzip file (${(err as Error).message})`
    : `cannot read: ${(err as Error).message}`;
  return new InputError(reason, { file, line });
}

/**
 * The runs of complete lines of a file. Read failures are thrown as they come (the callers place
 * them); the lines complete before a gzip stream broke are delivered first.
 */
async function* lineRuns(file: string): AsyncGenerator<LineRun, void, undefined> {
  const fh = await openFile(file);
  const lines = new LineBuffer();
  let input: Readable | undefined;
  try {
    if (await isGzip(fh)) {
      input = byteStream(fh, true);
      let failure: unknown;
      try {
        for await (const chunk of input) {
          for (let at = 0; at < chunk.length; ) {
            at = lines.append(chunk as Buffer, at);
            if (lines.full()) {
              if (lines.take(false)) yield lines;
              lines.drop();
            }
          }
        }
      } catch (err) {
        failure = err;
      }
      if (failure !== undefined) {
        if (lines.take(false)) yield lines;
        throw failure;
      }
    } else {
      for (let pos = 0; ; ) {
        const { bytesRead } = await fh.read(lines.buf, lines.fill, lines.buf.length - lines.fill, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        lines.fill += bytesRead;
        if (lines.full()) {
          if (lines.take(false)) yield lines;
          lines.drop();
        }
      }
    }
    if (lines.take(true)) yield lines;
  } finally {
    input?.destroy();
    await fh.close();
  }
}

/** The reusable buffer: bytes read so far, of which [start, limit) is the run handed over. */
class LineBuffer implements LineRun {
  buf: Buffer = Buffer.allocUnsafe(CHUNK);
  fill = 0;
  start = 0;
  limit = 0;
  private atStart = true;

  full(): boolean {
    return this.fill === this.buf.length;
  }

  /** Copies what fits of chunk[at..] after the bytes held; returns where the copy stopped. */
  append(chunk: Buffer, at: number): number {
    const n = Math.min(this.buf.length - this.fill, chunk.length - at);
    chunk.copy(this.buf, this.fill, at, at + n);
    this.fill += n;
    return at + n;
  }

  /** Marks the complete lines held as the run; false when there is none. */
  take(eof: boolean): boolean {
    const { fill } = this;
    if (eof && fill > 0 && this.buf[fill - 1] !== NL) {
      if (this.full()) this.buf = grow(this.buf, fill);
      this.buf[this.fill++] = NL;
    }
    const buf = this.buf;
    // lastIndexOf(x, -1) would search the whole buffer, stale bytes included: an empty file has no line.
    this.limit = this.fill === 0 ? 0 : buf.lastIndexOf(NL, this.fill - 1) + 1;
    // A UTF-8 byte order mark (editors on Windows add one) is not part of the first line.
    this.start =
      this.atStart && this.limit >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    if (this.limit > 0) this.atStart = false;
    return this.limit > this.start;
  }

  /** Drops the run taken, keeping the partial line after it; grows for a line longer than the buffer. */
  drop(): void {
    this.buf.copyWithin(0, this.limit, this.fill);
    this.fill -= this.limit;
    this.start = 0;
    this.limit = 0;
    if (this.full()) this.buf = grow(this.buf, this.fill);
  }
}

function grow(buf: Buffer, fill: number): Buffer {
  const bigger = Buffer.allocUnsafe(buf.length * 2);
  buf.copy(bigger, 0, 0, fill);
  return bigger;
}

/** Opens a regular file for reading, with InputErrors that name it. */
async function openFile(file: string): Promise<FileHandle> {
  const unreadable = (err: NodeJS.ErrnoException): never => {
    throw new InputError(err.code === "ENOENT" ? "no such file" : `cannot read the file (${err.code})`, {
      file,
    });
  };
  const info = await stat(file).catch(unreadable);
  if (info.isDirectory()) throw new InputError("is a directory, expected a file", { file });
  return open(file, "r").catch(unreadable);
}

/** Gzip is told by its magic bytes, not the name: a `.gz` is sometimes stored inflated, and the reverse. */
async function isGzip(fh: FileHandle): Promise<boolean> {
  const head = Buffer.alloc(2);
  await fh.read(head, 0, 2, 0);
  return head[0] === 0x1f && head[1] === 0x8b;
}

/** The file's bytes from the start, inflated when `gzip`; destroying the stream closes the file. */
function byteStream(fh: FileHandle, gzip: boolean): Readable {
  const raw = createReadStream("", { fd: fh, start: 0, highWaterMark: STREAM_CHUNK });
  if (!gzip) return raw;
  const gunzip = createGunzip({ chunkSize: STREAM_CHUNK });
  // .pipe() forwards neither source errors nor destruction; the reader sees one stream.
  raw.on("error", (err) => gunzip.destroy(err));
  gunzip.on("close", () => raw.destroy());
  return raw.pipe(gunzip);
}
