/**
 * Who may do what. The manifest's middleware already requires a signed-in user (`auth`) or an
 * administrator (`admin`); processes are staff business, so customers are refused here too.
 */
import { PluginError, type Request, type User } from "@goatkit/sdk/guest";

export function requireStaff(req: Request): User {
  const user = req.user;
  if (user === null) throw new PluginError("sign in first: process routes need a signed-in agent", 401, "UNAUTHENTICATED");
  if (user.role !== "agent" && user.role !== "admin") {
    throw new PluginError(`process routes are for agents and administrators; ${user.login || `user ${user.id}`} is a ${user.role || "user without a role"}`, 403, "FORBIDDEN");
  }
  return user;
}

export function requireAdmin(req: Request): User {
  const user = requireStaff(req);
  if (user.role !== "admin") throw new PluginError(`only administrators change processes; ${user.login} is an agent`, 403, "FORBIDDEN");
  return user;
}
