/**
 * A key sent over plain http to a host other than this machine gets a warning: the pure function
 * (loopback spelled every way URL allows, https, no key) and, through the built CLI, `rerank` and
 * `doctor` printing it once on stderr, never with the key.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { plainHttpKeyWarning } from "../../src/rerank/credentials.js";
import { buildCli, REPO, spawnCli } from "../helpers/cli.js";
import { CANARY_KEY } from "./local-server.js";

describe("plainHttpKeyWarning", () => {
  it("warns for a key over http to another host, naming the host", () => {
    expect(plainHttpKeyWarning("http://rerank.example.com:8080/v1/rerank?token=x", true)).toBe(
      "warning: the API key is sent unencrypted over plain http to rerank.example.com:8080; use https unless that network is yours alone",
    );
    for (const url of [
      "http://10.0.0.7/rerank",
      "http://[2001:db8::1]/rerank",
      "http://128.0.0.1/",
      "http://localhost.evil.com/",
    ]) {
      expect(plainHttpKeyWarning(url, true), url).toMatch(/^warning: the API key is sent unencrypted/);
    }
  });

  it("says nothing for loopback, https, or when no key is sent", () => {
    const loopback = [
      "http://localhost:8080/rerank",
      "http://LOCALHOST/rerank",
      "http://api.localhost/rerank",
      "http://127.0.0.1:9/rerank",
      "http://127.255.3.4/rerank",
      "http://127.1/rerank", // URL reads it as 127.0.0.1
      "http://[::1]:8080/rerank",
      "http://[0:0:0:0:0:0:0:1]/rerank",
      "http://[::ffff:127.0.0.1]/rerank",
    ];
    for (const url of loopback) expect(plainHttpKeyWarning(url, true), url).toBeUndefined();
    expect(plainHttpKeyWarning("https://api.regolo.ai/rerank", true)).toBeUndefined();
    expect(plainHttpKeyWarning("http://rerank.example.com/rerank", false)).toBeUndefined();
    expect(plainHttpKeyWarning("not a url", true)).toBeUndefined();
  });
});

describe("the warning on the command line", () => {
  // `.invalid` never resolves (RFC 6761): the warning comes before the call, which then fails fast.
  const endpoint = "http://rerank.invalid:8080/rerank";
  const common = ["--endpoint", endpoint, "--model", "m", "--retries", "0", "--timeout-ms", "3000"];

  beforeAll(buildCli, 60_000);

  it("rerank and doctor print it once on stderr, with the host and without the key", async () => {
    const env = { REGOLO_API_KEY: CANARY_KEY };
    for (const args of [
      ["rerank", ...common, "--query", "q", "--doc", "a"],
      ["doctor", ...common],
    ]) {
      const run = await spawnCli(args, env);
      expect(run.code, run.stderr).toBe(3);
      const lines = run.stderr.split("\n").filter((l) => l.startsWith("warning:"));
      expect(lines).toEqual([
        "warning: the API key is sent unencrypted over plain http to rerank.invalid:8080; use https unless that network is yours alone",
      ]);
      expect(run.stderr + run.stdout).not.toContain(CANARY_KEY);
    }
    // No key, no warning.
    const keyless = await spawnCli(["rerank", ...common, "--query", "q", "--doc", "a"], {});
    expect(keyless.stderr).not.toMatch(/warning/);
  }, 20_000);

  it("run puts it in the report's warnings, once for two models on the endpoint", async () => {
    const out = mkdtempSync(join(tmpdir(), "rerank-eval-plain-http-"));
    const run = await spawnCli(
      [
        "run",
        "--dataset",
        join(REPO, "datasets/capitals.csv"),
        ...common,
        "--model",
        "m2",
        "--out",
        out,
        "--quiet",
      ],
      { REGOLO_API_KEY: CANARY_KEY },
    );
    expect(run.code, run.stderr).toBe(3);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    const plain = report.warnings.filter((w: string) => w.includes("unencrypted over plain http"));
    expect(plain).toEqual([
      "the API key is sent unencrypted over plain http to rerank.invalid:8080; use https unless that network is yours alone",
    ]);
    expect(run.stderr).toContain("unencrypted over plain http to rerank.invalid:8080");
    expect(run.stderr + run.stdout + readFileSync(join(out, "report.json"), "utf8")).not.toContain(
      CANARY_KEY,
    );
  }, 30_000);
});
