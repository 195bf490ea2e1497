/**
 * `--api-key-env` (config `apiKeyEnv`) takes the NAME of a variable. Users give it the key itself
 * often enough, and then every message that echoed "the variable X" printed the key. Whatever was
 * given there is never repeated unless it looks like a variable name (upper case, digits, underscores,
 * such as MY_KEY: rerank.test.ts still expects NOT_SET_ANYWHERE named); messages say it takes the
 * name, e.g. COHERE_API_KEY, not the key.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReranker } from "../../src/rerank/client.js";
import { type CliRun, REPO, runCli } from "../helpers/cli.js";

/** Not a variable name at all (the common shape of a key). */
const DASHED = "sk-Zx81kq0PqLmN";
/** A key that happens to be a valid variable name. */
const ALNUM = "AbCdEf0123456789QrStUv";
const SAYS_NAME = /takes the NAME of an environment variable \(e\.g\. COHERE_API_KEY\), not the key/;

function expectHidden(run: CliRun, secret: string) {
  const all = `${run.stdout}${run.stderr}`;
  expect(all).not.toContain(secret);
  // Not even a recognisable piece of it.
  expect(all).not.toContain(secret.slice(3, 11));
}

describe("a key given where a variable NAME belongs is never printed", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "api-key-env-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const dataset = `${REPO}datasets/capitals.csv`;
  const commands: Record<string, string[]> = {
    rerank: ["rerank", "--model", "m", "--query", "q", "--doc", "a"],
    doctor: ["doctor", "--model", "m"],
    run: ["run", "--dataset", dataset, "--model", "bm25", "--endpoint", "embedded", "--quiet"],
  };

  for (const [command, argv] of Object.entries(commands)) {
    it(`${command} --api-key-env <key>: exit 2, says it takes the NAME, never shows the value`, async () => {
      for (const secret of [DASHED, ALNUM]) {
        const out = command === "run" ? ["--out", join(dir, command)] : [];
        const run = await runCli([...argv, "--api-key-env", secret, ...out], { REGOLO_API_KEY: undefined });
        expect(run.code, `${command} ${secret}`).toBe(2);
        expect(run.stderr).toMatch(SAYS_NAME);
        expect(run.stderr.trim().split("\n")).toHaveLength(1);
        expectHidden(run, secret);
      }
    });
  }

  it("run --config with apiKeyEnv set to a key: exit 2, the value is not shown", async () => {
    for (const [name, secret] of [
      ["dashed.yaml", DASHED],
      ["alnum.yaml", ALNUM],
    ]) {
      const path = join(dir, name);
      await writeFile(
        path,
        `dataset: ${dataset}\nmodels:\n  - { name: bm25, endpoint: embedded, apiKeyEnv: ${secret} }\nout: ${join(dir, name)}.out\n`,
      );
      const run = await runCli(["run", "--config", path, "--quiet"], {});
      expect(run.code, name).toBe(2);
      expect(run.stderr).toMatch(SAYS_NAME);
      expectHidden(run, secret);
    }
  });

  it("createReranker({apiKeyEnv: <key>}) throws without the value", () => {
    for (const secret of [DASHED, ALNUM]) {
      let message = "";
      try {
        createReranker({ model: "m", apiKeyEnv: secret, env: {} });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(SAYS_NAME);
      expect(message).not.toContain(secret.slice(3, 11));
    }
  });
});
