/**
 * A misspelt flag or command gets the closest known one, by edit distance over the command's own
 * options (so run's generated flags count); nothing is suggested when nothing is close.
 */
import { describe, expect, it } from "vitest";
import { closest } from "../../src/cli/suggest.js";
import { runCli } from "../helpers/cli.js";

const line = (message: string) => `rerank-eval: error: ${message} (see --help)\n`;

describe("did you mean", () => {
  it("suggests the closest flag of the command, for every command", async () => {
    const cases: [string[], string][] = [
      [["run", "--datset", "x.csv"], "Unknown argument: datset. Did you mean --dataset?"],
      [["evaluate", "--qrel", "q.txt", "--run", "r.run"], "Unknown argument: qrel. Did you mean --qrels?"],
      // A misspelt required flag is the cause of "Missing required argument": named first.
      [
        ["rerank", "--qury", "q", "--model", "m", "--doc", "a"],
        "Unknown argument: qury. Did you mean --query?",
      ],
      [["doctor", "--modle", "m"], "Unknown argument: modle. Did you mean --model?"],
      [["serve", "--prot", "0"], "Unknown argument: prot. Did you mean --port?"],
      [["report", "reports/x", "--qrles", "q.txt"], "Unknown argument: qrles. Did you mean --qrels?"],
      [
        ["rerank", "--query", "q", "--model", "m", "--doc", "a", "--maxDocsPerReqest", "2"],
        "Unknown argument: maxDocsPerReqest. Did you mean --max-docs-per-request?",
      ],
      // A prefix of a longer flag (the key's flag, given as if it took the key).
      [
        ["doctor", "--model", "m", "--api-key", "K"],
        "Unknown argument: api-key. Did you mean --api-key-env?",
      ],
      [["--verison"], "Unknown argument: verison. Did you mean --version?"],
    ];
    for (const [argv, message] of cases) {
      const run = await runCli(argv, {});
      expect(run.code, argv.join(" ")).toBe(2);
      expect(run.stderr, argv.join(" ")).toBe(line(message));
    }
  });

  it("names several unknown flags, each with its suggestion when it has one", async () => {
    const run = await runCli(["run", "--datset", "x.csv", "--frobnicate", "--modle", "m"], {});
    expect(run.stderr).toBe(
      line("Unknown arguments: datset (did you mean --dataset?), frobnicate, modle (did you mean --model?)"),
    );
  });

  it("suggests the closest command", async () => {
    const run = await runCli(["evalute", "--qrels", "q", "--run", "r"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(line("Unknown command: evalute. Did you mean evaluate?"));
  });

  it("suggests nothing when nothing is close", async () => {
    const flag = await runCli(["run", "--dataset", "x.csv", "--model", "m", "--frobnicate"], {});
    expect(flag.stderr).toBe(line("Unknown argument: frobnicate"));
    const command = await runCli(["frobnicate"], {});
    expect(command.stderr).toBe(
      line(
        "Unknown command: frobnicate; the commands are evaluate, rerank, doctor, serve, run, report, compare, cache, retrieve, datasets, merge, load",
      ),
    );
  });

  it("closest: within a distance that grows with the word, transpositions count once, prefixes match", () => {
    const known = ["dataset", "model", "query", "top-n", "api-key-env", "seed"];
    expect(closest("modle", known)).toBe("model");
    expect(closest("topn", known)).toBe("top-n");
    expect(closest("api-key", known)).toBe("api-key-env");
    expect(closest("sed", known)).toBe("seed");
    expect(closest("x", known)).toBeUndefined();
    expect(closest("frobnicate", known)).toBeUndefined();
  });
});
