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
    const header = { method, crc, compressed: body.length, size: raw.length, nameLength: name.length };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeHeaderFields(local, 4, header);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    writeHeaderFields(central, 6, header);
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

interface HeaderFields {
  method: number;
  crc: number;
  compressed: number;
  size: number;
  nameLength: number;
}

/**
 * The fields a local header and its central directory entry share, in the same order, from `at`
 * (4 in a local header, 6 in a central one, after its "version made by"): version needed 2.0, UTF-8
 * names, method, a fixed date (1980-01-01 00:00), CRC-32, sizes, name length. Extra-field lengths
 * stay 0 (the buffers are zero-filled).
 */
function writeHeaderFields(buf: Buffer, at: number, h: HeaderFields): void {
  buf.writeUInt16LE(20, at);
  buf.writeUInt16LE(0x0800, at + 2);
  buf.writeUInt16LE(h.method, at + 4);
  buf.writeUInt16LE(0, at + 6);
  buf.writeUInt16LE(0x21, at + 8);
  buf.writeUInt32LE(h.crc >>> 0, at + 10);
  buf.writeUInt32LE(h.compressed, at + 14);
  buf.writeUInt32LE(h.size, at + 18);
  buf.writeUInt16LE(h.nameLength, at + 22);
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
