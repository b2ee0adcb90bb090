/**
 * The process plugin (built by `pnpm --filter @goatkit/plugin-process build`) in the real host,
 * on the demo help desk, with a clock the test moves. Tickets are created and changed through
 * the host's demo help desk (DemoDesk), which fires `after_save` through the plugin manager
 * as a server does; routes are called the way the host's HTTP layer calls them.
 */
import { DemoDesk, PluginManager, createHost, type CacheService, type DatabaseService, type Host, type PluginResponse, type PluginUser, type SavedTicket } from "@goatkit/host";
import { expect } from "vitest";

export const pluginDir = new URL("../..", import.meta.url).pathname;

export const DEMO = { tickets: 30, anchorDay: "2026-03-20" };

// Users of the demo help desk (packages/host demo data).
export const ada: PluginUser = { id: 1, login: "ada.fischer", email: "ada.fischer@goatflow.example", role: "admin" };
export const emma: PluginUser = { id: 5, login: "emma.larsen", email: "emma.larsen@goatflow.example", role: "agent" };
export const farid: PluginUser = { id: 6, login: "farid.costa", email: "farid.costa@goatflow.example", role: "agent" };

export interface RouteCall {
  method?: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  user?: PluginUser | null;
}

export class ProcessHost {
  private constructor(
    readonly host: Host,
    readonly manager: PluginManager,
    readonly desk: DemoDesk,
    readonly clock: { now: number },
  ) {}

  static async open(now: string, options: { database?: DatabaseService; cache?: CacheService; config?: Record<string, unknown> } = {}): Promise<ProcessHost> {
    const clock = { now: Date.parse(now) };
    const host = await createHost({ database: options.database ?? { demo: DEMO }, now: () => clock.now, ...(options.cache ? { cache: options.cache } : {}) });
    await host.load(pluginDir, { config: options.config ?? {} });
    const manager = await PluginManager.create({ host });
    return new ProcessHost(host, manager, new DemoDesk(host.services.db, manager, () => clock.now), clock);
  }

  advance(minutes: number): void {
    this.clock.now += minutes * 60_000;
  }

  call(handler: string, call: RouteCall = {}): Promise<PluginResponse> {
    const body = call.body === undefined ? "" : typeof call.body === "string" ? call.body : JSON.stringify(call.body);
    return this.manager.call("process", handler, {
      kind: "route",
      method: call.method ?? (call.body === undefined ? "GET" : "POST"),
      params: call.params ?? {},
      query: call.query ?? {},
      body,
      user: call.user === undefined ? ada : call.user,
    });
  }

  async json(handler: string, call: RouteCall = {}, status = 200): Promise<any> {
    const res = await this.call(handler, call);
    expect(res.status, `${handler}: ${String(res.body)}`).toBe(status);
    return JSON.parse(String(res.body));
  }

  /** Creates a ticket in the demo help desk; the hook's answer from this plugin is `hook`. */
  async newTicket(title: string, queue = "Support", user: PluginUser = emma): Promise<SavedTicket & { hook: any }> {
    const saved = await this.desk.createTicket({ title, queue }, user);
    return { ...saved, hook: hookAnswer(saved) };
  }

  /** Runs the resume-waits job as the scheduler does. */
  async runJob(): Promise<any> {
    const res = await this.manager.call("process", "resume_waits", { kind: "job", job: { id: "resume-waits", schedule: "* * * * *", scheduled_at: new Date(this.clock.now).toISOString(), attempt: 1, payload: null } });
    expect(res.status, String(res.body)).toBe(200);
    return JSON.parse(String(res.body));
  }

  instance(id: number): Promise<any> {
    return this.json("get_instance", { params: { id: String(id) } });
  }

  async createProcess(definition: unknown, publish = true): Promise<any> {
    const created = await this.json("create_process", { body: definition }, 201);
    if (!publish) return created;
    return this.json("publish_process", { params: { id: String(created.id) } }, 201);
  }

  mails() {
    return this.host.mailbox!.list();
  }

  async close(): Promise<void> {
    await this.manager.close();
    await this.host.close();
  }
}

/** This plugin's answer to a save's `after_save`. */
export function hookAnswer(saved: SavedTicket): any {
  const mine = saved.hooks.find((h) => h.plugin === "process");
  expect(mine, "the process plugin answered after_save").toBeDefined();
  expect(mine!.response.status, String(mine!.response.body)).toBe(200);
  return JSON.parse(String(mine!.response.body));
}

/** A history as `step action` lines, the way the instance page lists it. */
export const lines = (history: { step: string; action: string }[]) => history.map((h) => `${h.step} ${h.action}`);
