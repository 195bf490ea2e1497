/** The md5 BEIR publishes for its zips, computed by streaming the file (a zip can be 5 GB). */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export async function md5File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal })) hash.update(chunk);
  return hash.digest("hex");
}
