/**
 * A small zip writer for tests: deflated (or stored) entries with correct CRC-32s, and a unix mode
 * per entry (for symbolic links), so tests can build the exact archive they need, hostile ones too.
 */
import { crc32, deflateRawSync } from "node:zlib";

export interface ZipEntry {
  name: string;
  /** Omitted for a folder entry (a name ending in "/"). */
  data?: string | Buffer;
  store?: boolean;
  /** Unix mode in the external attributes; 0o100644 by default (0o120777 makes a symlink). */
  mode?: number;
  /** Replaces the computed CRC-32 (a corrupt entry). */
  crc?: number;
}

export function makeZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, "utf8");
    const raw = Buffer.from(e.data ?? "");
    const method = e.store || raw.length === 0 ? 0 : 8;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const crc = e.crc ?? crc32(raw);
    const mode = e.mode ?? (e.name.endsWith("/") ? 0o40755 : 0o100644);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A tiny BEIR dataset zipped as BEIR ships it: NAME/corpus.jsonl, NAME/queries.jsonl, NAME/qrels/test.tsv. */
export function beirZip(name: string, docs = 40): { zip: Buffer; files: Record<string, string> } {
  const corpus = Array.from({ length: docs }, (_, i) =>
    JSON.stringify({
      _id: `d${i}`,
      title: `title ${i}`,
      text: `document ${i} about topic ${i % 5} ${"word ".repeat(i % 7)}`,
    }),
  ).join("\n");
  const queries = Array.from({ length: 5 }, (_, q) =>
    JSON.stringify({ _id: `q${q}`, text: `topic ${q}` }),
  ).join("\n");
  const qrels = [
    "query-id\tcorpus-id\tscore",
    ...Array.from({ length: 5 }, (_, q) => `q${q}\td${q}\t1`),
  ].join("\n");
  const files = {
    [`${name}/corpus.jsonl`]: `${corpus}\n`,
    [`${name}/queries.jsonl`]: `${queries}\n`,
    [`${name}/qrels/test.tsv`]: `${qrels}\n`,
  };
  const zip = makeZip([
    { name: `${name}/` },
    ...Object.entries(files).map(([n, data]) => ({ name: n, data })),
  ]);
  return { zip, files };
}
