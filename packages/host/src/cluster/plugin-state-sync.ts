import { ConfigError } from "../errors.js";
import { messageOf } from "../errors.js";
import type { Redis } from "ioredis";
import type { PluginCommand, PluginManager } from "../platform/plugin-manager.js";

import type { ClusterEvent } from "./cluster-events.js";
import { RedisScript } from "./redis-connection.js";

/** The last command on a plugin, as stored in Redis and published to every host. */
interface CommandRecord {
  plugin: string;
  command: PluginCommand["command"];
  /** The plugin's state after the command. */
  enabled: boolean;
  host: string;
  /** ISO time the command was sent, for the latency figure. */
  at: string;
  /** Cluster-wide order of commands: a host applies a plugin's commands in it, and each once. */
  seq: number;
}

/** KEYS: sequence, state hash. ARGV: channel, plugin, command, enabled (1/0), host, at. Returns the seq. */
const SEND = new RedisScript(
  "send-command",
  `
local seq = redis.call('INCR', KEYS[1])
local record = cjson.encode({plugin = ARGV[2], command = ARGV[3], enabled = ARGV[4] == '1', host = ARGV[5], at = ARGV[6], seq = seq})
redis.call('HSET', KEYS[2], ARGV[2], record)
redis.call('PUBLISH', ARGV[1], record)
return seq
`,
);

/** Commands repeated from another host are not told to the cluster again. */
const QUIET = { announce: false };

export interface PluginStateSyncOptions {
  redis: Redis;
  subscriber: Redis;
  hostId: string;
  keyPrefix: string;
  report: (event: ClusterEvent) => void;
}

/**
 * Carries enable, disable and reload between hosts: a command on one host is stored (the
 * plugin's last command, in `<prefix>plugins`) and published on `<prefix>events`; the others
 * repeat it. A host starting later, or reconnecting after Redis was away, applies the stored
 * state: disabled plugins stay disabled everywhere.
 */
export class PluginStateSync {
  readonly #options: PluginStateSyncOptions;
  readonly #applied = new Map<string, number>();
  /** One chain per plugin, so its commands apply in order. */
  readonly #queues = new Map<string, Promise<void>>();
  readonly #unsubscribe: Array<() => void> = [];
  #manager: PluginManager | null = null;
  #closed = false;

  constructor(options: PluginStateSyncOptions) {
    this.#options = options;
  }

  get channel(): string {
    return `${this.#options.keyPrefix}events`;
  }

  /** Follows the manager's commands and applies the cluster's; resolves once the stored state is applied. */
  async attach(manager: PluginManager): Promise<void> {
    if (this.#manager) throw new ConfigError("this cluster coordinator already follows a plugin manager; create one coordinator per manager", { fix: "create one coordinator per manager" });
    this.#manager = manager;
    const { subscriber } = this.#options;
    const onMessage = (channel: string, text: string) => {
      if (channel === this.channel) this.#receive(text);
    };
    // ioredis subscribes again after a reconnect; commands sent while it was away are in the store.
    const onReady = () => void this.#restore();
    subscriber.on("message", onMessage);
    subscriber.on("ready", onReady);
    this.#unsubscribe.push(
      () => subscriber.off("message", onMessage),
      () => subscriber.off("ready", onReady),
      manager.onCommand((command) => this.#send(command)),
      // A plugin that appears later (a new folder) takes the state the cluster stored for it.
      manager.on("discovered", (event) => void this.#restore(event.plugin)),
    );
    await subscriber.subscribe(this.channel);
    await this.#restore();
  }

  /** Waits for the commands received so far to be applied (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all(this.#queues.values());
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    await this.settled();
  }

  /** Stores and publishes a command run here; the plugin's queue keeps it in order with received ones. */
  #send(command: PluginCommand): void {
    this.#enqueue(command.plugin, async () => {
      const manager = this.#manager;
      if (!manager || this.#closed) return;
      const { redis, hostId, keyPrefix, report } = this.#options;
      const enabled = command.command === "reload" ? manager.info(command.plugin).enabled : command.command === "enable";
      let seq: number;
      try {
        seq = Number(await SEND.run(redis, [`${keyPrefix}plugins:seq`, `${keyPrefix}plugins`], [this.channel, command.plugin, command.command, enabled ? "1" : "0", hostId, new Date().toISOString()]));
      } catch (error) {
        const message = `${command.command} of plugin "${command.plugin}" happened on this host only: the other hosts could not be told (${messageOf(error)}); repeat it once Redis answers`;
        manager.logs.write(command.plugin, "error", message);
        report({ type: "error", message });
        return;
      }
      this.#applied.set(command.plugin, Math.max(seq, this.#applied.get(command.plugin) ?? 0));
      report({ type: "command-sent", command: command.command, plugin: command.plugin, seq });
      // An older command from another host may have been applied here since: this one is the
      // newest in the cluster's order, so its state is what every host ends with.
      if (command.command !== "reload" && manager.info(command.plugin).enabled !== enabled) {
        await (enabled ? manager.enable(command.plugin, QUIET) : manager.disable(command.plugin, QUIET));
      }
    });
  }

  #receive(text: string): void {
    let record: CommandRecord;
    try {
      record = JSON.parse(text) as CommandRecord;
    } catch {
      return;
    }
    if (record.host === this.#options.hostId) return;
    this.#enqueue(record.plugin, () => this.#apply(record, record.command));
  }

  /** Applies the stored state of every plugin (or one) that changed since this host last looked. */
  async #restore(plugin?: string): Promise<void> {
    if (!this.#manager || this.#closed) return;
    const key = `${this.#options.keyPrefix}plugins`;
    let texts: string[];
    try {
      texts = plugin === undefined ? Object.values(await this.#options.redis.hgetall(key)) : [await this.#options.redis.hget(key, plugin)].filter((t): t is string => t !== null);
    } catch (error) {
      this.#options.report({ type: "error", message: `could not read the plugins' cluster state (${messageOf(error)}); this host keeps its own until Redis answers` });
      return;
    }
    const done: Promise<void>[] = [];
    for (const text of texts) {
      const record = JSON.parse(text) as CommandRecord;
      // Only the resulting state: a reload long past does not need repeating on a fresh start.
      done.push(this.#enqueue(record.plugin, () => this.#apply(record, record.enabled ? "enable" : "disable")));
    }
    await Promise.all(done);
  }

  #enqueue(plugin: string, task: () => Promise<void>): Promise<void> {
    // A failed task is reported, and must not stop the plugin's later commands.
    const next = (this.#queues.get(plugin) ?? Promise.resolve()).then(task).catch((error: unknown) => {
      this.#options.report({ type: "error", message: `a cluster command for plugin "${plugin}" failed on this host: ${messageOf(error)}` });
    });
    this.#queues.set(plugin, next);
    void next.then(() => {
      if (this.#queues.get(plugin) === next) this.#queues.delete(plugin);
    });
    return next;
  }

  async #apply(record: CommandRecord, command: PluginCommand["command"]): Promise<void> {
    const manager = this.#manager;
    if (!manager || this.#closed || !manager.has(record.plugin)) return;
    // Each command once, in the cluster's order: older ones (and repeats) change nothing.
    if (record.seq <= (this.#applied.get(record.plugin) ?? 0)) return;
    this.#applied.set(record.plugin, record.seq);
    if (command !== "reload" && manager.info(record.plugin).enabled === (command === "enable")) return;
    try {
      if (command === "enable") await manager.enable(record.plugin, QUIET);
      else if (command === "disable") await manager.disable(record.plugin, QUIET);
      else await manager.reload(record.plugin, QUIET);
      this.#options.report({ type: "command-applied", command, plugin: record.plugin, seq: record.seq, from: record.host, latencyMs: Math.max(0, Date.now() - Date.parse(record.at)) });
    } catch (error) {
      const message = `${command} of plugin "${record.plugin}" from host ${record.host} failed here: ${messageOf(error)}`;
      manager.logs.write(record.plugin, "error", message);
      this.#options.report({ type: "error", message });
    }
  }
}
