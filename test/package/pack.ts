/**
 * The package as npm publishes it: `npm pack` of the repository, after dist/ is made current by
 * buildCli (so pack runs with --ignore-scripts instead of prepack's second build, ~10 s on two
 * cores). Nothing here touches the registry.
 */
import { execFile } from "node:child_process";
import { mkdir, readFile, symlink } from "node:fs/promises";
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

/**
 * The tarball unpacked as `<project>/node_modules/rerank-eval`, as `npm install <tarball>` lays it
 * out. npm itself cannot install it here: even with --offline it needs the registry's metadata for
 * the dependencies (ENOTCACHED), which `npm ci` never caches. linkRuntimeDependencies stands in for
 * that part of the install.
 */
export async function unpackInto(tarball: string, project: string): Promise<string> {
  const dir = join(project, "node_modules", "rerank-eval");
  await mkdir(dir, { recursive: true });
  await run("tar", ["-xzf", tarball, "-C", dir, "--strip-components=1"]);
  return dir;
}

/**
 * Links the runtime dependencies (the lockfile's non-dev packages, as the repository's node_modules
 * holds them) into `<project>/node_modules`, where an install of the tarball would put them. No
 * devDependency, so no @types/node.
 */
export async function linkRuntimeDependencies(project: string): Promise<string[]> {
  const lock = JSON.parse(await readFile(join(REPO, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const names = Object.entries(lock.packages)
    .filter(([path, meta]) => path.startsWith("node_modules/") && !meta.dev)
    .map(([path]) => path.slice("node_modules/".length))
    .filter((name) => !name.includes("/node_modules/"));
  for (const name of names) {
    const to = join(project, "node_modules", name);
    await mkdir(join(to, ".."), { recursive: true });
    await symlink(join(REPO, "node_modules", name), to, "dir");
  }
  return names;
}
