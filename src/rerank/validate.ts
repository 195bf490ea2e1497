/**
 * The answer contract, checked after a dialect parsed the body and before any index is trusted:
 * indices are integers in range and unique, scores are finite numbers. A violation is an ApiError of
 * kind "malformed" naming the field; the client never guesses a ranking out of a broken answer.
 */
import { ApiError } from "../errors.js";

/**
 * The one error for an answer that breaks the contract: not retryable, because asking again gives
 * the same shape. The client prefixes the provider and adds the attempt count.
 */
export function malformed(field: string, problem: string): ApiError {
  return new ApiError(`answer malformed: field '${field}': ${problem}`, {
    kind: "malformed",
    retryable: false,
    field,
  });
}

/**
 * `sent` is the number of documents in the request. More items than documents cannot be a ranking
 * of them; more items than top_n is handled by the caller (cut with a note, §18.4 rule 4).
 */
export function validateAnswerItems(items: unknown, sent: number): void {
  if (!Array.isArray(items)) throw malformed("results", "expected an array of ranked items");
  if (items.length > sent) {
    throw malformed("results", `${items.length} items for ${sent} documents sent`);
  }
  const seen = new Uint8Array(sent);
  for (let position = 0; position < items.length; position++) {
    const item: { index?: unknown; score?: unknown } | null = items[position];
    const index = item?.index;
    if (typeof index !== "number" || !Number.isInteger(index)) {
      throw malformed("index", `item ${position} has index ${describe(index)}, not an integer`);
    }
    if (index < 0 || index >= sent) {
      throw malformed("index", `item ${position} has index ${index}, outside [0, ${sent})`);
    }
    if (seen[index] === 1) throw malformed("index", `index ${index} appears more than once`);
    seen[index] = 1;
    const score = item?.score;
    if (typeof score !== "number" || !Number.isFinite(score)) {
      throw malformed("score", `item ${position} (index ${index}) has score ${describe(score)}`);
    }
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number") return String(value);
  return value === undefined ? "missing" : (JSON.stringify(value)?.slice(0, 40) ?? String(value));
}
