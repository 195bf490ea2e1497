/**
 * Public BEIR datasets fetched into a folder, ready for `--dataset DIR/NAME`: downloaded to
 * NAME.zip.part (resumed with Range), checked against the published md5, extracted into a hidden
 * folder beside it and renamed into place, so DIR/NAME exists only when it is whole. A failure
 * leaves no DIR/NAME: a network one keeps the .part (the same command resumes), a wrong checksum
 * or a broken zip deletes what was downloaded.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, stat, statfs, unlink } from "node:fs/promises";
import { join } from "node:path";
import { DownloadFailed, InputError, Interrupted } from "../errors.js";
import { formatBytes } from "../text/bytes.js";
import { BEIR_CATALOG, type Catalog, DEFAULT_BASE_URL, findDataset, zipUrl } from "./catalog.js";
import { md5File } from "./checksum.js";
import { fetchWithResume, sizeOf } from "./fetch.js";
import { beirFolders, readyFolder } from "./folder.js";
import { lockDownload } from "./lock.js";
import { type ByteProgressStream, createByteProgress } from "./progress.js";
import { BadZip, unzipInto } from "./unzip.js";

export { DownloadFailed } from "../errors.js";
export {
  BASE_URL_ENV,
  BEIR_CATALOG,
  type Catalog,
  type CatalogEntry,
  DEFAULT_BASE_URL,
  findDataset,
  resolveBaseUrl,
  zipUrl,
} from "./catalog.js";

export const DEFAULT_DATASETS_DIR = "datasets-cache";

export interface DownloadOptions {
  name: string;
  dir: string;
  baseUrl?: string;
  /** The datasets and their checksums; BEIR's unless a test brings its own. */
  catalog?: Catalog;
  /** Download and extract again even when DIR/NAME is there (a .part is not resumed either). */
  force?: boolean;
  /** Attempts in a row that receive nothing before giving up; default 5. */
  retries?: number;
  retryDelayMs?: number;
  idleTimeoutMs?: number;
  signal?: AbortSignal;
  /** Where the progress bar or lines go; none: quiet. */
  progress?: ByteProgressStream;
  /** One-line notes for the user: resuming, retrying. */
  say?: (line: string) => void;
}

export interface DownloadResult {
  name: string;
  /** DIR/NAME: the BEIR folder (for cqadupstack, a folder of BEIR folders). */
  folder: string;
  /** It was there already and nothing was done. */
  alreadyPresent: boolean;
  /** The BEIR folders inside `folder`, relative ("" for the folder itself). */
  sets: string[];
  zipBytes: number;
  /** Bytes this process received over the network. */
  received: number;
  resumedFrom: number;
  attempts: number;
  resumes: number;
  restarts: number;
  files: number;
  extractedBytes: number;
  md5: string;
}

export async function downloadDataset(opts: DownloadOptions): Promise<DownloadResult> {
  const entry = findDataset(opts.name, opts.catalog ?? BEIR_CATALOG);
  const { name } = entry;
  const dir = opts.dir;
  const folder = join(dir, name);
  const say = opts.say ?? (() => {});
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw fileSystemError(err, dir);
  }
  const present = await presentAlready(folder, opts.force === true);
  if (present) return { ...emptyResult(name, folder, entry.md5), alreadyPresent: true, sets: present };

  const lock = await lockDownload(dir, name);
  const zip = join(dir, `${name}.zip`);
  const part = `${zip}.part`;
  const tmp = join(dir, `.${name}.unzip-${process.pid}`);
  const result = emptyResult(name, folder, entry.md5);
  const stopped = () => {
    const reason = opts.signal?.reason;
    // Stopped while extracting, the checked zip is what is kept (and used again without a download).
    const kept = existsSync(zip)
      ? `${zip} kept: the same command extracts it`
      : existsSync(part)
        ? `${part} kept: the same command resumes it`
        : "nothing kept";
    return new Interrupted(
      `download of ${name} stopped; ${kept}`,
      reason === "SIGTERM" ? "SIGTERM" : "SIGINT",
    );
  };
  try {
    await removeLeftovers(dir, name);
    if (opts.force) await Promise.all([unlink(part).catch(() => {}), unlink(zip).catch(() => {})]);
    // A zip whose check passed but whose extraction was cut short (Ctrl-C) is used again.
    if ((await sizeOf(zip)) > 0 && (await md5File(zip, opts.signal)) !== entry.md5) await unlink(zip);
    if ((await sizeOf(zip)) === 0) {
      const url = zipUrl(opts.baseUrl ?? DEFAULT_BASE_URL, name);
      await fetchZip(url, part, entry.zipBytes, opts, result);
      opts.signal?.throwIfAborted();
      const md5 = await md5File(part, opts.signal);
      if (md5 !== entry.md5) {
        await unlink(part).catch(() => {});
        throw new InputError(
          `md5 ${md5} is not the published ${entry.md5} (${formatBytes(result.zipBytes)} received from ${url}): ` +
            "the download is corrupt or not BEIR's file, and was deleted",
          { file: part },
        );
      }
      await rename(part, zip);
    }
    result.zipBytes = await sizeOf(zip);
    say(`${name}: md5 ${entry.md5} verified; extracting`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
    try {
      const unzipped = await unzipInto(zip, tmp, opts.signal);
      result.files = unzipped.files;
      result.extractedBytes = unzipped.bytes;
      const { root, sets } = await readyFolder(tmp, name);
      result.sets = sets;
      await putInPlace(root, folder, dir, name);
    } catch (err) {
      if (err instanceof BadZip && !opts.signal?.aborted) {
        await unlink(zip).catch(() => {});
        throw new InputError(
          `${err.unsafe ? "refused: " : "not a usable zip: "}${err.message}; nothing was extracted and the zip was deleted`,
          { file: zip },
        );
      }
      throw err;
    }
    await unlink(zip).catch(() => {});
    return result;
  } catch (err) {
    if (opts.signal?.aborted) throw stopped();
    if (err instanceof InputError || err instanceof DownloadFailed || err instanceof Interrupted) throw err;
    throw fileSystemError(err, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    await lock.release();
  }
}

async function fetchZip(
  url: string,
  part: string,
  expectedBytes: number,
  opts: DownloadOptions,
  result: DownloadResult,
): Promise<void> {
  const say = opts.say ?? (() => {});
  const onDisk = await sizeOf(part);
  result.resumedFrom = onDisk;
  await checkFreeSpace(opts.dir, expectedBytes - onDisk);
  say(
    onDisk > 0
      ? `${opts.name}: resuming ${part} at ${formatBytes(onDisk)} of ${formatBytes(expectedBytes)} from ${url}`
      : `${opts.name}: downloading ${formatBytes(expectedBytes)} from ${url}`,
  );
  const progress = opts.progress ? createByteProgress(opts.name, opts.progress) : undefined;
  let latest = onDisk;
  try {
    const fetched = await fetchWithResume({
      url,
      part,
      retries: opts.retries ?? 5,
      retryDelayMs: opts.retryDelayMs ?? 500,
      idleTimeoutMs: opts.idleTimeoutMs ?? 60_000,
      signal: opts.signal,
      onStart: ({ total, offset, restarted }) => {
        if (restarted) say(`${opts.name}: the server does not resume (it ignored Range): starting over`);
        progress?.start(total, offset);
      },
      onBytes: (n) => {
        latest = n;
        progress?.update(n);
      },
      onRetry: (reason, waitMs) => {
        progress?.stop();
        say(
          `${opts.name}: ${reason}; ${waitMs > 0 ? `retrying in ${(waitMs / 1000).toFixed(1)} s` : "resuming"}`,
        );
      },
    });
    Object.assign(result, {
      zipBytes: fetched.bytes,
      received: fetched.bytes - fetched.resumedFrom,
      attempts: fetched.attempts,
      resumes: fetched.resumes,
      restarts: fetched.restarts,
    });
  } catch (err) {
    if (!(err instanceof DownloadFailed) || opts.signal?.aborted) throw err;
    const kept = (await sizeOf(part)) > 0;
    throw new DownloadFailed(
      `${opts.name} from ${url}: ${err.message}` +
        (kept ? `; ${formatBytes(latest)} kept in ${part}: the same command resumes it` : ""),
      err.retryable,
      err.status,
    );
  } finally {
    progress?.stop();
  }
}

/** The sets DIR/NAME holds when it is ready and not to be replaced; refuses a folder that is not ours. */
async function presentAlready(folder: string, force: boolean): Promise<string[] | undefined> {
  const exists = await stat(folder).then(
    (s) => s.isDirectory() || "file",
    () => false,
  );
  if (exists === false) return undefined;
  const sets = exists === "file" ? [] : await beirFolders(folder);
  if (sets.length === 0)
    throw new InputError(
      "is in the way: it is not a BEIR folder (no corpus.jsonl), so it is neither used nor replaced; move it or choose another --dir",
      { file: folder },
    );
  return force ? undefined : sets;
}

/** The new folder renamed into place; with --force the old one is swapped out first, then removed. */
async function putInPlace(root: string, folder: string, dir: string, name: string): Promise<void> {
  const old = join(dir, `.${name}.old-${process.pid}`);
  const replacing = await stat(folder).then(
    () => true,
    () => false,
  );
  if (replacing) await rename(folder, old);
  try {
    await rename(root, folder);
  } catch (err) {
    if (replacing) await rename(old, folder).catch(() => {});
    throw err;
  }
  if (replacing) await rm(old, { recursive: true, force: true });
}

/** Hidden folders of earlier processes that were killed mid-way (the lock says none is running). */
async function removeLeftovers(dir: string, name: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    if (entry.startsWith(`.${name}.unzip-`) || entry.startsWith(`.${name}.old-`))
      await rm(join(dir, entry), { recursive: true, force: true });
  }
}

async function checkFreeSpace(dir: string, needed: number): Promise<void> {
  const fs = await statfs(dir).catch(() => undefined);
  if (!fs || needed <= 0) return;
  const free = fs.bavail * fs.bsize;
  if (free < needed)
    throw new InputError(`${formatBytes(needed)} needed for the download, ${formatBytes(free)} free`, {
      file: dir,
      field: "dir",
    });
}

function fileSystemError(err: unknown, dir: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code !== "string") return err;
  const what = code === "ENOSPC" ? "the disk is full" : `the file system refused (${code})`;
  return new InputError(`cannot write the datasets folder: ${what}`, { file: dir, field: "dir" });
}

function emptyResult(name: string, folder: string, md5: string): DownloadResult {
  return {
    name,
    folder,
    alreadyPresent: false,
    sets: [],
    zipBytes: 0,
    received: 0,
    resumedFrom: 0,
    attempts: 0,
    resumes: 0,
    restarts: 0,
    files: 0,
    extractedBytes: 0,
    md5,
  };
}

export interface DatasetStatus {
  name: string;
  url: string;
  zipBytes: number;
  md5: string;
  /** ready: DIR/NAME is a BEIR folder; partial: a .part of `partBytes` waits to be resumed. */
  state: "ready" | "partial" | "absent";
  partBytes: number;
}

/** The catalog with what `dir` holds of each dataset. */
export async function listDatasets(
  dir: string,
  baseUrl = DEFAULT_BASE_URL,
  catalog: Catalog = BEIR_CATALOG,
): Promise<DatasetStatus[]> {
  return Promise.all(
    catalog.map(async (e) => {
      const ready = (await beirFolders(join(dir, e.name))).length > 0;
      const partBytes = ready ? 0 : await sizeOf(join(dir, `${e.name}.zip.part`)).catch(() => 0);
      const state = ready ? "ready" : partBytes > 0 ? "partial" : "absent";
      return {
        name: e.name,
        url: zipUrl(baseUrl, e.name),
        zipBytes: e.zipBytes,
        md5: e.md5,
        state,
        partBytes,
      };
    }),
  );
}
