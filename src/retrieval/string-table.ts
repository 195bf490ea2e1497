/**
 * Strings → dense ids 0, 1, 2, … in an open-addressing hash table over an Int32Array, for the
 * index's three dictionaries (surface words, terms, document ids). Not a Map, for two reasons:
 * a word is looked up as a range of the text it sits in, so the hot loop makes no string per
 * token; and a V8 Map holds at most 2^24 (16.7 M) entries, which a 10 GB corpus's document ids pass.
 *
 * Two ways to keep the keys: as strings (`strings`, for terms and document ids, which are needed
 * as strings), or as UTF-16 units in one Uint16Array (`chars`, for the surface words, looked up
 * 1.2 M times on SciFact: comparing typed-array units is ~3× faster than charCodeAt on a stored
 * string, and makes no string per key).
 */
import { hashRange } from "../text/analysis.js";

export class StringTable {
  /** The strings by id (empty when the table keeps units). */
  readonly strings: string[] = [];
  /** Units mode: key id's units are chars[starts[id], starts[id + 1]). */
  private chars: Uint16Array | undefined;
  private starts: Int32Array | undefined;
  private count = 0;
  /** Each key's hash, by id (saves comparing keys on collisions, and rehashing on growth). */
  private hashes = new Int32Array(1024);
  /** id + 1 per slot, 0 for empty. */
  private slots = new Int32Array(2048);
  private mask = 2047;

  constructor(keep: "strings" | "units" = "strings") {
    if (keep === "units") {
      this.chars = new Uint16Array(1 << 16);
      this.starts = new Int32Array(1025);
    }
  }

  get size(): number {
    return this.count;
  }

  /** The id of s[start, end) whose hashRange is h, or −1. */
  findRange(s: string, start: number, end: number, h: number): number {
    const { slots, hashes, mask, chars, starts } = this;
    const len = end - start;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const slot = slots[i];
      if (slot === 0) return -1;
      const id = slot - 1;
      if (hashes[id] !== h) continue;
      let j = 0;
      if (chars !== undefined && starts !== undefined) {
        const at = starts[id];
        if (starts[id + 1] - at !== len) continue;
        while (j < len && chars[at + j] === s.charCodeAt(start + j)) j++;
      } else {
        const t = this.strings[id];
        if (t.length !== len) continue;
        while (j < len && t.charCodeAt(j) === s.charCodeAt(start + j)) j++;
      }
      if (j === len) return id;
    }
  }

  /** The id of s, or −1. */
  get(s: string): number {
    return this.findRange(s, 0, s.length, hashRange(s));
  }

  /** Adds s[start, end) (absent: the caller looked first) whose hashRange is h; returns its id. */
  addRange(s: string, start: number, end: number, h: number): number {
    const id = this.count++;
    if (id === this.hashes.length) this.hashes = grown(this.hashes, id * 2);
    this.hashes[id] = h;
    if (this.starts !== undefined && this.chars !== undefined) {
      if (id + 1 === this.starts.length) this.starts = grown(this.starts, id * 2 + 1);
      const at = this.starts[id];
      const to = at + end - start;
      if (to > this.chars.length) this.chars = grown(this.chars, Math.max(to, this.chars.length * 2));
      for (let j = start; j < end; j++) this.chars[at + j - start] = s.charCodeAt(j);
      this.starts[id + 1] = to;
    } else this.strings.push(start === 0 && end === s.length ? s : flatCopy(s.slice(start, end)));
    if (2 * this.count > this.slots.length) this.grow();
    else this.place(id, h);
    return id;
  }

  /** Adds s (absent: the caller looked first); returns its id. */
  add(s: string): number {
    return this.addRange(s, 0, s.length, hashRange(s));
  }

  /** Bytes of the table's typed arrays (strings, when kept, come on top). */
  bytes(): number {
    return (
      this.hashes.byteLength +
      this.slots.byteLength +
      (this.chars?.byteLength ?? 0) +
      (this.starts?.byteLength ?? 0)
    );
  }

  private place(id: number, h: number): void {
    const { slots, mask } = this;
    let i = h & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = id + 1;
  }

  /** Doubles the slots (load stays at most 1/2) and re-places every id from its stored hash. */
  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    this.mask = this.slots.length - 1;
    for (let id = 0; id < this.count; id++) this.place(id, this.hashes[id]);
  }
}

function grown<A extends Int32Array | Uint16Array>(a: A, n: number): A {
  const next = new (a.constructor as new (n: number) => A)(n);
  next.set(a);
  return next;
}

/**
 * s as a string of its own: V8 makes a slice of 13 or more units a view into its parent, so a
 * word sliced from a document and kept (in a table, a cache) would keep the whole document alive.
 */
export function flatCopy(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, "utf16le").toString("utf16le");
}
