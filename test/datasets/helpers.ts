/** Temp-file fixtures and error assertions for the dataset tests. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { expect } from "vitest";
import { InputError } from "../../src/errors.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SHIPPED = join(REPO, "datasets");
export const SCIFACT = resolve(REPO, "../shared/datasets/scifact");

/** A scratch folder; `write` creates files (and folders) under it, gzipping names ending in .gz. */
export async function scratch(): Promise<{
  dir: string;
  /** Names ending in .gz are gzipped unless `raw`. */
  write: (name: string, content: string | Buffer, opts?: { raw?: boolean }) => Promise<string>;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), "rerank-eval-datasets-"));
  return {
    dir,
    write: async (name, content, opts = {}) => {
      const path = join(dir, name);
      await mkdir(dirname(path), { recursive: true });
      const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
      await writeFile(path, name.endsWith(".gz") && !opts.raw ? gzipSync(bytes) : bytes);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Awaits `work`, which must fail with an InputError, and returns it. */
export async function inputError(work: Promise<unknown>): Promise<InputError> {
  let outcome: unknown;
  try {
    await work;
  } catch (err) {
    outcome = err;
  }
  if (!(outcome instanceof InputError))
    throw new Error(`expected an InputError, got ${outcome === undefined ? "success" : String(outcome)}`);
  return outcome;
}

/** The error names the file and line as `file:line`, the field as `field 'x'`, and is one line. */
export function expectLocated(err: InputError, file: string, line?: number, field?: string): void {
  expect(err.message).not.toContain("\n");
  expect(err.file).toBe(file);
  if (line !== undefined) {
    expect(err.line).toBe(line);
    expect(err.message).toContain(`${file}:${line}`);
  } else expect(err.message.startsWith(file)).toBe(true);
  if (field !== undefined) {
    expect(err.field).toBe(field);
    expect(err.message).toContain(`field '${field}'`);
  }
}

export function jsonl(rows: unknown[]): string {
  return `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`;
}
