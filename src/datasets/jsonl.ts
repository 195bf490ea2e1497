/** One JSON object per line, with field checks whose errors name the file, line and field. */
import { InputError } from "../errors.js";

export type JsonObject = Record<string, unknown>;

export function parseJsonLine(text: string, file: string, line: number): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`malformed JSON (expected one JSON object per line): ${(err as Error).message}`, {
      file,
      line,
    });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new InputError("expected a JSON object on this line", { file, line });
  return value as JsonObject;
}

/** An id field: a string, or a number written without quotes (some exports do that). */
export function idField(obj: JsonObject, field: string, file: string, line: number): string {
  const value = obj[field];
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "") return value;
  throw new InputError(
    value === undefined ? "missing (expected a string id)" : "expected a non-empty string id",
    { file, line, field },
  );
}

export function textField(
  obj: JsonObject,
  field: string,
  file: string,
  line: number,
  opts: { optional?: boolean; nonEmpty?: boolean } = {},
): string {
  const value = obj[field];
  if (value === undefined || value === null) {
    if (opts.optional) return "";
    throw new InputError("missing (expected a string)", { file, line, field });
  }
  if (typeof value !== "string")
    throw new InputError(`expected a string, got ${typeof value}`, { file, line, field });
  if (opts.nonEmpty && value.trim() === "") throw new InputError("empty text", { file, line, field });
  return value;
}
