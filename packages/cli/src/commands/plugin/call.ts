import { defineCommand } from "citty";
import { createHost, type RequestInput } from "@goatkit/host";
import { EXIT, GkError } from "../../errors.js";

export const callCommand = defineCommand({
  meta: { name: "call", description: "Call one handler of a plugin and print its result" },
  args: {
    plugin: { type: "positional", description: "Plugin folder (manifest + wasm) or .wasm file", required: true },
    handler: { type: "positional", description: "Name of the exported handler", required: true },
    input: { type: "string", description: 'Request envelope fields as JSON, e.g. {"query":{"page":"2"}}' },
    db: { type: "string", description: "SQLite file to use (created with the demo help desk when empty); default: an in-memory demo" },
    grant: { type: "string", description: "Extra permissions, comma-separated (e.g. db:write,email:send)" },
  },
  async run({ args }) {
    const input = parseInput(args.input);
    const host = await createHost({ database: { file: args.db ?? ":memory:" } });
    try {
      const grant = args.grant ? args.grant.split(",").map((p) => p.trim()).filter(Boolean) : [];
      const plugin = await host.load(args.plugin, { grant });
      const response = await plugin.call(args.handler, input);
      if (response.error) throw new GkError(`${plugin.name}.${args.handler}: ${response.error.message} (${response.error.code})`);
      const body = typeof response.body === "string" ? response.body : Buffer.from(response.body);
      process.stdout.write(body);
      if (typeof body === "string" && body !== "" && !body.endsWith("\n") && process.stdout.isTTY) process.stdout.write("\n");
      if (response.status >= 400) throw new GkError(`${plugin.name}.${args.handler} answered with status ${response.status}`);
    } finally {
      await host.close();
    }
  },
});

function parseInput(text: string | undefined): RequestInput {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GkError(`--input is not valid JSON (${(error as Error).message}); pass an object such as '{"query":{"page":"2"}}'`, EXIT.USAGE);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GkError("--input must be a JSON object of request fields (method, path, params, query, headers, body, user, locale)", EXIT.USAGE);
  }
  return value as RequestInput;
}
