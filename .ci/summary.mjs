#!/usr/bin/env node
/**
 * The end of .ci/run's log, from vitest's JSON report: every skipped or todo test by file and name
 * (a skipped test says why in its name, e.g. a dataset that lives outside the repository), then
 * the one line CI reads: "N passed, N failed, N skipped". Exits 1 when no test ran at all.
 *
 *   node .ci/summary.mjs .vitest-results.json
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";

const report = JSON.parse(readFileSync(process.argv[2], "utf8"));
const files = report.testResults ?? [];
const skipped = [];
for (const file of files)
  for (const test of file.assertionResults ?? [])
    if (test.status === "pending" || test.status === "skipped" || test.status === "todo")
      skipped.push(
        `${relative(process.cwd(), file.name)} > ${[...(test.ancestorTitles ?? []), test.title].join(" > ")}` +
          (test.status === "todo" ? " (todo)" : ""),
      );
// A file that fails to load has no test results of its own: count it as one failure.
const broken = files.filter((f) => f.status === "failed" && (f.assertionResults ?? []).length === 0).length;
const failed = (report.numFailedTests ?? 0) + broken;
if (skipped.length > 0) {
  console.log(`skipped (${skipped.length}):`);
  for (const line of skipped) console.log(`  ${line}`);
}
console.log(`${report.numPassedTests ?? 0} passed, ${failed} failed, ${skipped.length} skipped`);
if (!report.numTotalTests) process.exit(1);
