/**
 * The package as npm publishes it: `npm pack` of the repository, after dist/ is made current by
 * buildCli (so pack runs with --ignore-scripts instead of prepack's second build, ~10 s on two
 * cores). Nothing here touches the registry.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildCli, REPO } from "../helpers/cli.js";

const run = promisify(execFile);

export interface Packed {
  /** Absolute path of the .tgz (undefined for a dry run). */
  tarball?: string;
  /** Paths inside the package, e.g. "dist/index.js". */
  files: string[];
}

/** `npm pack --json` into `dest`, or a dry run when `dest` is undefined. */
export async function pack(dest?: string): Promise<Packed> {
  await buildCli();
  const args = [
    "pack",
    "--json",
    "--ignore-scripts",
    ...(dest ? ["--pack-destination", dest] : ["--dry-run"]),
  ];
  const { stdout } = await run("npm", args, { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
  const [entry] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  return {
    tarball: dest ? join(dest, entry.filename) : undefined,
    files: entry.files.map((f) => f.path),
  };
}
