import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgress } from "../../src/run/progress.js";
import { buildCli } from "../helpers/cli.js";

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 100 });
  let text = "";
  stream.on("data", (c: Buffer) => {
    text += c.toString("utf8");
  });
  return { stream, text: () => text };
}

describe("progress", () => {
  it("not a terminal: plain lines at each 10 % (or every interval) and a final line, no redraws", () => {
    const out = capture(false);
    const p = createProgress({ total: 50, stream: out.stream, intervalMs: 60_000 });
    for (let i = 0; i < 50; i++) p.tick(i % 10 === 0);
    p.stop();
    const lines = out.text().trim().split("\n");
    expect(lines).toHaveLength(10); // 9 deciles before the end, then the final line
    expect(lines[0]).toMatch(/^rerank: 5\/50 tasks \(10%\) [\d.]+ tasks\/s, ETA \d+ s, errors 1$/);
    expect(lines.at(-1)).toMatch(/^rerank: 50\/50 tasks \(100%\) .* errors 5$/);
    expect(out.text()).not.toContain("\r");
  });

  it("a terminal gets the cli-progress bar with done/total, rate, ETA and errors", () => {
    const out = capture(true);
    const p = createProgress({ total: 4, stream: out.stream });
    p.tick(false);
    p.tick(true);
    p.tick(false);
    p.tick(false);
    p.stop();
    const text = out.text();
    expect(text).toMatch(/rerank .* 4\/4 tasks \| [\d.]+ tasks\/s \| ETA \S+ \| errors 1/);
  });

  it("quiet, or nothing to do: no output", () => {
    const out = capture(false);
    const p = createProgress({ total: 3, stream: out.stream, quiet: true });
    p.tick(false);
    p.stop();
    createProgress({ total: 0, stream: out.stream }).stop();
    expect(out.text()).toBe("");
  });

  it("Ctrl-C during the bar gives the cursor back and still ends the process (130)", async () => {
    await buildCli();
    // A real process receiving a real SIGINT; its bar writes to a stream that says it is a terminal.
    const script = `
      import { PassThrough } from "node:stream";
      import { createProgress } from ${JSON.stringify(resolve("dist/run/progress.js"))};
      const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
      stream.on("data", (c) => process.stderr.write(c));
      createProgress({ total: 10, stream }).tick(false);
      setTimeout(() => process.kill(process.pid, "SIGINT"), 50);
      setTimeout(() => process.stdout.write("still running"), 2000);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script]);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const [code, signal] = await new Promise<[number | null, string | null]>((done) =>
      child.on("close", (c, s) => done([c, s])),
    );
    expect(signal).toBe("SIGINT");
    expect(code).toBeNull();
    expect(stderr).toContain("1/10");
    expect(stderr).toContain("\x1b[?25l"); // hidden while the bar runs
    expect(stderr.lastIndexOf("\x1b[?25h")).toBeGreaterThan(stderr.lastIndexOf("\x1b[?25l")); // shown again
    expect(stdout).toBe("");
  });
});
