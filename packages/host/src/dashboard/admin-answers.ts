import type { MenuItem, Widget } from "@goatkit/sdk";
import type { SavedTicket } from "../demo-desk/demo-desk.js";
import type { TokenUser } from "../http/auth.js";
import type { PluginInfo, PublicPluginInfo } from "../platform/plugin-info.js";

/**
 * The JSON answers of the HTTP endpoints the dashboard (packages/dashboard) reads, beside the
 * types they are made of (PluginInfo, JobView, JobRun, LogEntry): the page imports them as types,
 * so a change here that the page does not follow fails its typecheck.
 */

/** `GET /api/v1/plugins`: every field for administrators, the public ones for other users. */
export interface PluginListAnswer {
  plugins: PluginInfo[] | PublicPluginInfo[];
}

/** `POST /api/session` and `GET /api/session`. */
export interface SessionAnswer {
  user: TokenUser;
  /** Sent back in `x-goatkit-csrf` on requests that change state. */
  csrf: string;
  expiresAt: string;
}

/** `POST /api/capabilities`: a short-lived token for one plugin's routes, for a page it opened. */
export interface CapabilityAnswer {
  token: string;
  plugin: string;
  scope: string;
  expiresAt: string;
  expiresInSeconds: number;
}

/** One entry of `GET /api/widgets` with `Accept: application/json` (and of one widget's URL). */
export type WidgetAnswer = Widget & {
  plugin: string;
  status: number;
  /** The plugin's HTML fragment; empty when it failed. */
  html: string;
  error: { message: string; code: string } | null;
  /** The fragment in its frame, as the HTML form of the endpoint serves it. */
  frame: string;
};

/** One entry of `GET /api/menu`. */
export type MenuItemAnswer = MenuItem & { plugin: string };

/** A ticket row of `GET /api/demo/tickets`. */
export interface DeskTicket {
  id: number;
  tn: string;
  title: string;
  queue: string;
  state: string;
  user_id: number;
  create_time: string;
  change_time: string;
}

/** `GET /api/demo/tickets`: the latest tickets, and the queue and state names. */
export interface DeskTicketsAnswer {
  tickets: DeskTicket[];
  queues: string[];
  states: string[];
}

/** `POST /api/demo/tickets` and `PATCH /api/demo/tickets/:id`. */
export type DeskSaveAnswer = SavedTicket;
