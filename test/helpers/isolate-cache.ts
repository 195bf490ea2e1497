/**
 * Every test file gets a response cache folder of its own (RERANK_EVAL_CACHE_DIR, passed on to the
 * CLI processes startCli spawns), so no test reads another's answers or writes the developer's
 * ~/.cache/rerank-eval. Tests of the cache itself name their folders with --cache.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "rerank-eval-test-cache-"));
process.env.RERANK_EVAL_CACHE_DIR = dir;
afterAll(() => rmSync(dir, { recursive: true, force: true }));
