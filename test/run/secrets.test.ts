import { describe, expect, it } from "vitest";
import { collectSecrets, redactor, safeConfigValue, safeEndpoint } from "../../src/run/secrets.js";

describe("secrets", () => {
  const models = [{ name: "m", model: "m", provider: "regolo", apiKeyEnv: "MY_KEY" }];

  it("collects the values of named and conventional key variables, ignoring tiny values", () => {
    const env = {
      MY_KEY: "sk-CANARY-aaaa1111",
      COHERE_API_KEY: "co-CANARY-bbbb",
      CO_API_KEY: "co-CANARY-alias",
      JINA_API_KEY: "x",
      OTHER: "not-a-key-var",
    };
    expect(collectSecrets(models, env).sort()).toEqual([
      "co-CANARY-alias",
      "co-CANARY-bbbb",
      "sk-CANARY-aaaa1111",
    ]);
  });

  it("redacts every occurrence", () => {
    const redact = redactor(["sk-CANARY-aaaa1111"]);
    expect(redact('{"e":"Bearer sk-CANARY-aaaa1111 and sk-CANARY-aaaa1111"}')).toBe(
      '{"e":"Bearer [REDACTED] and [REDACTED]"}',
    );
    expect(redactor([])("unchanged")).toBe("unchanged");
  });

  it("blanks secret-looking config fields but keeps the variable's name", () => {
    const cfg = {
      apiKeyEnv: "MY_KEY",
      options: { apiKey: "v1", headers: { Authorization: "Bearer v2" }, truncate: "END" },
    };
    expect(safeConfigValue(cfg)).toEqual({
      apiKeyEnv: "MY_KEY",
      options: { apiKey: "[REDACTED]", headers: { Authorization: "[REDACTED]" }, truncate: "END" },
    });
  });

  it("endpoints lose user info, query and fragment", () => {
    expect(safeEndpoint("https://user:pw@api.example.com/v1/rerank?key=abc#x")).toBe(
      "https://api.example.com/v1/rerank",
    );
    expect(safeEndpoint("embedded")).toBe("embedded");
  });
});
