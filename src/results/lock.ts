/**
 * One run per folder at a time. A run holds `.rerank-eval.lock` (created with O_EXCL, so two runs
 * cannot both take it) naming its pid, host and start; a second run into the folder is refused
 * with one line naming the folder and the run holding it. A lock left by a process that is gone
 * (killed, crashed, the machine rebooted) is taken over: on this host, a pid that no longer exists
 * is a dead run.
 */

import { open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { processAlive } from "../process-alive.js";

export const LOCK_FILE = ".rerank-eval.lock";

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export interface FolderLock {
  release(): Promise<void>;
}

/** `field` names the option the folder came from (--out), when it came from one. */
export async function lockFolder(
  dir: string,
  command = "run",
  field: string | undefined = "out",
): Promise<FolderLock> {
  const path = join(dir, LOCK_FILE);
  const mine: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(`${JSON.stringify(mine)}\n`);
      await handle.close();
      let released = false;
      return {
        release: async () => {
          if (released) return;
          released = true;
          await unlink(path).catch(() => {});
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = await readLock(path);
    if (holder && isAlive(holder)) {
      throw new InputError(
        `is in use by another ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}); ` +
          `wait for it to finish${field ? ` or choose another --${field}` : ""}`,
        { file: dir, field },
      );
    }
    // Stale (its process is gone) or unreadable (cut off while being written): take it over.
    await unlink(path).catch(() => {});
  }
  throw new InputError("could not take the folder's lock (another run keeps taking it)", {
    file: dir,
    field: "out",
  });
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(path, "utf8")) as LockInfo;
    return Number.isInteger(info.pid) && typeof info.host === "string" ? info : undefined;
  } catch {
    return undefined;
  }
}

/** A lock of another host cannot be checked: it is taken as held. */
function isAlive(info: LockInfo): boolean {
  if (info.host !== hostname()) return true;
  if (info.pid === process.pid) return true;
  return processAlive(info.pid);
}
