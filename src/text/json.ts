/**
 * JSON for big plain data (a report with per-query values for 100,000s of queries) without one
 * huge string or a second copy of the data: `jsonChunks` yields the exact text of
 * `JSON.stringify(value, null, 2)` in pieces, and `mapStrings` rewrites every string (keys too)
 * while sharing every object it does not change.
 */

/** A container whose values are all primitives goes out whole: one JSON.stringify, one piece. */
function isLeaf(value: object): boolean {
  for (const v of Array.isArray(value) ? value : Object.values(value))
    if (v !== null && typeof v === "object") return false;
  return true;
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function omitted(v: unknown): boolean {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

/**
 * The text of `JSON.stringify(value, null, 2)`, in pieces: every container that holds only
 * primitives is one piece, so no piece is larger than the largest such container. Plain JSON data
 * only (objects, arrays, strings, numbers, booleans, null): an object with toJSON goes out whole.
 */
export function* jsonChunks(value: unknown, indent = ""): Generator<string> {
  if (value === null || typeof value !== "object" || "toJSON" in value || isLeaf(value)) {
    const text = JSON.stringify(value, null, 2) ?? "null";
    // Raw line breaks are only ever the indentation's (JSON escapes those in strings).
    yield indent ? text.replaceAll("\n", `\n${indent}`) : text;
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield "[]";
      return;
    }
    for (let i = 0; i < value.length; i++) {
      yield i === 0 ? `[\n${inner}` : `,\n${inner}`;
      yield* jsonChunks(omitted(value[i]) ? null : value[i], inner);
    }
    yield `\n${indent}]`;
    return;
  }
  let first = true;
  for (const [key, v] of Object.entries(value)) {
    if (omitted(v)) continue;
    yield `${first ? "{\n" : ",\n"}${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* jsonChunks(v, inner);
  }
  yield first ? "{}" : `\n${indent}}`;
}

/**
 * `value` with `f` applied to every string in it, object keys included; an object or array in
 * which nothing changed is returned as it is (not copied). Plain JSON data only.
 */
export function mapStrings<T>(value: T, f: (text: string) => string): T {
  if (typeof value === "string") return f(value) as T;
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = mapStrings(value[i], f);
      if (v !== value[i]) {
        out ??= value.slice();
        out[i] = v;
      }
    }
    return (out ?? value) as T;
  }
  // Most reports have nothing to redact: find the first change before building anything.
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const unchanged = keys.every((k) => f(k) === k && mapStrings(record[k], f) === record[k]);
  if (unchanged) return value;
  return Object.fromEntries(keys.map((k) => [f(k), mapStrings(record[k], f)])) as T;
}
