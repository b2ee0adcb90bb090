/**
 * Who may do what. Agents and admins write and see drafts; customers (and anonymous callers,
 * should a host route reach the plugin without the `auth` middleware) read published articles
 * and vote.
 */
import { PluginError, type Request } from "@goatkit/sdk/guest";

export interface Viewer {
  userId: number | null;
  /** Agents and admins: create, edit, delete, see drafts and versions. */
  canEdit: boolean;
}

export function viewerOf(req: Request): Viewer {
  const role = req.user?.role ?? "";
  return { userId: req.user?.id ?? null, canEdit: role === "agent" || role === "admin" };
}

/** The viewer, when an agent or admin; otherwise the 401/403 error naming who may `action`. */
export function requireEditor(req: Request, action: string): Viewer {
  const viewer = viewerOf(req);
  if (req.user === null) throw new PluginError(`${action} needs a signed-in agent or admin; mount the route with the "auth" middleware and sign in`, 401, "UNAUTHENTICATED");
  if (!viewer.canEdit) throw new PluginError(`${action} is for agents and admins; ${req.user.role || "this"} users can read published articles and vote`, 403, "FORBIDDEN");
  return viewer;
}

/** The signed-in user's id; 401 when the call is anonymous. */
export function requireUser(req: Request, action: string): number {
  if (req.user === null) throw new PluginError(`${action} needs a signed-in user; mount the route with the "auth" middleware and sign in`, 401, "UNAUTHENTICATED");
  return req.user.id;
}
