/**
 * File access shared by the loaders: existence checks with InputErrors that name the path, streaming
 * line reads (gzip transparently, CRLF accepted) and the input fingerprint.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { InputError } from "../errors.js";

export type PathKind = "file" | "directory" | "missing";

export async function pathKind(path: string): Promise<PathKind> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? "directory" : "file";
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw new InputError(`cannot read: ${(err as Error).message}`, { file: path });
  }
}

/** Throws an InputError unless `path` is an existing regular file; `what` says what was expected. */
export async function requireFile(path: string, what = "a file"): Promise<void> {
  const kind = await pathKind(path);
  if (kind === "missing") throw new InputError(`not found (expected ${what})`, { file: path });
  if (kind === "directory") throw new InputError(`is a directory (expected ${what})`, { file: path });
}

/** Throws an InputError unless `path` is an existing directory. */
export async function requireDirectory(path: string, what = "a folder"): Promise<void> {
  const kind = await pathKind(path);
  if (kind === "missing") throw new InputError(`not found (expected ${what})`, { file: path });
  if (kind === "file") throw new InputError(`is a file (expected ${what})`, { file: path });
}

/** Big reads: with the 64 KiB default, a large corpus spends its time in read calls. */
const CHUNK = 1 << 20;

/**
 * The file's bytes, decompressed when the name ends in `.gz`. Destroying the returned stream closes
 * the file: readers that stop early (format detection, a bad line) must not leak a descriptor.
 */
export function openText(path: string): Readable {
  const raw = createReadStream(path, { highWaterMark: CHUNK });
  if (!path.endsWith(".gz")) return raw;
  const gunzip = createGunzip({ chunkSize: CHUNK });
  // .pipe() forwards neither source errors nor destruction; the reader sees one stream.
  raw.on("error", (err) => gunzip.destroy(err));
  gunzip.on("close", () => raw.destroy());
  return raw.pipe(gunzip);
}

/** Maps a low-level read failure to an InputError naming the file. */
export function readFailure(path: string, err: unknown, line?: number): InputError {
  if (err instanceof InputError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === "Z_DATA_ERROR" || code === "Z_BUF_ERROR"
      ? `not a valid gzip file (${(err as Error).message})`
      : `cannot read: ${(err as Error).message}`;
  return new InputError(reason, { file: path, line });
}

/**
 * Yields each line with its 1-based number, streaming (never the whole file in one string).
 * A leading BOM is dropped; CRLF and LF both end a line.
 */
export async function* readLines(path: string): AsyncGenerator<[text: string, line: number]> {
  await requireFile(path);
  const input = openText(path);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      yield [line === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, line];
    }
  } catch (err) {
    throw readFailure(path, err, line + 1);
  } finally {
    // Closing readline only pauses its input; the file stays open unless the stream is destroyed.
    lines.close();
    input.destroy();
  }
}

/** sha256 (hex) over the bytes of the files, as stored on disk, in the order given. */
export async function fingerprintFiles(paths: readonly string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const path of paths) {
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }))
        hash.update(chunk as Buffer);
    } catch (err) {
      throw readFailure(path, err);
    }
  }
  return hash.digest("hex");
}
