import type { CommandModule } from "yargs";

// Placeholder until the command lands; replaced by its owner.
export const rerankCommand: CommandModule = {
  command: "rerank",
  describe: "(not yet implemented)",
  handler: () => {
    process.stderr.write("rerank-eval rerank: not yet implemented\n");
    process.exitCode = 2;
  },
};
