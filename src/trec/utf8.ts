/**
 * Ids must be valid UTF-8. Every reader turns ids into JavaScript strings, and decoding replaces each
 * invalid byte with U+FFFD, so `q\xff1` and `q\xfe1` would both become `q\uFFFD1`: two different ids
 * read as one (trec_eval compares bytes and keeps them apart). Comparing bytes everywhere would cost
 * a Buffer per id in every map, so readers refuse such ids instead, with the line and field. The
 * check is one native isUtf8 call per run of lines (simdutf); a run that fails it is looked at id by
 * id, so well-formed files pay next to nothing.
 */
import { isUtf8 } from "node:buffer";
import { InputError, type InputLocation } from "../errors.js";

export { isUtf8 };

const REPLACEMENT = "\uFFFD";
const WHY =
  "ids are compared as text, and ids that differ only in such bytes would be taken for one (save the file as UTF-8)";

/** The InputError for an id whose raw bytes are known: they are shown, invalid ones as \xNN. */
export function invalidIdBytes(bytes: Uint8Array, where: InputLocation): InputError {
  return new InputError(`'${showBytes(bytes)}' is not valid UTF-8: ${WHY}`, where);
}

/**
 * For readers that only see decoded text (JSON lines, CSV records): on a line that is not valid
 * UTF-8, an id holding U+FFFD may come from an invalid byte, so it is refused. (A genuine U+FFFD in
 * an id on such a line is refused too: the line cannot tell the two apart, and refusing is safe.)
 */
export function checkDecodedId(id: string, lineIsUtf8: boolean, where: InputLocation): void {
  if (lineIsUtf8) return;
  const at = id.indexOf(REPLACEMENT);
  if (at < 0) return;
  // A text used as an id can be long: show the part around the first replaced byte.
  const from = Math.max(0, at - 30);
  const shown = `${from > 0 ? "…" : ""}${id.slice(from, at + 30)}${at + 30 < id.length ? "…" : ""}`;
  throw new InputError(`not valid UTF-8 (read as '${shown}'): ${WHY}`, where);
}

/**
 * Validates a byte stream chunk by chunk: a sequence split between two chunks is carried over, so a
 * chunk boundary never looks like an invalid byte. `push` is false once the bytes seen are invalid.
 */
export function utf8Checker(): { push(chunk: Uint8Array): boolean; end(): boolean } {
  let carry: Buffer = Buffer.alloc(0);
  let valid = true;
  return {
    push(chunk) {
      if (!valid) return false;
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : Buffer.from(chunk);
      const cut = incompleteTail(bytes);
      carry = Buffer.from(bytes.subarray(cut));
      valid = isUtf8(bytes.subarray(0, cut));
      return valid;
    },
    end() {
      return valid && carry.length === 0;
    },
  };
}

/** Where a multi-byte sequence cut off by the end of `b` starts (b.length when none is). */
function incompleteTail(b: Uint8Array): number {
  for (let i = b.length - 1; i >= 0 && i >= b.length - 3; i--) {
    const c = b[i];
    if (c < 0x80) return b.length;
    if (c >= 0xc0) {
      const length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      return i + length > b.length ? i : b.length;
    }
  }
  return b.length;
}

/** Bytes as text for a message: valid characters as they are, anything else as \xNN. */
export function showBytes(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const c = bytes[i];
    const length = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    const seq = length > 0 ? bytes.subarray(i, i + length) : undefined;
    if (seq !== undefined && seq.length === length && (length === 1 ? c >= 0x20 : isUtf8(seq))) {
      out += Buffer.from(seq).toString("utf8");
      i += length;
    } else {
      out += `\\x${c.toString(16).padStart(2, "0")}`;
      i++;
    }
  }
  return out;
}
