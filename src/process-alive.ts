/**
 * Whether a process of this machine is alive: signal 0 checks without sending. EPERM means it exists
 * but belongs to someone else. Used by the folder and download locks, to take over a dead holder's.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
