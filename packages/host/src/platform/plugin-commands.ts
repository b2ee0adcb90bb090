import { messageOf } from "../errors.js";
import type { UnloadReason } from "./manager-events.js";
import { MANAGER_LOG, type PlatformContext } from "./platform-context.js";
import type { PluginDiscovery } from "./plugin-discovery.js";
import { entryInfo, type PluginInfo } from "./plugin-info.js";
import type { PluginLifecycle } from "./plugin-lifecycle.js";
import { PluginManagerError } from "./plugin-manager-error.js";

/**
 * An enable, disable or reload asked of this manager (by an administrator, the admin API, a
 * program), not one it does itself; the cluster coordinator repeats these on the other hosts.
 */
export interface PluginCommand {
  command: "enable" | "disable" | "reload";
  plugin: string;
}

export interface PluginCommandOptions {
  /** Tell `onCommand` listeners (default true); false for a command repeated from another host. */
  announce?: boolean;
  /** Who asked, for the audit trail: an administrator's login (default `program`). */
  actor?: string;
}

type AuditedAction = "enable" | "disable" | "reload" | "load" | "unload";

/**
 * What an administrator (or a program, or another host of the cluster) asks of the platform:
 * load, reload, unload, enable, disable. Each is audited with its actor, enabled states are
 * stored so they outlive restarts, and successful commands are announced to the cluster.
 */
export class PluginCommands {
  readonly #listeners = new Set<(command: PluginCommand) => void>();

  constructor(
    private readonly ctx: PlatformContext,
    private readonly lifecycle: PluginLifecycle,
    private readonly discovery: PluginDiscovery,
  ) {}

  /** Reads the enabled states an administrator stored before this platform started. */
  async restoreStates(): Promise<void> {
    for (const stored of (await this.ctx.host.state?.store.pluginStates()) ?? []) this.ctx.stored.set(stored.plugin, stored.enabled);
  }

  onCommand(listener: (command: PluginCommand) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  load(name: string, options: Pick<PluginCommandOptions, "actor">): Promise<PluginInfo> {
    return this.#audited("load", name, options, async () => {
      const entry = this.ctx.registry.require(name);
      const refused = this.ctx.refusal(entry);
      if (refused) throw refused;
      await this.lifecycle.ensureLoaded(entry);
      return entryInfo(this.ctx, entry);
    });
  }

  reload(name: string, options: PluginCommandOptions): Promise<PluginInfo> {
    return this.#audited("reload", name, { actor: options.actor ?? "program", announce: options.announce }, async () => {
      this.ctx.registry.require(name);
      // A reload is a scan of the plugin's source that reloads it even when its manifest did not change.
      const errors = await this.discovery.rescan(new Set([name]));
      const failure = errors.get(name) ?? errors.get(MANAGER_LOG);
      if (failure) throw failure;
      const problem = this.ctx.registry.get(name)?.problem;
      if (problem) throw new PluginManagerError("E_RELOAD", `reloading "${name}" failed: ${problem.message}`);
      this.#announce({ command: "reload", plugin: name }, options);
      return entryInfo(this.ctx, this.ctx.registry.require(name));
    });
  }

  unload(name: string, reason: UnloadReason, options: Pick<PluginCommandOptions, "actor">): Promise<boolean> {
    return this.#audited("unload", name, options, () => {
      const entry = this.ctx.registry.require(name);
      return this.ctx.lock.run(name, () => this.lifecycle.unloadLocked(entry, reason));
    });
  }

  enable(name: string, options: PluginCommandOptions): Promise<PluginInfo> {
    return this.#audited("enable", name, { actor: options.actor ?? "program", announce: options.announce }, async () => {
      const entry = this.ctx.registry.require(name);
      await this.ctx.lock.run(name, async () => {
        if (!entry.enabled) {
          entry.enabled = true;
          entry.loadError = null;
          this.ctx.emit({ type: "enabled", plugin: name }, `enabled`);
        }
        await this.#saveState(name, true, options);
      });
      this.#announce({ command: "enable", plugin: name }, options);
      return entryInfo(this.ctx, entry);
    });
  }

  disable(name: string, options: PluginCommandOptions): Promise<PluginInfo> {
    return this.#audited("disable", name, { actor: options.actor ?? "program", announce: options.announce }, async () => {
      const entry = this.ctx.registry.require(name);
      await this.ctx.lock.run(name, async () => {
        if (entry.enabled) {
          entry.enabled = false;
          this.ctx.emit({ type: "disabled", plugin: name }, `disabled`);
          await this.lifecycle.unloadLocked(entry, "disabled");
        }
        await this.#saveState(name, false, options);
      });
      this.#announce({ command: "disable", plugin: name }, options);
      return entryInfo(this.ctx, entry);
    });
  }

  /**
   * Stores an enabled state; written before the command returns, so a crash right after keeps
   * it. While the database is away the command still applies here, and the log says it will not
   * outlive a restart.
   */
  async #saveState(name: string, enabled: boolean, options: PluginCommandOptions): Promise<void> {
    const store = this.ctx.host.state?.store;
    if (!store) return;
    this.ctx.stored.set(name, enabled);
    try {
      await store.savePluginState(name, enabled, options.actor ?? (options.announce === false ? "cluster" : "program"), this.ctx.iso());
    } catch (error) {
      this.ctx.host.logs.write(name, "error", `${enabled ? "enabled" : "disabled"} on this host, but the state could not be stored, so a restart forgets it; repeat the command once the database answers: ${messageOf(error)}`);
    }
  }

  /**
   * Runs an administrator's action and records it in the audit trail, with how it ended. Not for
   * a command repeated from another host (the host it was given on records it), nor for a load
   * or unload the host does by itself (no actor).
   */
  async #audited<T>(action: AuditedAction, plugin: string, options: PluginCommandOptions, body: () => Promise<T>): Promise<T> {
    const state = this.ctx.host.state;
    if (!state || options.actor === undefined || options.announce === false) return body();
    const hostId = this.ctx.options.hostId ?? "local";
    try {
      const result = await body();
      await state.audit({ actor: options.actor, action, plugin, target: null, outcome: "ok", detail: null, hostId });
      return result;
    } catch (error) {
      await state.audit({ actor: options.actor, action, plugin, target: null, outcome: "failed", detail: messageOf(error), hostId });
      throw error;
    }
  }

  #announce(command: PluginCommand, options: PluginCommandOptions): void {
    if (options.announce === false) return;
    for (const listener of this.#listeners) {
      try {
        listener(command);
      } catch {
        // A listener's failure (Redis away) is its own to report; the command has succeeded.
      }
    }
  }
}
