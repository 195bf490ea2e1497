/**
 * One download of a dataset into a folder at a time: two processes appending to the same .part
 * would interleave their bytes. `.NAME.download.lock` is created with O_EXCL and names its pid; a
 * lock whose process is gone (killed, crashed) is taken over. Other datasets in the same folder
 * download in parallel.
 */
import { open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { processAlive } from "../process-alive.js";

export interface DownloadLock {
  release(): Promise<void>;
}

export async function lockDownload(dir: string, name: string): Promise<DownloadLock> {
  const path = join(dir, `.${name}.download.lock`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { release: () => unlink(path).catch(() => {}) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const pid = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
    if (Number.isSafeInteger(pid) && pid > 0 && processAlive(pid))
      throw new InputError(`${name} is being downloaded here by another process (pid ${pid}); wait for it`, {
        file: dir,
        field: "dir",
      });
    await unlink(path).catch(() => {});
  }
  throw new InputError(`cannot take the lock ${path}`, { file: dir, field: "dir" });
}
