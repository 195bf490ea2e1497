import { describe, expect, it } from "vitest";
import { resolveCredentials } from "../../src/rerank/credentials.js";
import { dialects } from "../../src/rerank/dialects/index.js";
import { KEY_VARIABLES, REDACTED, redactor, secretsFromEnv } from "../../src/rerank/redact.js";

describe("redact", () => {
  it("knows every dialect's key variable and the aliases its SDK reads, each once", () => {
    for (const { name, defaults } of Object.values(dialects)) {
      if (defaults.apiKeyEnv) expect(KEY_VARIABLES, name).toContain(defaults.apiKeyEnv);
    }
    expect(KEY_VARIABLES).toContain("CO_API_KEY");
    expect(new Set(KEY_VARIABLES).size).toBe(KEY_VARIABLES.length);
  });

  it("collects conventional and named variables' values, trimmed, leaving out values too short to be keys", () => {
    const env = {
      CO_API_KEY: " co-CANARY-cccc ",
      MY_KEY: "sk-CANARY-aaaa1111",
      JINA_API_KEY: "short",
      OTHER: "not-a-key-variable",
    };
    expect(secretsFromEnv(env, ["MY_KEY"]).sort()).toEqual(["co-CANARY-cccc", "sk-CANARY-aaaa1111"]);
    expect(secretsFromEnv(env)).toEqual(["co-CANARY-cccc"]);
  });

  it("replaces a key that contains another whole, not around the shorter one", () => {
    const redact = redactor(["CANARY1", "sk-CANARY1-long"]);
    expect(redact("a sk-CANARY1-long b CANARY1")).toBe(`a ${REDACTED} b ${REDACTED}`);
    expect(redactor([])("unchanged")).toBe("unchanged");
  });

  it("is the client's redactor too: the key it sends comes out of echoed text as the same marker", () => {
    const credentials = resolveCredentials("regolo", dialects.regolo.defaults, undefined, {
      REGOLO_API_KEY: "sk-CANARY-bbbb2222",
    });
    expect(credentials.redact("invalid key: Bearer sk-CANARY-bbbb2222")).toBe(
      `invalid key: Bearer ${REDACTED}`,
    );
  });
});
