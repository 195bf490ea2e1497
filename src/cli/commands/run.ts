import type { CommandModule } from "yargs";

// Placeholder until the command lands; replaced by its owner.
export const runCommand: CommandModule = {
  command: "run",
  describe: "(not yet implemented)",
  handler: () => {
    process.stderr.write("rerank-eval run: not yet implemented\n");
    process.exitCode = 2;
  },
};
