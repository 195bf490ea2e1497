#!/usr/bin/env node
/**
 * The executable: only Node's own modules and heap.ts before it knows the command, so that `load`,
 * which runs in a child Node with a larger young generation (heap.ts), starts that child without first
 * loading the whole CLI (about a second here) only to wait for it. Every other command, and the child,
 * then loads the CLI (app.ts) and runs.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { boundHeapGrowth, followParent, inSizedHeap } from "./heap.js";

function isEntryPoint(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const argv = process.argv.slice(2);
  const sized = inSizedHeap(argv);
  if (sized) {
    sized.then((code) => {
      process.exitCode = code;
    });
  } else {
    followParent();
    boundHeapGrowth(argv);
    const { main, runToExit } = await import("./app.js");
    runToExit(() => main(argv));
  }
}
