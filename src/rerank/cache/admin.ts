/**
 * `rerank-eval cache info|verify|clear`: what the cache folder holds, cacache's own verification
 * (checksums every answer, drops index entries without content, collects unreferenced files), and
 * clearing all of it or the entries older than a duration. A folder that does not exist is an
 * empty cache, never created by looking at it.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import cacache from "cacache";
import { UsageError } from "../../errors.js";

export interface CacheInfo {
  dir: string;
  exists: boolean;
  entries: number;
  /** Bytes of every file in the folder (index, content, temporary files). */
  bytes: number;
}

export async function cacheInfo(dir: string): Promise<CacheInfo> {
  if (!(await isFolder(dir))) return { dir, exists: false, entries: 0, bytes: 0 };
  const entries = Object.keys(await cacache.ls(dir)).length;
  return { dir, exists: true, entries, bytes: await folderBytes(dir) };
}

export interface VerifyOutcome {
  dir: string;
  exists: boolean;
  /** Entries whose answers passed their checksums. */
  kept: number;
  keptBytes: number;
  /** Answers whose content failed its checksum: removed. */
  corrupt: number;
  /** Index entries whose content was gone: dropped. */
  missingContent: number;
  /** Files no entry refers to (a write cut off, an overwritten answer): removed. */
  reclaimed: number;
  reclaimedBytes: number;
}

export async function verifyCache(dir: string): Promise<VerifyOutcome> {
  if (!(await isFolder(dir)))
    return {
      dir,
      exists: false,
      kept: 0,
      keptBytes: 0,
      corrupt: 0,
      missingContent: 0,
      reclaimed: 0,
      reclaimedBytes: 0,
    };
  const s = await cacache.verify(dir);
  return {
    dir,
    exists: true,
    kept: s.totalEntries,
    keptBytes: s.keptSize,
    corrupt: s.badContentCount,
    missingContent: s.missingContent,
    reclaimed: s.reclaimedCount - s.badContentCount,
    reclaimedBytes: s.reclaimedSize,
  };
}

export interface ClearOutcome {
  dir: string;
  removed: number;
  kept: number;
  /** Bytes the folder lost. */
  freedBytes: number;
}

/** Removes every entry, or (olderThanMs) those written longer ago than that. */
export async function clearCache(dir: string, olderThanMs?: number, now = Date.now()): Promise<ClearOutcome> {
  if (!(await isFolder(dir))) return { dir, removed: 0, kept: 0, freedBytes: 0 };
  const before = await cacheInfo(dir);
  if (olderThanMs === undefined) {
    await cacache.rm.all(dir);
  } else {
    const cutoff = now - olderThanMs;
    // verify's filter drops the entries it rejects from the index and collects their content.
    await cacache.verify(dir, { filter: (entry) => entry.time >= cutoff });
  }
  const after = await cacheInfo(dir);
  return {
    dir,
    removed: before.entries - after.entries,
    kept: after.entries,
    freedBytes: Math.max(0, before.bytes - after.bytes),
  };
}

const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** "30d", "12h", "90m", "45s", "2w" → milliseconds; anything else is a usage error naming the flag. */
export function parseDuration(text: string, flag = "--older-than"): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/.exec(text);
  if (!m) throw new UsageError(`${flag} must be a duration such as 30d, 12h, 90m, 45s or 2w, got '${text}'`);
  return Number(m[1]) * UNITS[m[2]];
}

/** False when nothing is there yet; a file where the folder belongs is a usage error. */
async function isFolder(dir: string): Promise<boolean> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
  if (!isDir) throw new UsageError(`the cache folder ${dir} is a file, not a folder (--cache DIR)`);
  return true;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}
