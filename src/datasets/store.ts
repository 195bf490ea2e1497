/**
 * Where a set's document texts live between loading and sending. A big set's texts would be most
 * of a run's memory (1.9 KB per CSV pair measured), so a set read from a plain file keeps, per
 * document, only where its bytes are (offset and length in typed arrays) and a 32-bit hash of the
 * text as loaded; `get` reads the bytes back (a positional read, from the page cache on a warm
 * machine), decodes them the way the loader did (the CSV record re-parsed, the JSON line parsed)
 * and checks the hash, so a text sent is always the text loaded: a file edited since is an
 * InputError, never a silently different request (or cache key). Gzipped inputs and sets built in
 * memory keep their texts (a gzip stream cannot be read at an offset).
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { InputError } from "../errors.js";
import type { Doc } from "./types.js";

/** Decodes the bytes [start, end) of the file back into the document the loader made of them. */
/** Bytes as read back (a Uint8Array in the published types, so they need no Node typings). */
export type DecodeDoc = (bytes: Uint8Array) => Doc;

/** The UTF-8 text of bytes read back, as Buffer#toString gives it (a BOM kept, bad bytes as U+FFFD). */
export function utf8Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

interface Backing {
  /** Appends a document; returns its slot. */
  add(doc: Doc, start: number, end: number): number;
  read(slot: number): Doc;
  /** The backing for a subset of slots, in the order given (memory: drops the other texts). */
  subset(slots: number[]): { backing: Backing; slots: number[] };
}

class MemoryBacking implements Backing {
  constructor(private readonly docs: Doc[] = []) {}
  add(doc: Doc): number {
    return this.docs.push(doc) - 1;
  }
  read(slot: number): Doc {
    return this.docs[slot];
  }
  subset(slots: number[]): { backing: Backing; slots: number[] } {
    return { backing: new MemoryBacking(slots.map((s) => this.docs[s])), slots: slots.map((_, i) => i) };
  }
}

/** Closes a file once no store can read from it any more. */
const closeWhenUnreachable = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to do.
  }
});

class FileBacking implements Backing {
  private starts = new Float64Array(1024);
  private lengths = new Uint32Array(1024);
  private hashes = new Int32Array(1024);
  private count = 0;
  private buf = Buffer.allocUnsafe(64 << 10);

  constructor(
    private readonly path: string,
    private readonly fd: number,
    private readonly decode: DecodeDoc,
  ) {
    closeWhenUnreachable.register(this, fd);
  }

  add(doc: Doc, start: number, end: number): number {
    if (this.count === this.starts.length) {
      const grow = <T extends Float64Array | Uint32Array | Int32Array>(a: T, make: (n: number) => T): T => {
        const bigger = make(a.length * 2);
        bigger.set(a);
        return bigger;
      };
      this.starts = grow(this.starts, (n) => new Float64Array(n));
      this.lengths = grow(this.lengths, (n) => new Uint32Array(n));
      this.hashes = grow(this.hashes, (n) => new Int32Array(n));
    }
    const slot = this.count++;
    this.starts[slot] = start;
    this.lengths[slot] = end - start;
    this.hashes[slot] = docHash(doc);
    return slot;
  }

  read(slot: number): Doc {
    const length = this.lengths[slot];
    if (this.buf.length < length) this.buf = Buffer.allocUnsafe(Math.max(length, this.buf.length * 2));
    let got = 0;
    try {
      while (got < length) {
        const n = readSync(this.fd, this.buf, got, length - got, this.starts[slot] + got);
        if (n === 0) break;
        got += n;
      }
    } catch (err) {
      throw new InputError(`cannot read a document back: ${(err as Error).message}`, { file: this.path });
    }
    let doc: Doc | undefined;
    try {
      doc = got === length ? this.decode(this.buf.subarray(0, length)) : undefined;
    } catch {
      doc = undefined;
    }
    if (doc === undefined || docHash(doc) !== this.hashes[slot])
      throw new InputError(
        "changed since it was loaded (a document's bytes differ): load it again (rerun) to send its current texts",
        { file: this.path },
      );
    return doc;
  }

  subset(slots: number[]): { backing: Backing; slots: number[] } {
    return { backing: this, slots };
  }

  /** Bytes the arrays hold: what the store costs besides its id map. */
  get arrayBytes(): number {
    return this.starts.byteLength + this.lengths.byteLength + this.hashes.byteLength;
  }
}

/**
 * The documents of a set: a read-only map from document id to document, in insertion order. For a
 * set loaded from a plain file `get` reads the text back from the file each time: take it when the
 * text is needed and let it go, rather than holding every document.
 */
export class DocStore implements ReadonlyMap<string, Doc> {
  // Private fields: not own enumerable properties, so two stores with the same documents are equal
  // to test matchers whatever their backing.
  #slots: Map<string, number>;
  #backing: Backing;

  private constructor(backing: Backing, slots = new Map<string, number>()) {
    this.#backing = backing;
    this.#slots = slots;
  }

  /** A store that keeps its texts in memory. */
  static inMemory(docs?: Iterable<[string, Doc]>): DocStore {
    const store = new DocStore(new MemoryBacking());
    if (docs) for (const [id, doc] of docs) store.add(id, doc, 0, 0);
    return store;
  }

  /**
   * A store that reads texts back from `path` by offset, or one that keeps them in memory when the
   * file cannot be read at an offset (gzip, or not a regular file). Opened before the loader reads
   * it, so the descriptor is the file the offsets are about.
   */
  static forFile(path: string, decode: DecodeDoc): DocStore {
    let fd: number | undefined;
    try {
      // Never opened unless a regular file: opening a FIFO blocks the thread until a writer comes.
      if (!statSync(path).isFile()) return DocStore.inMemory();
      fd = openSync(path, "r");
      const head = Buffer.alloc(2);
      const gzip = readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
      if (fstatSync(fd).isFile() && !gzip) return new DocStore(new FileBacking(path, fd, decode));
    } catch {
      // The loader's own read names the problem; this store then keeps texts in memory.
    }
    if (fd !== undefined) closeSync(fd);
    return DocStore.inMemory();
  }

  /** Adds a document whose bytes are [start, end) of the file (ignored for a store in memory). */
  add(id: string, doc: Doc, start: number, end: number): void {
    this.#slots.set(id, this.#backing.add(doc, start, end));
  }

  /** The documents among `ids` (in their order, once each), sharing this store's file. */
  only(ids: Iterable<string>): DocStore {
    const kept = new Map<string, number>();
    for (const id of ids) {
      const slot = this.#slots.get(id);
      if (slot !== undefined && !kept.has(id)) kept.set(id, slot);
    }
    const { backing, slots } = this.#backing.subset([...kept.values()]);
    const map = new Map<string, number>();
    let i = 0;
    for (const id of kept.keys()) map.set(id, slots[i++]);
    return new DocStore(backing, map);
  }

  /**
   * Forgets every document (the store is empty after): a run calls it once its requests are sent,
   * so a big set's id map (tens of MB for 500,000 documents) is not held through the report.
   */
  release(): void {
    this.#slots = new Map();
    this.#backing = new MemoryBacking();
  }

  /** True when texts are read back from the file (false: they are held in memory). */
  get readsBack(): boolean {
    return this.#backing instanceof FileBacking;
  }

  get size(): number {
    return this.#slots.size;
  }
  has(id: string): boolean {
    return this.#slots.has(id);
  }
  get(id: string): Doc | undefined {
    const slot = this.#slots.get(id);
    return slot === undefined ? undefined : this.#backing.read(slot);
  }
  keys(): MapIterator<string> {
    return this.#slots.keys();
  }
  *entries(): MapIterator<[string, Doc]> {
    for (const [id, slot] of this.#slots) yield [id, this.#backing.read(slot)];
  }
  *values(): MapIterator<Doc> {
    for (const slot of this.#slots.values()) yield this.#backing.read(slot);
  }
  [Symbol.iterator](): MapIterator<[string, Doc]> {
    return this.entries();
  }
  forEach(fn: (doc: Doc, id: string, map: ReadonlyMap<string, Doc>) => void, thisArg?: unknown): void {
    for (const [id, doc] of this.entries()) fn.call(thisArg, doc, id, this);
  }
}

/** FNV-1a over the title, a separator and the text (UTF-16 code units): cheap, and enough to tell an edit. */
export function docHash(doc: Doc): number {
  let h = 0x811c9dc5;
  const title = doc.title ?? "";
  for (let i = 0; i < title.length; i++) h = Math.imul(h ^ title.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0xffff, 0x01000193);
  const text = doc.text;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}
