/** Which loader a path needs, from what the path is and how it is named. */
import { basename } from "node:path";
import { InputError } from "../errors.js";
import { readLines, regularFile } from "../trec/index.js";
import type { ReadLimits } from "../trec/types.js";
import { isBeirFolder } from "./beir.js";
import { pathKind } from "./files.js";
import type { DatasetFormat } from "./types.js";

const TREC_EXTENSIONS = /\.(qrels|trec|run|txt)(\.gz)?$/i;
/** Compressions the readers do not inflate (gzip, in any case, they do). */
const OTHER_COMPRESSIONS = /\.(bz2|xz|zst|zstd|lz4|br|zip|7z)$/i;

/**
 * A folder with corpus.jsonl(.gz) is BEIR; `.csv`/`.tsv` CSV; `.jsonl` whose first object has
 * `positive` MTEB; `.qrels`/`.trec`/`.run`/`.txt` TREC. Anything else is an InputError saying so.
 */
export async function detectFormat(path: string, limits: ReadLimits = {}): Promise<DatasetFormat> {
  const kind = await pathKind(path);
  if (kind === "missing")
    throw new InputError("not found (expected a dataset file or a BEIR folder)", { file: path });
  if (kind === "directory") {
    if (await isBeirFolder(path)) return "beir";
    throw new InputError(
      "is a folder but not a BEIR folder (expected corpus.jsonl or corpus.jsonl.gz in it)",
      {
        file: path,
      },
    );
  }
  if (kind === "other") await regularFile(path);
  const name = basename(path);
  const other = OTHER_COMPRESSIONS.exec(name)?.[1];
  if (other !== undefined)
    throw new InputError(
      `a .${other} file, which is not read (decompress it, or compress it with gzip: .gz is read as is)`,
      { file: path },
    );
  if (/\.(csv|tsv)(\.gz)?$/i.test(name)) return "csv";
  if (TREC_EXTENSIONS.test(name)) return "trec";
  if (/\.jsonl(\.gz)?$/i.test(name)) return detectJsonl(path, limits);
  throw new InputError(
    "cannot tell the format from the name (expected a BEIR folder, .csv, .tsv, .jsonl or a TREC " +
      ".qrels/.trec/.run/.txt file; or force one: --format csv|beir|mteb, option `format` in the library)",
    { file: path },
  );
}

async function detectJsonl(path: string, limits: ReadLimits): Promise<DatasetFormat> {
  for await (const [text, line] of readLines(path, limits)) {
    if (text.trim() === "") continue;
    let first: unknown;
    try {
      first = JSON.parse(text);
    } catch {
      throw new InputError("malformed JSON (expected one JSON object per line)", { file: path, line });
    }
    if (first !== null && typeof first === "object" && "positive" in first) return "mteb";
    const hint =
      first !== null && typeof first === "object" && "_id" in first
        ? " (this looks like a BEIR corpus or queries file: pass the BEIR folder instead)"
        : "";
    throw new InputError(`not an MTEB reranking line: expected 'query', 'positive' and 'negative'${hint}`, {
      file: path,
      line,
      field: "positive",
    });
  }
  throw new InputError("empty file (expected one JSON object per line)", { file: path });
}
