/**
 * "Did you mean": yargs's usage failures with the closest known flag or command added. yargs's own
 * recommendCommands covers commands only, and its "Unknown arguments" lists camelCase twins of each
 * flag; so the unknown flags are read off the command line here and matched against the options the
 * failing command declared.
 */
import { commandOf } from "./heap.js";

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate nearest `word`, or undefined when none is close: within 1 edit for words of up to 4
 * letters, 2 up to 8, 3 beyond; failing that, a candidate that `word` (3 letters or more) begins.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const distance = editDistance(word.toLowerCase(), c.toLowerCase());
    if (distance < bestDistance) {
      best = c;
      bestDistance = distance;
    }
  }
  if (best !== undefined) return best;
  return word.length >= 3 ? candidates.find((c) => c.startsWith(word)) : undefined;
}

export interface UsageContext {
  /** The command line as given (without node and the script). */
  argv: readonly string[];
  /** The command names. */
  commands: readonly string[];
  /** Options the failing command declared (with the global ones), and their aliases. */
  options: readonly string[];
}

/** yargs's failure message, or a better one when a flag or the command is misspelt. */
export function explainUsageFailure(message: string, ctx: UsageContext): string {
  // The only global flags are switches, so the first word that is not a flag is the command.
  const command = commandOf(ctx.argv);
  if (command !== "" && !ctx.commands.includes(command)) {
    const near = closest(command, ctx.commands);
    return near
      ? `Unknown command: ${command}. Did you mean ${near}?`
      : `Unknown command: ${command}; the commands are ${ctx.commands.join(", ")}`;
  }
  const unknown = unknownFlags(ctx.argv, ctx.options);
  if (unknown.length === 0) return message;
  const kebab = ctx.options.filter((o) => o.length > 1 && o === toKebab(o));
  const suggested = unknown.map((flag) => ({ flag, near: closest(toKebab(flag), kebab) }));
  if (suggested.length === 1) {
    const [{ flag, near }] = suggested;
    return `Unknown argument: ${flag}${near ? `. Did you mean --${near}?` : ""}`;
  }
  const parts = suggested.map(({ flag, near }) => (near ? `${flag} (did you mean --${near}?)` : flag));
  return `Unknown arguments: ${parts.join(", ")}`;
}

/** Long flags on the command line (before a bare `--`) that no option or alias names. */
function unknownFlags(argv: readonly string[], options: readonly string[]): string[] {
  const known = new Set(options.flatMap((o) => [o, toKebab(o)]));
  const unknown: string[] = [];
  for (const arg of argv) {
    if (arg === "--") break;
    if (!arg.startsWith("--")) continue;
    const name = arg.slice(2).split("=", 1)[0];
    const plain = toKebab(name);
    if (known.has(plain) || (plain.startsWith("no-") && known.has(plain.slice(3)))) continue;
    if (!unknown.includes(name)) unknown.push(name);
  }
  return unknown;
}

function toKebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
