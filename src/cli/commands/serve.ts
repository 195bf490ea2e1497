import type { CommandModule } from "yargs";

// Placeholder until the command lands; replaced by its owner.
export const serveCommand: CommandModule = {
  command: "serve",
  describe: "(not yet implemented)",
  handler: () => {
    process.stderr.write("rerank-eval serve: not yet implemented\n");
    process.exitCode = 2;
  },
};
