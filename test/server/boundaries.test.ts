import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// design.md: the reference server must not be imported by the client path, and it must not lean on
// the client either, or it could not check that client honestly.
function imports(dir: string): { file: string; spec: string }[] {
  const out: { file: string; spec: string }[] = [];
  for (const f of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (!f.endsWith(".ts")) continue;
    const text = readFileSync(join(dir, f), "utf8");
    for (const m of text.matchAll(/(?:from|import\()\s*["']([^"']+)["']/g)) out.push({ file: f, spec: m[1] });
  }
  return out;
}

describe("module boundaries", () => {
  it("src/server imports nothing from src/rerank", () => {
    const found = imports("src/server");
    expect(found.length).toBeGreaterThan(5);
    expect(found.filter((i) => i.spec.includes("rerank/"))).toEqual([]);
  });

  it("src/rerank imports nothing from src/server", () => {
    expect(imports("src/rerank").filter((i) => i.spec.includes("server/"))).toEqual([]);
  });
});
