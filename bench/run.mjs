#!/usr/bin/env node
// `npm run bench [-- name ...]`: runs the benchmark scripts in order against the built code
// (prebench builds it) and prints each one's figures. Each script is standalone:
// `npx tsx bench/<name>.ts`.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const all = [
  "evaluate",
  "serve",
  "client",
  "concurrency",
  "faults",
  "scifact",
  "stats",
  "report-stats",
  "retrieve",
  "load",
];
// The scale benches generate ~1 GB in /tmp and take minutes: by name only
// (`npm run bench -- scale retrieve-scale`).
const byName = ["scale", "retrieve-scale"];
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : all;
let failed = 0;
for (const name of chosen) {
  const file = `bench/${name}.ts`;
  if (!existsSync(file) || (!all.includes(name) && !byName.includes(name))) {
    console.error(`bench: no ${file}`);
    failed++;
    continue;
  }
  console.log(`\n=== bench/${name} ===`);
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
