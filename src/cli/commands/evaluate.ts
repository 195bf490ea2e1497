import type { CommandModule } from "yargs";

// Placeholder until the command lands; replaced by its owner.
export const evaluateCommand: CommandModule = {
  command: "evaluate",
  describe: "(not yet implemented)",
  handler: () => {
    process.stderr.write("rerank-eval evaluate: not yet implemented\n");
    process.exitCode = 2;
  },
};
