/**
 * Sizes for people: what a cache, a download or a folder holds, in decimal units (as `du --si` and
 * download tools show them). Shared by the cache and datasets commands and the downloader, so it
 * lives with the neutral helpers. Not the exact binary bounds of limit messages ("64 MiB"), which
 * src/rerank/limits.ts and src/trec/lines.ts write.
 */

/** 1234567 → "1.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(1)} ${units[i]}`;
}
