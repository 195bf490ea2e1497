/**
 * The kinds of value a run option takes. Each is a zod schema plus what the command line needs
 * around it (a label for --help, how a flag's text becomes a value); the messages are written so
 * that "<flag or field> <message>" reads as a sentence.
 */
import { z } from "zod";
import { delimiterChar } from "../datasets/csv-header.js";
import { UsageError } from "../errors.js";

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

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const envName = kind({
  schema: z
    .string({ error: "must be an environment variable name" })
    .regex(ENV_NAME, { error: "must be an environment variable name" }),
  label: "variable name",
  read: asText,
});

const FORMATS = ["csv", "beir", "trec", "mteb"] as const;
export const format = kind({
  schema: z.enum(FORMATS, { error: `must be one of ${FORMATS.join(", ")}` }),
  label: FORMATS.join("|"),
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

/**
 * CSV column names: `query=question,doc_id=pid`. The keys are the CSV's own default column names
 * (query_id, doc_id, …); the config's camelCase keys (queryId) are taken too.
 */
const COLUMN_KEYS: Record<string, string> = {
  query_id: "queryId",
  query: "query",
  doc_id: "docId",
  document: "document",
  title: "title",
  label: "label",
};

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
