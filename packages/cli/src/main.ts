import { createRequire } from "node:module";
import { stripVTControlCharacters } from "node:util";
import { defineCommand, renderUsage, runCommand, type CommandDef } from "citty";
import { GoatKitError, messageOf } from "@goatkit/host";
import { ManifestError } from "@goatkit/sdk";
import { pluginCommand } from "./commands/plugin/index.js";
import { devCommand } from "./commands/dev.js";
import { startCommand } from "./commands/start.js";
import { EXIT, GkError } from "./errors.js";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

export const main = defineCommand({
  meta: { name: "gk", version, description: "Build, check and run GoatKit WebAssembly plugins" },
  subCommands: { plugin: pluginCommand, dev: devCommand, start: startCommand },
});

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/**
 * Runs `gk` with the given arguments and returns the exit code. Known errors print their
 * message alone; anything else is reported as unexpected, with its stack.
 */
export async function runCli(rawArgs: string[], io: CliIo = defaultIo): Promise<number> {
  const [command, parent] = resolve(main, rawArgs);
  if (rawArgs.length === 0 || rawArgs.includes("--help") || rawArgs.includes("-h")) {
    io.out(`${colours(await renderUsage(command, parent), process.stdout)}\n`);
    return EXIT.OK;
  }
  if (rawArgs.length === 1 && (rawArgs[0] === "--version" || rawArgs[0] === "-v")) {
    io.out(`${version}\n`);
    return EXIT.OK;
  }
  try {
    await runCommand(main, { rawArgs });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof GkError) {
      io.err(`gk: ${error.message}\n`);
      return error.exitCode;
    }
    // The host's errors name the problem and the fix: the message is all the user needs.
    if (error instanceof GoatKitError || error instanceof ManifestError) {
      io.err(`gk: ${error.message}\n`);
      return EXIT.FAILED;
    }
    if (error instanceof Error && error.name === "CLIError") {
      io.err(`${colours(await renderUsage(command, parent), process.stderr)}\n\ngk: ${error.message}\n`);
      return EXIT.USAGE;
    }
    io.err(`gk: unexpected error, please report it: ${error instanceof Error ? (error.stack ?? error.message) : messageOf(error)}\n`);
    return EXIT.INTERNAL;
  }
}

/** Usage text with its colours only for a terminal, and never under NO_COLOR (no-color.org). */
function colours(text: string, stream: { isTTY?: boolean }): string {
  return stream.isTTY && !process.env.NO_COLOR ? text : stripVTControlCharacters(text);
}

/** Finds the deepest sub-command named in the arguments, for usage output. */
function resolve(cmd: CommandDef, rawArgs: string[]): [CommandDef, CommandDef | undefined] {
  let current = cmd;
  let parent: CommandDef | undefined;
  for (const arg of rawArgs) {
    const subs = current.subCommands as Record<string, CommandDef> | undefined;
    const next = subs?.[arg];
    if (!next) break;
    parent = current;
    current = next;
  }
  return [current, parent];
}
