import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineCommand } from "citty";
import { loadManifest, MANIFEST_FILES } from "@goatkit/sdk";
import { createHost, type PluginUser, type RequestInput } from "@goatkit/host";
import { EXIT, GkError } from "../../errors.js";
import { ensureFreshBuild } from "./fresh-build.js";

export const callCommand = defineCommand({
  meta: { name: "call", description: "Call one handler of a plugin and print its result" },
  args: {
    plugin: { type: "positional", description: "Plugin folder (manifest + wasm) or .wasm file", required: true },
    handler: { type: "positional", description: "Name of the exported handler", required: true },
    input: { type: "string", description: 'Request envelope fields as JSON, e.g. {"query":{"page":"2"}}' },
    db: { type: "string", description: "SQLite file to use (created with the demo help desk when empty); default: an in-memory demo" },
    grant: { type: "string", description: "Extra permissions, comma-separated (e.g. db:write,email:send)" },
    timeout: { type: "string", description: "Time limit of the call in ms (default: the manifest's limits.timeout_ms)" },
    user: { type: "string", description: 'Calling user: agent, admin, customer, or JSON such as {"id":7,"login":"ada","email":"ada@example.com","role":"agent"}' },
  },
  async run({ args }) {
    const input = parseInput(args.input);
    if (args.user !== undefined) input.user = parseUser(args.user);
    const timeout = args.timeout === undefined ? undefined : Number(args.timeout);
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) throw new GkError(`--timeout must be a whole number of milliseconds, not "${args.timeout}"`, EXIT.USAGE);
    // A plugin folder is rebuilt first when its sources changed; the build's lines go to stderr,
    // leaving stdout to the handler's answer.
    if (MANIFEST_FILES.some((name) => existsSync(join(args.plugin, name)))) {
      await ensureFreshBuild(resolve(args.plugin), (await loadManifest(args.plugin)).manifest, console.error);
    }
    // One plugin, one call, for its author: a process plugin runs as the author's user.
    const host = await createHost({ database: { file: args.db ?? ":memory:" }, grpc: { runAs: "host-user" } });
    try {
      const grant = args.grant ? args.grant.split(",").map((p) => p.trim()).filter(Boolean) : [];
      const plugin = await host.load(args.plugin, { grant, ...(timeout ? { limits: { timeout_ms: timeout } } : {}) });
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

const ROLES = ["agent", "admin", "customer"] as const;

function parseUser(text: string): PluginUser {
  if ((ROLES as readonly string[]).includes(text)) {
    const role = text as PluginUser["role"];
    return { id: 1, login: `demo.${role}`, email: `demo.${role}@example.com`, role };
  }
  try {
    const user = JSON.parse(text) as PluginUser;
    if (typeof user === "object" && user !== null && ROLES.includes(user.role)) return user;
  } catch {
    // reported below
  }
  throw new GkError(`--user must be agent, admin, customer or a JSON user with a role among those, not ${text}`, EXIT.USAGE);
}

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
