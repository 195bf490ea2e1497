/**
 * A zip extracted with yauzl into a folder of its own, refusing what could write outside it:
 * absolute paths, `..` (zip slip; yauzl refuses both, and every target is checked again here),
 * symbolic links. Each file's CRC-32 is checked as it is written (yauzl checks sizes, not CRCs).
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { crc32 } from "node:zlib";
import yauzl, { type Entry, type ZipFile } from "yauzl";

/** Why a zip could not be extracted: `unsafe` for an entry that would land outside the folder. */
export class BadZip extends Error {
  override readonly name = "BadZip";
  constructor(
    message: string,
    readonly unsafe: boolean,
  ) {
    super(message);
  }
}

export interface UnzipResult {
  files: number;
  /** Uncompressed bytes written. */
  bytes: number;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Extracts `zipPath` into `root` (which must exist and be empty); rejects with BadZip, or the abort reason. */
export async function unzipInto(zipPath: string, root: string, signal?: AbortSignal): Promise<UnzipResult> {
  signal?.throwIfAborted();
  const zip = await new Promise<ZipFile>((ok, fail) =>
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (err, z) =>
      err ? fail(badZip(err)) : ok(z),
    ),
  );
  const done: UnzipResult = { files: 0, bytes: 0 };
  return new Promise<UnzipResult>((ok, fail) => {
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (err === undefined) return ok(done);
      zip.close();
      fail(err);
    };
    const onAbort = () => finish(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    zip.on("error", (err: Error) => finish(badZip(err)));
    zip.on("end", () => finish());
    zip.on("entry", (entry: Entry) => {
      extractEntry(zip, entry, root, done, signal).then(
        () => settled || zip.readEntry(),
        (err) => finish(signal?.aborted ? signal.reason : err),
      );
    });
    zip.readEntry();
  });
}

async function extractEntry(
  zip: ZipFile,
  entry: Entry,
  root: string,
  done: UnzipResult,
  signal?: AbortSignal,
): Promise<void> {
  const name = entry.fileName;
  const target = resolve(root, name);
  const inside = relative(root, target);
  if (isAbsolute(name) || inside.startsWith("..") || isAbsolute(inside))
    throw new BadZip(`entry '${name}' would be written outside the folder`, true);
  if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK)
    throw new BadZip(`entry '${name}' is a symbolic link`, true);
  if (name.endsWith("/")) {
    await mkdir(target, { recursive: true });
    return;
  }
  await mkdir(dirname(target), { recursive: true });
  const stream = await new Promise<Readable>((ok, fail) =>
    zip.openReadStream(entry, (err, s) => (err ? fail(badZip(err)) : ok(s))),
  );
  let crc = 0;
  const checked = async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      crc = crc32(chunk, crc);
      yield chunk;
    }
    if (crc >>> 0 !== entry.crc32 >>> 0) throw new BadZip(`entry '${name}' fails its CRC-32 check`, false);
  };
  try {
    // "wx": an entry named twice is a broken zip, not a file silently replaced.
    await pipeline(stream, checked, createWriteStream(target, { flags: "wx" }), { signal });
  } catch (err) {
    if (signal?.aborted || err instanceof BadZip) throw err;
    if ((err as NodeJS.ErrnoException).code === "EEXIST")
      throw new BadZip(`entry '${name}' appears twice`, false);
    const code = (err as NodeJS.ErrnoException).code;
    // Disk full or permissions: not the zip's fault, said as the file system says it.
    if (code === "ENOSPC" || code === "EACCES" || code === "EROFS" || code === "EDQUOT") throw err;
    throw badZip(err as Error, name);
  }
  done.files++;
  done.bytes += entry.uncompressedSize;
}

/** yauzl's and zlib's errors as one reason; yauzl's own path checks count as unsafe. */
function badZip(err: Error, entry?: string): BadZip {
  const unsafe = /^(absolute path|invalid relative path|invalid characters in fileName)/.test(err.message);
  const where = entry ? ` in entry '${entry}'` : "";
  return new BadZip(`${err.message}${where}`, unsafe);
}
