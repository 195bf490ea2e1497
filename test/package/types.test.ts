/**
 * The published declarations stand on their own: a TypeScript consumer with skipLibCheck false and
 * no @types/node (types: [], typeRoots an empty folder, nothing named @types anywhere it can look)
 * type-checks test/fixtures/consumer/index.ts against the packed tarball, dependencies laid out as
 * an install would. A `NodeJS.*`, `Buffer` or `node:*` type in the public surface fails it.
 */
import { execFile } from "node:child_process";
import { cp, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { tempDir } from "../run/helpers.js";
import { linkRuntimeDependencies, pack, unpackInto } from "./pack.js";

const run = promisify(execFile);
const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");

let temp: Awaited<ReturnType<typeof tempDir>>;
let consumer: string;
beforeAll(async () => {
  temp = await tempDir("rerank-eval-consumer-");
  consumer = join(temp.dir, "consumer");
  await cp(join(REPO, "test", "fixtures", "consumer"), consumer, { recursive: true });
  const { tarball } = await pack(temp.dir);
  await unpackInto(tarball as string, consumer);
  await linkRuntimeDependencies(consumer);
  await mkdir(join(temp.dir, "no-types"));
}, 60_000);
afterAll(() => temp?.cleanup());

describe("the published types", () => {
  it("compile in a consumer without @types/node, skipLibCheck false", async () => {
    // preserveSymlinks: the linked dependencies are seen where an install would put them, so a
    // lookup from inside them cannot climb into the repository's node_modules/@types.
    const args = [
      TSC,
      "-p",
      "tsconfig.json",
      "--typeRoots",
      join(temp.dir, "no-types"),
      "--preserveSymlinks",
    ];
    const result = await run(process.execPath, args, { cwd: consumer }).then(
      ({ stdout }) => stdout,
      (err: { stdout?: string; message: string }) => err.stdout || err.message,
    );
    expect(result.trim()).toBe("");
  }, 60_000);
});
