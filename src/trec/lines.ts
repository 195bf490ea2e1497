/**
 * The one streaming line reader behind every file loader. A file (gunzipped when it starts with
 * gzip's magic bytes 1f 8b, whatever its name) is read through one reusable buffer and handed over
 * as runs of complete lines, so a 250 MB run or corpus is never one string: the TREC readers scan
 * those bytes in place (streamLines), the JSONL and TSV loaders take one string per line with its
 * number (readLines), and csv-parse, which must see the raw text (quoted fields span lines), gets the
 * same bytes as a stream (openInput). A UTF-8 byte order mark at the start is not part of line 1.
 *
 * Hostile inputs stop here, for every reader at once: only regular files are opened (a FIFO, a
 * socket or /dev/zero would hang or never end; inputs are also read twice, to load and to
 * fingerprint); a line longer than a bound (64 MiB by default), a NUL byte (a binary file given as
 * text) and a compression other than gzip are InputErrors that name the file and line.
 */
import { isUtf8 } from "node:buffer";
import { createReadStream, type Stats } from "node:fs";
import { type FileHandle, open, readFile, stat } from "node:fs/promises";
import { type Readable, Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { InputError, isStop, stoppedBy } from "../errors.js";
import type { ReadLimits } from "./types.js";

export type { ReadLimits };

/** The line buffer's first size; it doubles for a line longer than that. */
const CHUNK = 8 << 20;
/** Read and inflate sizes for streams: with the 64 KiB default, a large file spends its time in calls. */
const STREAM_CHUNK = 1 << 20;
/** '\n': every line the reader hands over ends with one (a sentinel for the scanners). */
export const NL = 10;
/** '#': a line that starts with one is a comment in TREC files (trec_eval skips it). */
export const HASH = 35;
const CR = 13;
const NUL = 0;

/** The longest line any reader takes by default; a longer one is refused (a binary file, /dev/zero). */
export const MAX_LINE_BYTES = 64 << 20;

/**
 * A problem found at a byte offset of the file (inflated, for gzip). The readers do not count lines
 * in the hot path, so the line is found by counting again, once, when this is thrown (lineOf).
 */
class AtOffset extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
  }
}

const longLine = (max: number) => `line longer than ${formatBytes(max)}`;
const nulByte = (utf16: boolean) =>
  utf16 ? "NUL byte: UTF-16 text? (save it as UTF-8)" : "NUL byte: binary file?";

/**
 * Complete lines of the file: every line in buf[start, limit) ends with '\n' (one is added after a
 * last line that has none). The bytes are valid until the next run is asked for.
 */
interface LineRun {
  buf: Buffer;
  start: number;
  limit: number;
  /** Bytes of the file (inflated, for gzip) before buf[0]. */
  dropped: number;
}

/** Consumes complete lines: every line in [start, limit) ends with '\n' (a sentinel for the scanners). */
type ChunkConsumer = (buf: Buffer, start: number, limit: number) => void;

/**
 * Hands the file to `consume` as runs of complete lines, byte level (the TREC readers). Whatever
 * `consume` throws passes through unchanged; read failures become InputErrors naming the file.
 */
export async function streamLines(
  file: string,
  consume: ChunkConsumer,
  limits: ReadLimits = {},
): Promise<void> {
  const runs = lineRuns(file, limits);
  try {
    for (;;) {
      let next: IteratorResult<LineRun>;
      try {
        next = await runs.next();
      } catch (err) {
        // TREC lines end at '\n' only (a CR is a blank there).
        if (err instanceof AtOffset) throw await placed(file, err, false);
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
 * splits them; a failed read is an InputError at the first line it could not deliver. `start` and
 * `end` are the line's bytes in the file (inflated, for gzip), its line break excluded: a store can
 * read a document's line back by offset (datasets/store.ts).
 */
export async function* readLines(
  file: string,
  limits: ReadLimits = {},
): AsyncGenerator<[text: string, line: number, isUtf8: boolean, start: number, end: number]> {
  const runs = lineRuns(file, limits);
  let line = 0;
  try {
    for (;;) {
      let next: IteratorResult<LineRun>;
      try {
        next = await runs.next();
      } catch (err) {
        if (err instanceof AtOffset) throw await placed(file, err, true);
        throw readFailure(file, err, line + 1);
      }
      if (next.done) return;
      const { start, limit, dropped } = next.value;
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
        yield [
          buf.toString("utf8", p, end),
          ++line,
          runIsUtf8 || isUtf8(buf.subarray(p, end)),
          dropped + p,
          dropped + end,
        ];
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
 * it), with the same line bound and NUL check as the line readers (the stream fails with an
 * InputError at the line). Destroying the returned stream closes the file: readers that stop early
 * (a bad line) must not leak a descriptor.
 */
export async function openInput(file: string, limits: ReadLimits = {}): Promise<Readable> {
  const fh = await openFile(file);
  let bytes: Readable;
  try {
    bytes = byteStream(fh, await isGzip(fh, file));
  } catch (err) {
    await fh.close();
    throw readFailure(file, err);
  }
  const guard = lineGuard(file, limits.maxLineBytes ?? MAX_LINE_BYTES, limits.allowNul === true);
  bytes.on("error", (err) => guard.destroy(err));
  guard.on("close", () => bytes.destroy());
  const { signal } = limits;
  if (signal) {
    const stop = () => guard.destroy(stoppedBy(signal, `reading ${file}`));
    if (signal.aborted) stop();
    else {
      signal.addEventListener("abort", stop, { once: true });
      guard.on("close", () => signal.removeEventListener("abort", stop));
    }
  }
  return bytes.pipe(guard);
}

/**
 * A whole (small) text file as one string: config files, reports, manifests, documents files.
 * The same refusals as the line readers (not a regular file, NUL bytes), and a size cap instead of
 * a line bound, since the text is one string.
 */
export async function readTextFile(file: string, opts: { maxBytes: number; what: string }): Promise<string> {
  const info = await regularFile(file, opts.what);
  if (info.size > opts.maxBytes)
    throw new InputError(`larger than ${formatBytes(opts.maxBytes)} (expected ${opts.what})`, { file });
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw readFailure(file, err);
  }
  const nul = bytes.indexOf(NUL);
  if (nul >= 0) throw new InputError(nulByte(startsUtf16(bytes)), { file, line: lineAtOffset(bytes, nul) });
  return bytes.toString("utf8");
}

/** "64 MiB", "1 KiB", "100 bytes": a bound as messages show it. */
export function formatBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1 << 10 && n % (1 << 10) === 0) return `${n / (1 << 10)} KiB`;
  return `${n} bytes`;
}

/** Maps a low-level read failure to an InputError naming the file (and the line, when known). */
export function readFailure(file: string, err: unknown, line?: number): Error {
  if (err instanceof InputError || isStop(err)) return err;
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
async function* lineRuns(file: string, limits: ReadLimits): AsyncGenerator<LineRun, void, undefined> {
  const { signal } = limits;
  const checkStop = () => {
    if (signal?.aborted) throw stoppedBy(signal, `reading ${file}`);
  };
  checkStop();
  const fh = await openFile(file);
  const lines = new LineBuffer(limits.maxLineBytes ?? MAX_LINE_BYTES, limits.allowNul === true);
  let input: Readable | undefined;
  try {
    if (await isGzip(fh, file)) {
      input = byteStream(fh, true);
      let failure: unknown;
      try {
        for await (const chunk of input) {
          checkStop();
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
        checkStop();
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

/**
 * The reusable buffer: bytes read so far, of which [start, limit) is the run handed over. Every run
 * is checked for NUL bytes and lines longer than `max` (AtOffset errors); the buffer grows for a
 * long line, but never much past `max`.
 */
class LineBuffer implements LineRun {
  buf: Buffer = Buffer.allocUnsafe(CHUNK);
  fill = 0;
  start = 0;
  limit = 0;
  private atStart = true;
  /** Bytes of the file before buf[0]. */
  dropped = 0;
  private utf16 = false;

  constructor(
    private readonly max: number,
    private readonly allowNul: boolean,
  ) {}

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
      if (this.full()) this.buf = grow(this.buf, fill, fill + 1);
      this.buf[this.fill++] = NL;
    }
    const buf = this.buf;
    // lastIndexOf(x, -1) would search the whole buffer, stale bytes included: an empty file has no line.
    this.limit = this.fill === 0 ? 0 : buf.lastIndexOf(NL, this.fill - 1) + 1;
    // A UTF-8 byte order mark (editors on Windows add one) is not part of the first line.
    this.start =
      this.atStart && this.limit >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    if (this.atStart && this.limit > 0) {
      this.utf16 = startsUtf16(buf);
      this.atStart = false;
    }
    this.check();
    return this.limit > this.start;
  }

  /** NUL bytes and long lines in the run: one native search; lines are walked only in a run longer than the bound. */
  private check(): void {
    const { buf, start, limit, max } = this;
    const nul = this.allowNul ? -1 : buf.subarray(start, limit).indexOf(NUL);
    if (nul >= 0) throw new AtOffset(nulByte(this.utf16), this.dropped + start + nul);
    if (limit - start <= max) return;
    for (let p = start; p < limit; ) {
      const nl = buf.indexOf(NL, p);
      if (nl - p > max) throw new AtOffset(longLine(max), this.dropped + p);
      p = nl + 1;
    }
  }

  /** Drops the run taken, keeping the partial line after it; grows for a line longer than the buffer. */
  drop(): void {
    this.buf.copyWithin(0, this.limit, this.fill);
    this.fill -= this.limit;
    this.dropped += this.limit;
    this.start = 0;
    this.limit = 0;
    // The partial line alone is past the bound: no need to read on to its end.
    if (this.fill > this.max) throw new AtOffset(longLine(this.max), this.dropped);
    if (this.full()) {
      const size = this.buf.length;
      this.buf = grow(this.buf, this.fill, Math.max(size + 1, Math.min(size * 2, this.max + 1)));
    }
  }
}

function grow(buf: Buffer, fill: number, size: number): Buffer {
  const bigger = Buffer.allocUnsafe(size);
  buf.copy(bigger, 0, 0, fill);
  return bigger;
}

/** A UTF-16 byte order mark (FF FE or FE FF): text whose every other byte is NUL. */
function startsUtf16(b: Uint8Array): boolean {
  return (b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff);
}

/** The 1-based line of byte `offset` in bytes held in memory (LF, CRLF or a lone CR end a line). */
function lineAtOffset(bytes: Uint8Array, offset: number): number {
  return countLines(bytes, 0, offset, true, false).lines + 1;
}

/** Line breaks in bytes[from, to); `afterCR` carries a CR that ended the previous chunk. */
function countLines(
  b: Uint8Array,
  from: number,
  to: number,
  crEndsLine: boolean,
  afterCR: boolean,
): { lines: number; afterCR: boolean } {
  let lines = 0;
  let cr = afterCR;
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c === NL) {
      if (!cr) lines++;
      cr = false;
    } else if (c === CR && crEndsLine) {
      lines++;
      cr = true;
    } else cr = false;
  }
  return { lines, afterCR: cr };
}

/**
 * The InputError for a problem at a byte offset, at its line: the file is read again up to the
 * offset, counting line breaks as the reader does (readLines: LF, CRLF, a lone CR; TREC: LF).
 * Only an error pays this second read; a file that cannot be read again is named without a line.
 */
async function placed(file: string, err: AtOffset, crEndsLine: boolean): Promise<InputError> {
  let line: number | undefined;
  try {
    line = await lineOf(file, err.offset, crEndsLine);
  } catch {
    line = undefined;
  }
  return new InputError(err.reason, { file, line });
}

async function lineOf(file: string, offset: number, crEndsLine: boolean): Promise<number> {
  const fh = await open(file, "r");
  let input: Readable;
  try {
    input = byteStream(fh, await isGzip(fh, file));
  } catch (err) {
    await fh.close();
    throw err;
  }
  try {
    let line = 1;
    let seen = 0;
    let afterCR = false;
    for await (const chunk of input) {
      const n = Math.min((chunk as Buffer).length, offset - seen);
      const counted = countLines(chunk as Buffer, 0, n, crEndsLine, afterCR);
      line += counted.lines;
      afterCR = counted.afterCR;
      seen += n;
      if (seen >= offset) break;
    }
    return line;
  } finally {
    input.destroy();
  }
}

/**
 * The line checks of the line readers for a byte stream (csv-parse's input): a NUL byte or a line
 * longer than `max` fails the stream with an InputError at its line (LF, CRLF, a lone CR, as CSV).
 */
function lineGuard(file: string, max: number, allowNul: boolean): Transform {
  let offset = 0;
  let lineStart = 0;
  let utf16: boolean | undefined;
  const fail = (reason: string, at: number, done: (err: Error) => void) => {
    placed(file, new AtOffset(reason, at), true).then(done, done);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      utf16 ??= startsUtf16(chunk);
      const nul = allowNul ? -1 : chunk.indexOf(NUL);
      if (nul >= 0) return fail(nulByte(utf16), offset + nul, done);
      for (let p = 0; ; ) {
        const nl = chunk.indexOf(NL, p);
        const end = nl < 0 ? chunk.length : nl;
        if (offset + end - lineStart > max) return fail(longLine(max), lineStart, done);
        if (nl < 0) break;
        lineStart = offset + nl + 1;
        p = nl + 1;
        // What is left cannot hold a line past the bound: skip to its last line.
        if (chunk.length - p <= max) {
          lineStart = offset + chunk.lastIndexOf(NL) + 1;
          break;
        }
      }
      offset += chunk.length;
      done(null, chunk);
    },
  });
}

const unreadable =
  (file: string) =>
  (err: NodeJS.ErrnoException): never => {
    throw new InputError(err.code === "ENOENT" ? "no such file" : `cannot read the file (${err.code})`, {
      file,
    });
  };

/**
 * Checks, before opening it (opening a FIFO blocks until a writer comes), that `file` is a regular
 * file: a pipe, a socket or a device (/dev/zero, /dev/urandom) never ends or cannot be read twice.
 * `/dev/stdin` redirected from a file is a regular file and passes.
 */
export async function regularFile(file: string, what = "a file"): Promise<Stats> {
  const info = await stat(file).catch(unreadable(file));
  if (info.isDirectory()) throw new InputError(`is a directory, expected ${what}`, { file });
  if (!info.isFile()) throw new InputError(`not a regular file (${specialKind(info)})`, { file });
  return info;
}

function specialKind(info: Stats): string {
  if (info.isFIFO()) return "a pipe or FIFO: save it to a file first";
  if (info.isSocket()) return "a socket";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  return "not a file";
}

/** Opens a regular file for reading, with InputErrors that name it. */
async function openFile(file: string): Promise<FileHandle> {
  await regularFile(file);
  return open(file, "r").catch(unreadable(file));
}

/** Compressions told by their magic bytes that the readers do not inflate (gzip is the one they do). */
const OTHER_COMPRESSIONS: Array<[name: string, magic: number[]]> = [
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ["bzip2", [0x42, 0x5a, 0x68]],
  ["zip", [0x50, 0x4b, 0x03, 0x04]],
  ["7z", [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
];

/**
 * Gzip is told by its magic bytes, not the name: a `.gz` is sometimes stored inflated, and the
 * reverse, and `.GZ` is gzip too. Another compression's magic bytes are an InputError: read as
 * text they would be garbage, or a misleading error on line 1.
 */
async function isGzip(fh: FileHandle, file: string): Promise<boolean> {
  const head = Buffer.alloc(10);
  const { bytesRead } = await fh.read(head, 0, head.length, 0);
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  for (const [name, magic] of OTHER_COMPRESSIONS) {
    // bzip2's "BZh" could start a text line: its block size digit and block magic must follow.
    const bzip2 =
      name !== "bzip2" || (head[3] >= 0x31 && head[3] <= 0x39 && head[4] === 0x31 && head[5] === 0x41);
    if (bytesRead >= magic.length && bzip2 && magic.every((b, i) => head[i] === b))
      throw new InputError(
        `compressed with ${name}, which is not read (decompress it, or compress it with gzip)`,
        { file },
      );
  }
  return false;
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
