/**
 * README.md's fenced code blocks, and the shell commands inside them, as the README test runs them.
 */

export interface CodeBlock {
  /** The info string's first word (`sh`, `ts`, `yaml`, `text`, …); "" when the fence has none. */
  lang: string;
  /** The rest of the info string: for a `text` block, why it is not run. */
  note: string;
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
}

export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split("\n");
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang, note] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = lines[j].trim();
      if (close.startsWith(fence[0].repeat(fence.length)) && /^[`~]+$/.test(close)) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    if (j === lines.length) throw new Error(`README.md:${i + 1}: the code block is never closed`);
    blocks.push({ lang: lang.toLowerCase(), note: note.trim(), line: i + 1, text: body.join("\n") });
    i = j;
  }
  return blocks;
}

export interface ShellCommand {
  /** 1-based README line where the command starts. */
  line: number;
  /** The command as a shell reads it: continuation lines joined. */
  text: string;
}

/** A shell block's commands: one per line, `\`-continued lines joined, blank and comment lines dropped. */
export function shellCommands(block: CodeBlock): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let pending: ShellCommand | undefined;
  block.text.split("\n").forEach((raw, i) => {
    const line = block.line + 1 + i;
    const continued = /\\\s*$/.test(raw);
    const part = raw.replace(/\\\s*$/, "");
    if (pending) pending.text += ` ${part.trim()}`;
    else if (part.trim() === "" || part.trim().startsWith("#")) return;
    else pending = { line, text: part.trim() };
    if (!continued) {
      commands.push(pending);
      pending = undefined;
    }
  });
  if (pending) commands.push(pending);
  return commands;
}
