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

/**
 * The text of `JSON.stringify(value, null, 2)`, in pieces: every container that holds only
 * primitives is one piece, so no piece is larger than the largest such container. Plain JSON data
 * only (objects, arrays, strings, numbers, booleans, null): an object with toJSON goes out whole
 * (its toJSON is called without the member's key).
 */
export function* jsonChunks(value: unknown, indent = ""): Generator<string> {
  const text = wholeText(value, indent);
  if (text !== undefined) yield text ?? "null";
  else yield* containerChunks(value as object, indent);
}

/** The pieces of a container that wholeText found not to go out whole (each is checked once). */
function* containerChunks(value: object, indent: string): Generator<string> {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    // Not empty: an empty array is a leaf.
    for (let i = 0; i < value.length; i++) {
      yield i === 0 ? `[\n${inner}` : `,\n${inner}`;
      yield* jsonChunks(value[i], inner);
    }
    yield `\n${indent}]`;
    return;
  }
  let first = true;
  for (const [key, v] of Object.entries(value)) {
    // A member JSON.stringify leaves out: undefined, a function, or a toJSON that gives undefined.
    const whole = wholeText(v, inner);
    if (whole === null) continue;
    yield `${first ? "{\n" : ",\n"}${inner}${JSON.stringify(key)}: `;
    first = false;
    if (whole !== undefined) yield whole;
    else yield* containerChunks(v as object, inner);
  }
  yield first ? "{}" : `\n${indent}}`;
}

/**
 * The text of a value that goes out in one piece (a primitive, an object with toJSON, a container
 * of primitives), indented to `indent`; null when JSON.stringify gives nothing for it; undefined
 * for a container to go out piece by piece.
 */
function wholeText(value: unknown, indent: string): string | null | undefined {
  if (value !== null && typeof value === "object" && !("toJSON" in value) && !isLeaf(value)) return undefined;
  const text = JSON.stringify(value, null, 2) as string | undefined;
  if (text === undefined) return null;
  // Raw line breaks are only ever the indentation's (JSON escapes those in strings).
  return indent ? text.replaceAll("\n", `\n${indent}`) : text;
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
      if (!Object.is(v, value[i])) {
        out ??= value.slice();
        out[i] = v;
      }
    }
    return (out ?? value) as T;
  }
  // Each key and value mapped once; the copy is made only from the first change on.
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let out: [string, unknown][] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const key = f(k);
    const v = mapStrings(record[k], f);
    if (out === undefined && (key !== k || !Object.is(v, record[k])))
      out = keys.slice(0, i).map((earlier) => [earlier, record[earlier]]);
    out?.push([key, v]);
  }
  return (out ? Object.fromEntries(out) : value) as T;
}
