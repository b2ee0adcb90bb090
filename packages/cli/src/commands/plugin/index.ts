import { defineCommand } from "citty";
import { callCommand } from "./call.js";

export const pluginCommand = defineCommand({
  meta: { name: "plugin", description: "Work with one plugin" },
  subCommands: { call: callCommand },
});
