import { defineCommand } from "citty";
import { callCommand } from "./call.js";
import { initCommand } from "./init.js";
import { inspectCommand } from "./inspect.js";
import { validateCommand } from "./validate.js";

export const pluginCommand = defineCommand({
  meta: { name: "plugin", description: "Work with one plugin" },
  subCommands: { init: initCommand, call: callCommand, validate: validateCommand, inspect: inspectCommand },
});
