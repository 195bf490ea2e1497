/** Scratch files and error capture for the TREC reader tests. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { InputError } from "../../src/errors.js";

export const dir = mkdtempSync(join(tmpdir(), "trec-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** Writes `content` to a new file in the scratch folder and returns its path. */
export function file(content: string | Buffer, name = `f${n++}.txt`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The InputError a promise rejects with (fails the test if it resolves or throws something else). */
export async function inputError(p: Promise<unknown>): Promise<InputError> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}
