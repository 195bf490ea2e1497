/**
 * What an extracted BEIR zip holds: a folder with corpus.jsonl, queries.jsonl and qrels/ (BEIR's
 * zips put it under NAME/), or, for cqadupstack, a folder of such folders (one per forum).
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { BadZip } from "./unzip.js";

const REQUIRED = ["corpus.jsonl", "queries.jsonl"];

async function names(folder: string): Promise<string[] | undefined> {
  try {
    return (await readdir(folder)).map((n) => n.toLowerCase());
  } catch {
    return undefined;
  }
}

async function isBeir(folder: string): Promise<boolean> {
  const here = await names(folder);
  if (!here) return false;
  const has = (file: string) => here.includes(file) || here.includes(`${file}.gz`);
  return REQUIRED.every(has) && here.includes("qrels");
}

/** The BEIR folders in `folder`, relative: [""] when it is one, else its subfolders that are. */
export async function beirFolders(folder: string): Promise<string[]> {
  if (await isBeir(folder)) return [""];
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const sets: string[] = [];
  for (const e of entries) if (e.isDirectory() && (await isBeir(join(folder, e.name)))) sets.push(e.name);
  return sets.sort();
}

/** The folder to rename into place: the extraction root itself, or its one top-level folder. */
export async function readyFolder(
  extracted: string,
  name: string,
): Promise<{ root: string; sets: string[] }> {
  const here = await beirFolders(extracted);
  if (here.length > 0 && (here[0] === "" || here.length > 1)) return { root: extracted, sets: here };
  const tops = (await readdir(extracted, { withFileTypes: true })).filter(
    (e) => e.isDirectory() && e.name !== "__MACOSX",
  );
  if (tops.length === 1) {
    const root = join(extracted, tops[0].name);
    const sets = await beirFolders(root);
    if (sets.length > 0) return { root, sets };
  }
  throw new BadZip(
    `it holds no BEIR folder (corpus.jsonl, queries.jsonl and qrels/) at its top or under one folder, as ${name}/ would be`,
    false,
  );
}
