/**
 * Download progress: a redrawn bar on a terminal, a few plain lines elsewhere (each quarter, or
 * every few seconds), written to a real in-memory stream.
 */
import { describe, expect, it } from "vitest";
import { createByteProgress } from "../../src/download/progress.js";

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 100, write: (c: string) => chunks.push(String(c)) };
}

describe("download progress", () => {
  it("not a terminal: one line per quarter, with the total and a rate", () => {
    const out = stream(false);
    const p = createByteProgress("scifact", out, 60_000);
    p.start(4_000_000, 0);
    for (let n = 100_000; n <= 4_000_000; n += 100_000) p.update(n);
    p.stop();
    expect(out.chunks).toHaveLength(4);
    expect(out.chunks[0]).toMatch(/^scifact: 1\.0 MB of 4\.0 MB \(25%\), [\d.]+ [kMG]?B\/s\n$/);
    expect(out.chunks[3]).toMatch(/^scifact: 4\.0 MB of 4\.0 MB \(100%\)/);
  });

  it("a resumed download counts from where it starts", () => {
    const out = stream(false);
    const p = createByteProgress("nq", out, 60_000);
    p.start(1_000_000, 600_000);
    p.update(700_000);
    p.update(760_000);
    expect(out.chunks).toEqual([expect.stringMatching(/^nq: 760\.0 kB of 1\.0 MB \(76%\)/)]);
  });

  it("a terminal: a bar redrawn in place with sizes, and the cursor given back at the end", () => {
    const out = stream(true);
    const p = createByteProgress("scifact", out);
    p.start(2_816_079, 0);
    p.update(1_408_000);
    p.stop();
    const text = out.chunks.join("");
    expect(text).toContain("scifact ");
    expect(text).toMatch(/1\.4 MB of 2\.8 MB/);
    expect(text).toContain("\u001b[?25l");
    expect(text).toContain("\u001b[?25h");
  });
});
