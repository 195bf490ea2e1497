import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Argv, CommandModule } from "yargs";
import { GateFailed, UsageError } from "../../errors.js";
import { compareReports, gateSummary, loadSource } from "../../report/compare.js";
import { type Gate, parseFailOn, parseMaxDrift, parseNonInferior } from "../../report/compare-gates.js";
import { compareLoadReports, isLoadComparison } from "../../report/compare-load.js";
import { loadCompareMarkdown, loadCompareSummary } from "../../report/compare-load-render.js";
import { compareJson, compareJUnit, compareMarkdown } from "../../report/compare-render.js";
import { createUniqueFolder, outputError } from "../../results/index.js";
import { once } from "../flags.js";

interface CompareArgs {
  base?: string;
  candidates?: string[];
  "variant-map"?: string | string[];
  correction?: string;
  "allow-different-datasets"?: boolean;
  "fail-on"?: string | string[];
  "non-inferior"?: string | string[];
  "max-drift"?: string | string[];
  significant?: boolean;
  out?: string;
  github?: boolean;
  junit?: string;
}

const strings = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));

/** `rerank-eval compare BASE CANDIDATE...`: statistics, gates and drift; exit 1 when a gate fails. */
export const compareCommand: CommandModule<object, CompareArgs> = {
  command: "compare [base] [candidates..]",
  describe: "compare candidate reports with a base report: significance, gates for CI, ranking drift",
  builder: (y: Argv) =>
    y
      .positional("base", { type: "string", describe: "the base: a report.json or a run folder holding one" })
      .positional("candidates", { type: "string", array: true, describe: "one or more candidates, likewise" })
      .option("variant-map", {
        // Repeatable, but not `array`: an array flag would swallow the positionals after it.
        type: "string",
        describe: "pair base variant A with candidate variant B (A=B, repeatable); others pair by id",
      })
      .option("correction", {
        type: "string",
        choices: ["holm", "bh"],
        describe: "multiple-comparison correction (default holm)",
      })
      .option("allow-different-datasets", {
        type: "boolean",
        describe: "compare reports of different datasets or conventions",
      })
      .option("fail-on", {
        type: "string",
        describe:
          'a gate: "nDCG@10 < -0.01", "nDCG@10 < -2%", "p95 > +20%", "p99 > 800ms", "failures > 0", "cost > +10%"',
      })
      .option("significant", {
        type: "boolean",
        describe: "a quality gate fails only when the drop is significant",
      })
      .option("non-inferior", {
        type: "string",
        describe: "MEASURE:MARGIN: passes when the 95 % CI lower bound of candidate − base is above −MARGIN",
      })
      .option("max-drift", {
        type: "string",
        describe: 'a drift gate (run folders): "rbo@10 < 0.9", "tau@10 < 0.8", "top1 > 0.1"',
      })
      .option("out", {
        type: "string",
        describe: "write compare.md and compare.json here (default ./compare-<timestamp>)",
      })
      .option("github", { type: "boolean", describe: "append compare.md to $GITHUB_STEP_SUMMARY" })
      .option("junit", { type: "string", describe: "write JUnit XML (one testcase per gate) to this file" })
      .example(
        "$0 compare main/ pr/ --fail-on 'nDCG@10 < -0.01' --significant --fail-on 'p95 > +20%'",
        "gate a pull request's run against main's",
      ) as unknown as Argv<CompareArgs>,
  handler: async (argv) => {
    if (!argv.base || !argv.candidates?.length)
      throw new UsageError(
        "name a base and at least one candidate: rerank-eval compare BASE CANDIDATE... (report.json files or run folders)",
      );
    const map: Record<string, string> = {};
    for (const pair of strings(argv["variant-map"])) {
      const m = /^([^=\s]+)=([^=\s]+)$/.exec(pair.trim());
      if (!m)
        throw new UsageError(
          `--variant-map "${pair}" does not parse: expected BASE_VARIANT=CANDIDATE_VARIANT`,
        );
      if (map[m[1]]) throw new UsageError(`--variant-map maps "${m[1]}" twice`);
      map[m[1]] = m[2];
    }
    const correction = (once("--correction", argv.correction) as "holm" | "bh" | undefined) ?? "holm";
    const out = once("--out", argv.out) as string | undefined;
    const junit = once("--junit", argv.junit) as string | undefined;
    if (out === "" || junit === "") throw new UsageError(`${out === "" ? "--out" : "--junit"} needs a value`);

    const base = await loadSource(argv.base);
    const named = argv.candidates;
    const candidates = [];
    for (const c of named) candidates.push(await loadSource(c));
    const measures = base.report.measures;
    // Every expression is parsed before any work, so a typo is exit 2 at once.
    const gates: Gate[] = [
      ...strings(argv["fail-on"]).map((t) => parseFailOn(t, measures)),
      ...strings(argv["non-inferior"]).map((t) => parseNonInferior(t, measures)),
      ...strings(argv["max-drift"]).map(parseMaxDrift),
    ];
    if (isLoadComparison(base, candidates)) {
      // Load reports pair by offered rate, not by variant, and their steps have means, not per-query tests.
      if (Object.keys(map).length)
        throw new UsageError("--variant-map does not apply to load reports: steps pair by offered rate");
      if (argv.significant)
        throw new UsageError(
          "--significant does not apply to load reports: steps are compared on their means",
        );
      const load = compareLoadReports(base, candidates, {
        allowDifferentDatasets: argv["allow-different-datasets"] ?? false,
        gates,
      });
      const outDir = await writeCompare(
        out,
        junit,
        loadCompareMarkdown(load),
        compareJson(load),
        compareJUnit(load),
        argv.github,
      );
      process.stdout.write(
        `${[...loadCompareSummary(load), `compare: ${join(outDir, "compare.md")}`].join("\n")}\n`,
      );
      if (load.gates.some((g) => g.status === "failed")) throw new GateFailed(gateSummary(load.gates));
      return;
    }
    const result = await compareReports(base, candidates, {
      variantMap: map,
      correction,
      allowDifferentDatasets: argv["allow-different-datasets"] ?? false,
      gates,
      significant: argv.significant ?? false,
      driftK: [10],
    });

    const outDir = await writeCompare(
      out,
      junit,
      compareMarkdown(result),
      compareJson(result),
      compareJUnit(result),
      argv.github,
    );
    printSummary(result, outDir);
    if (result.gates.some((g) => g.status === "failed")) throw new GateFailed(gateSummary(result.gates));
  },
};

/** compare.md, compare.json (and the JUnit file, the step summary) written; the folder they went to. */
async function writeCompare(
  out: string | undefined,
  junit: string | undefined,
  md: string,
  json: string,
  junitXml: string,
  github: boolean | undefined,
): Promise<string> {
  const outDir = out ?? (await createUniqueFolder(".", `compare-${stamp()}`));
  try {
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, "compare.md"), md);
    await writeFile(join(outDir, "compare.json"), json);
    if (junit) await writeFile(junit, junitXml);
  } catch (err) {
    throw outputError(err, outDir);
  }
  if (github) {
    const summary = process.env.GITHUB_STEP_SUMMARY;
    if (summary) await appendFile(summary, md);
    else
      process.stderr.write(
        "rerank-eval: --github: GITHUB_STEP_SUMMARY is not set; no step summary written\n",
      );
  }
  return outDir;
}

function stamp(): string {
  return new Date()
    .toISOString()
    .replace(/\.\d+Z$/, "")
    .replace(/[-:]/g, "")
    .replace("T", "-");
}

function printSummary(r: Awaited<ReturnType<typeof compareReports>>, outDir: string): void {
  const lines = r.comparisons
    .filter((c) => c.measure === r.measures[0] || r.gates.some((g) => g.gate.includes(c.measure)))
    .map(
      (c) =>
        `${c.pair}  ${c.measure}  ${c.baseMean.toFixed(4)} → ${c.candidateMean.toFixed(4)}  Δ ${c.delta >= 0 ? "+" : ""}${c.delta.toFixed(4)}${c.significant ? " (significant)" : ""}`,
    );
  for (const g of r.gates) lines.push(`${g.status.padEnd(7)} ${g.reason}`);
  if (r.gates.length) lines.push(gateSummary(r.gates).split(":")[0]);
  lines.push(`compare: ${join(outDir, "compare.md")}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
