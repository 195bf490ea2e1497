/**
 * Reading one CSV record again, for the document store (store.ts): the record's bytes were parsed
 * by csv-parse when the set was loaded, so they are known to be well-formed under the same options,
 * and a small scanner is enough to take a field back out. csv-parse's own parser costs about a
 * record's worth of setup per call, and a run reads every record once per variant. The store checks
 * the field against the hash of the text csv-parse produced, so any disagreement is an error, never
 * a different text sent.
 */

export interface RecordSyntax {
  /** One character. */
  delimiter: string;
  /** The quote character, or false when fields are not quoted (TSV). */
  quote: string | false;
  /** The record delimiter csv-parse found ("\n", "\r\n" or "\r"); undefined: any of them. */
  recordDelimiter?: string;
}

/**
 * The record's fields 0..last (fewer when the record has fewer) from the text of a record, which may
 * start with empty lines (csv-parse's skip_empty_lines left them before it) and end with its line
 * break. A quoted field is unquoted, its doubled quotes made single.
 */
export function recordFields(text: string, syntax: RecordSyntax, last: number): string[] {
  const { delimiter, quote } = syntax;
  const rd = syntax.recordDelimiter;
  const breakAt = (j: number): boolean =>
    rd === undefined ? text[j] === "\n" || text[j] === "\r" : text.startsWith(rd, j);
  let i = 0;
  if (rd === undefined) while (i < text.length && (text[i] === "\n" || text[i] === "\r")) i++;
  else while (text.startsWith(rd, i)) i += rd.length;
  const fields: string[] = [];
  while (fields.length <= last) {
    if (quote !== false && text[i] === quote) {
      let value = "";
      i++;
      for (;;) {
        const q = text.indexOf(quote, i);
        if (q < 0) throw new Error("quoted field is never closed");
        value += text.slice(i, q);
        if (text[q + 1] === quote) {
          value += quote;
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      let j = i;
      while (j < text.length && text[j] !== delimiter && !breakAt(j)) j++;
      fields.push(text.slice(i, j));
      i = j;
    }
    if (text[i] !== delimiter) break;
    i++;
  }
  return fields;
}
