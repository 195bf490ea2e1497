/**
 * Byte-level line reading for the TREC readers: a file (gzip detected from its magic bytes) is
 * streamed through one reusable buffer and handed over as runs of complete lines, so a 250 MB run
 * is never one string.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { createGunzip } from "node:zlib";
import { InputError } from "../errors.js";

const CHUNK = 8 << 20;
/** '\n': every line the reader hands over ends with one (a sentinel for the scanners). */
export const NL = 10;

/** Consumes complete lines: every line in [start, limit) ends with '\n' (a sentinel for the scanners). */
type ChunkConsumer = (buf: Buffer, start: number, limit: number) => void;

export async function streamLines(file: string, consume: ChunkConsumer): Promise<void> {
  const unreadable = (err: NodeJS.ErrnoException) => {
    throw new InputError(err.code === "ENOENT" ? "no such file" : `cannot read the file (${err.code})`, {
      file,
    });
  };
  const info = await stat(file).catch(unreadable);
  if (info.isDirectory()) throw new InputError("is a directory, expected a file", { file });
  let buf: Buffer = Buffer.allocUnsafe(CHUNK);
  let fill = 0;
  let atStart = true;
  const flush = (eof: boolean) => {
    if (eof && fill > 0 && buf[fill - 1] !== NL) {
      if (fill === buf.length) buf = grow(buf, fill);
      buf[fill++] = NL;
    }
    // lastIndexOf(x, -1) would search the whole buffer, stale bytes included: an empty file has no line.
    const limit = fill === 0 ? 0 : buf.lastIndexOf(NL, fill - 1) + 1;
    // A UTF-8 byte order mark (editors on Windows add one) is not part of the first query id.
    const start = atStart && limit >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    if (limit > 0) atStart = false;
    if (limit > start) consume(buf, start, limit);
    buf.copyWithin(0, limit, fill);
    fill -= limit;
    if (fill === buf.length) buf = grow(buf, fill); // one line longer than the buffer
  };
  const fh = await open(file, "r").catch(unreadable);
  try {
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      try {
        for await (const chunk of createReadStream("", { fd: fh, autoClose: false, start: 0 }).pipe(
          createGunzip(),
        )) {
          for (let at = 0; at < chunk.length; ) {
            const n = Math.min(buf.length - fill, chunk.length - at);
            (chunk as Buffer).copy(buf, fill, at, at + n);
            fill += n;
            at += n;
            if (fill === buf.length) flush(false);
          }
        }
      } catch (err) {
        // Only zlib's own failures mean a bad file; anything the consumer threw passes through.
        if (!String((err as NodeJS.ErrnoException).code).startsWith("Z_")) throw err;
        throw new InputError(`not a readable gzip file (${(err as Error).message})`, { file });
      }
    } else {
      for (let pos = 0; ; ) {
        const { bytesRead } = await fh.read(buf, fill, buf.length - fill, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        fill += bytesRead;
        if (fill === buf.length) flush(false);
      }
    }
    flush(true);
  } finally {
    await fh.close();
  }
}

function grow(buf: Buffer, fill: number): Buffer {
  const bigger = Buffer.allocUnsafe(buf.length * 2);
  buf.copy(bigger, 0, 0, fill);
  return bigger;
}
