import { defineCommand } from "citty";
import { buildCommand, testCommand } from "./build.js";
import { callCommand } from "./call.js";
import { checkCommand } from "./check.js";
import { initCommand } from "./init.js";
import { inspectCommand } from "./inspect.js";
import { keygenCommand, packCommand, signCommand, verifyCommand } from "./pack.js";
import { publishCommand } from "./publish.js";
import { validateCommand } from "./validate.js";

export const pluginCommand = defineCommand({
  meta: { name: "plugin", description: "Work with one plugin" },
  subCommands: { init: initCommand, build: buildCommand, validate: validateCommand, check: checkCommand, test: testCommand, call: callCommand, inspect: inspectCommand, pack: packCommand, keygen: keygenCommand, sign: signCommand, verify: verifyCommand, publish: publishCommand },
});
