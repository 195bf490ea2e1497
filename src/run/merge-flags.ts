/**
 * Flags laid over a config file, before the one schema checks the result: each flag lands where the
 * file would hold its value (a dataset setting in `dataset`, a model setting in every model entry),
 * and each such place remembers the flag and its text, so a bad value is reported as the user
 * typed it ("--top-n must be a positive integer, got '0'") instead of as a config field.
 */
import {
  RUN_FLAGS,
  type RunConfigFile,
  type RunFlagDef,
  type RunFlags,
  type RunOptionDef,
} from "./options.js";

export interface FlagOrigin {
  /** As typed: --top-n. */
  flag: string;
  /** The value as given: the text on the command line, or a library caller's value. */
  given: string;
}

/** By field path, dot-joined: "topN.1", "models.0.timeoutMs". */
export type FlagOrigins = Map<string, FlagOrigin>;

/** The file's object with the flags in place (not yet validated), and where each flag went. */
export function mergeFlags(
  file: RunConfigFile | undefined,
  flags: RunFlags,
): { merged: Record<string, unknown>; origins: FlagOrigins } {
  const merged: Record<string, unknown> = { ...file };
  const origins: FlagOrigins = new Map();
  const datasetFlags: Record<string, unknown> = {};
  const modelFlags: [RunFlagDef, unknown][] = [];
  let datasetPath: unknown;

  for (const f of RUN_FLAGS) {
    const given = (flags as Record<string, unknown>)[f.name];
    if (given === undefined || (Array.isArray(given) && given.length === 0)) continue;
    const value = readFlag(f, given);
    const note = (path: PropertyKey[]) => noteOrigin(origins, path, f, given);
    if (f.def.scope === "top") {
      merged[f.key] = value;
      note([f.key]);
    } else if (f.def.scope === "dataset") {
      datasetFlags[f.key] = value;
      note(["dataset", f.key]);
    } else if (f.def.scope === "model") {
      merged[f.key] = fill(f.def, merged[f.key], value);
      note([f.key]);
      modelFlags.push([f, value]);
    } else if (f.key === "dataset") {
      datasetPath = value;
      note(["dataset", "path"]);
    } else if (f.key === "models") {
      merged.models = value;
      note(["models"]);
    }
  }

  if (datasetPath !== undefined || Object.keys(datasetFlags).length > 0) {
    const fromFile = typeof file?.dataset === "string" ? { path: file.dataset } : file?.dataset;
    // A different dataset on the command line does not inherit the file's format or candidates.
    const base = datasetPath !== undefined && datasetPath !== fromFile?.path ? {} : fromFile;
    merged.dataset = { ...base, ...(datasetPath !== undefined && { path: datasetPath }), ...datasetFlags };
  }
  // A model flag overrides every entry, so it is written into each: the entry is then what the
  // file would say had it been written that way, and the schema checks it in place.
  if (modelFlags.length > 0 && Array.isArray(merged.models)) {
    merged.models = merged.models.map((entry: unknown, i) => {
      const e = typeof entry === "string" ? { name: entry } : isRecord(entry) ? { ...entry } : entry;
      if (!isRecord(e)) return entry; // not a model entry: left for the schema to name
      for (const [f, value] of modelFlags) {
        e[f.key] = fill(f.def, e[f.key], value);
        noteOrigin(origins, ["models", i, f.key], f, (flags as Record<string, unknown>)[f.name]);
      }
      return e;
    });
  }
  return { merged, origins };
}

/** A map (the provider options) merges key by key; any other setting is replaced whole. */
export function fill(def: RunOptionDef, under: unknown, over: unknown): unknown {
  if (def.repeat === "pairs" && isRecord(under) && isRecord(over)) return { ...under, ...over };
  return over ?? under;
}

/** A flag's value as the schema takes it: text read by the option's kind, a list item by item. */
function readFlag(f: RunFlagDef, given: unknown): unknown {
  const flag = `--${f.flag}`;
  const read = (v: unknown) => (typeof v === "string" ? f.def.kind.read(v, flag) : v);
  if (f.def.repeat === "list") return (given as unknown[]).map(read);
  if (f.def.repeat === "pairs")
    return Array.isArray(given) ? Object.fromEntries(given.map(read) as []) : given;
  return read(given);
}

function noteOrigin(origins: FlagOrigins, path: PropertyKey[], f: RunFlagDef, given: unknown): void {
  const flag = `--${f.flag}`;
  if (Array.isArray(given) && f.def.repeat === "list") {
    for (const [i, item] of given.entries())
      origins.set([...path, i].join("."), { flag, given: String(item) });
  }
  const text = Array.isArray(given)
    ? given.join(",")
    : isRecord(given)
      ? JSON.stringify(given)
      : String(given);
  origins.set(path.join("."), { flag, given: text });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
