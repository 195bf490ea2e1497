import type { CommandModule } from "yargs";

// Placeholder until the command lands; replaced by its owner.
export const doctorCommand: CommandModule = {
  command: "doctor",
  describe: "(not yet implemented)",
  handler: () => {
    process.stderr.write("rerank-eval doctor: not yet implemented\n");
    process.exitCode = 2;
  },
};
