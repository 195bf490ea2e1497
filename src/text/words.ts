/** Counts in sentences, for every stage's messages: "1 query", "3 queries", "has" or "have". */

/** How many, and of what: count(3, "query", "queries") → "3 queries". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** The verb form agreeing with a count: agree(1, "has", "have") → "has". */
export function agree(n: number, singular: string, plural: string): string {
  return n === 1 ? singular : plural;
}
