/**
 * The kinds of value a run option takes. Each is a zod schema plus what the command line needs
 * around it (a label for --help, how a flag's text becomes a value); the messages are written so
 * that "<flag or field> <message>" reads as a sentence.
 */
import { z } from "zod";
import { DEFAULT_CSV_COLUMNS, delimiterChar } from "../datasets/csv-header.js";
import { InputError, UsageError } from "../errors.js";
import { NAME_NOT_KEY } from "../rerank/credentials.js";

/** What a value is: its schema, its label in --help, and how the text of a flag becomes one. */
export interface Kind<S extends z.ZodType = z.ZodType> {
  schema: S;
  label: string;
  /** yargs hands every value flag over as typed, so the schema judges what the user wrote. */
  read(text: string, flag: string): unknown;
  /** yargs parses it as a switch: --x, --no-x. */
  switch?: true;
  /** The value of the flag given bare; without one a bare flag is a forgotten value. */
  bare?: unknown;
  /**
   * A path in the file system: in a config file it is relative to the file's folder (as tsconfig
   * and docker compose read theirs), on the command line to the working directory. Says whether
   * a given value is a path at all ('qrels' names the judged pool, not a file).
   */
  isPath?: (value: string) => boolean;
}

const kind = <S extends z.ZodType>(k: Kind<S>): Kind<S> => k;
const asText = (text: string) => text;

/**
 * The one number validator. The type check carries the rule's message too, so `-j many` and `-j 0`
 * read alike ("must be a positive integer"), whether the value came from a flag or from the file.
 */
function numberKind(what: string, ok: (n: number) => boolean) {
  const error = `must be ${what}`;
  return kind({
    schema: z.number({ error }).refine(ok, { error }),
    label: what.replace(/^an? /, ""),
    read: (text) => (text.trim() === "" ? Number.NaN : Number(text)),
  });
}

export const positiveInteger = numberKind("a positive integer", (n) => Number.isInteger(n) && n > 0);
export const nonNegativeInteger = numberKind("an integer >= 0", (n) => Number.isInteger(n) && n >= 0);
export const positiveNumber = numberKind("a positive number", (n) => n > 0);
export const integer = numberKind("an integer", Number.isInteger);

export const nonEmptyText = z.string({ error: "must be text" }).min(1, { error: "must not be empty" });
export const text = (label: string) => kind({ schema: nonEmptyText, label, read: asText });
export const path = (label: string, isPath: (value: string) => boolean = () => true) =>
  kind({ schema: nonEmptyText, label, read: asText, isPath });

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * apiKeyEnv's kind. Users put the key itself where its variable's name belongs, so a bad value is
 * never repeated: the flag is refused by `read`, before the schema (whose issues config.ts shows
 * with ", got <value>"), and a config file's value by the schema throwing its own error instead of
 * raising an issue; that error cannot name the file and line, which the value would have cost.
 */
export const envName = kind({
  schema: z.custom<string>((value) => {
    if (typeof value === "string" && ENV_NAME.test(value)) return true;
    throw new InputError(NAME_NOT_KEY, { field: "apiKeyEnv" });
  }),
  label: "variable name",
  read: (text, flag) => {
    if (!ENV_NAME.test(text)) throw new UsageError(`${flag} ${NAME_NOT_KEY}`);
    return text;
  },
});

const FORMATS = ["csv", "beir", "trec", "mteb"] as const;
export const format = kind({
  schema: z.enum(FORMATS, { error: `must be one of ${FORMATS.join(", ")}` }),
  label: FORMATS.join("|"),
  read: asText,
});

const FIRST_STAGES = ["bm25"] as const;
/** The first stages a run can compute itself (over a BEIR corpus). */
export const firstStage = kind({
  schema: z.enum(FIRST_STAGES, { error: `must be one of ${FIRST_STAGES.join(", ")}` }),
  label: FIRST_STAGES.join("|"),
  read: asText,
});

const CORRECTIONS = ["holm", "bh"] as const;
/** How the p-values of a report's comparisons are corrected: Holm (default) or Benjamini–Hochberg. */
export const correction = kind({
  schema: z.enum(CORRECTIONS, { error: `must be one of ${CORRECTIONS.join(", ")}` }),
  label: CORRECTIONS.join("|"),
  read: asText,
});

export const onOff = kind({
  schema: z.boolean({ error: "must be true or false" }),
  label: "boolean",
  read: asText,
  switch: true,
});

/** Qwen3-Reranker tags: true for the default instruction, a text for one's own. */
export const instruction = kind({
  schema: z.union([z.boolean(), z.string()], { error: "must be true, false or an instruction" }),
  label: "instruction, optional",
  read: asText,
  bare: true,
});

export const providerOptions = kind({
  schema: z.record(z.string(), z.unknown(), { error: "must be a map of option names to values" }),
  label: "key=value",
  read: readPair,
});

/** `key=value`; the value keeps its JSON type when it parses (null, numbers, objects), else it is text. */
function readPair(pair: string, flag: string): [string, unknown] {
  const eq = pair.indexOf("=");
  if (eq < 1) throw new UsageError(`${flag} must be key=value, got '${pair}'`);
  const value = pair.slice(eq + 1);
  try {
    return [pair.slice(0, eq), JSON.parse(value)];
  } catch {
    return [pair.slice(0, eq), value]; // not JSON: a plain string such as a field path
  }
}

const PRICE_UNITS = ["perSearchUnit", "per1kRequests", "perMillionTokens"] as const;
const amount = z.number({ error: "must be a number" }).min(0, { error: "must be >= 0" }).optional();

/**
 * What a model costs, as its provider bills it: per search unit (Cohere: one query with up to 100
 * documents), per 1,000 requests, or per million tokens; any mix, in one currency.
 */
export const price = kind({
  schema: z
    .strictObject(
      {
        perSearchUnit: amount,
        per1kRequests: amount,
        perMillionTokens: amount,
        currency: z.string().min(1).optional(),
      },
      { error: `must be a map of ${PRICE_UNITS.join(", ")} (and currency)` },
    )
    .refine((p) => PRICE_UNITS.some((u) => p[u] !== undefined), {
      error: `needs one of ${PRICE_UNITS.join(", ")}`,
    }),
  label: `${PRICE_UNITS.join("|")}=N`,
  read: readPair,
});

/**
 * CSV column names: `query=question,doc_id=pid`. The keys are the CSV's own default column names
 * (query_id, doc_id, …); the config's camelCase keys (queryId) are taken too.
 */
const COLUMN_KEYS: Record<string, string> = Object.fromEntries(
  Object.entries(DEFAULT_CSV_COLUMNS).map(([key, column]) => [column, key]),
);

export const csvColumns = kind({
  schema: z.strictObject({
    queryId: z.string().optional(),
    query: z.string().optional(),
    docId: z.string().optional(),
    document: z.string().optional(),
    title: z.string().optional(),
    label: z.string().optional(),
  }),
  label: "key=NAME,…",
  read: readColumns,
});

function readColumns(text: string, flag: string): Record<string, string> {
  const keys = Object.keys(COLUMN_KEYS).join(", ");
  const columns: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    const key = pair.slice(0, Math.max(eq, 0)).trim();
    const name = pair.slice(eq + 1).trim();
    if (eq < 1 || name === "")
      throw new UsageError(
        `${flag} takes KEY=NAME pairs, e.g. query=question,label=relevance; got '${pair}'`,
      );
    const camel = Object.hasOwn(COLUMN_KEYS, key)
      ? COLUMN_KEYS[key]
      : Object.values(COLUMN_KEYS).find((k) => k === key);
    if (camel === undefined) throw new UsageError(`${flag}: unknown key '${key}' (keys: ${keys})`);
    columns[camel] = name;
  }
  return columns;
}

const DELIMITER_RULE =
  "must be one character other than a quote or a line break, or tab, comma, semicolon, pipe";
export const delimiter = kind({
  schema: z.string({ error: DELIMITER_RULE }).refine(
    (s) => {
      const c = delimiterChar(s);
      return c.length === 1 && !'"\r\n'.includes(c);
    },
    { error: DELIMITER_RULE },
  ),
  label: "character or tab",
  read: asText,
});
