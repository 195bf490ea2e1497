/**
 * File checks shared by the loaders: existence checks with InputErrors that say what was expected,
 * and the input fingerprint. Lines are read by the one line reader, src/trec/lines.ts.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { InputError } from "../errors.js";
import { readFailure, regularFile } from "../trec/index.js";

/** "other": a FIFO, socket or device, which no reader opens (trec/lines.ts, regularFile). */
export type PathKind = "file" | "directory" | "other" | "missing";

export async function pathKind(path: string): Promise<PathKind> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? "directory" : info.isFile() ? "file" : "other";
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
  if (kind === "other") await regularFile(path, what);
}

/** Throws an InputError unless `path` is an existing directory. */
export async function requireDirectory(path: string, what = "a folder"): Promise<void> {
  const kind = await pathKind(path);
  if (kind === "missing") throw new InputError(`not found (expected ${what})`, { file: path });
  if (kind === "file" || kind === "other")
    throw new InputError(`is a file (expected ${what})`, { file: path });
}

/** Big reads: with the 64 KiB default, a large corpus spends its time in read calls. */
const CHUNK = 1 << 20;

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
