/**
 * The Content-Security-Policy every document a plugin serves (route responses, `static/`
 * files, widget HTML) carries. `sandbox` without `allow-same-origin` gives the document an
 * opaque origin: its scripts run, its forms submit and its links open, but it cannot read the
 * host origin's storage or cookies, and its requests to the host are cross-origin, so they
 * carry no session cookie (SameSite=Strict) and cannot read the answers. Nor may it navigate
 * the page that frames it (no `allow-top-navigation`).
 */
export const PLUGIN_CONTENT_POLICY = "sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads";

/** Adds the policy to a plugin's response headers, beside any policy of the plugin's own (both apply). */
export function confinePluginContent(headers: Record<string, string>): void {
  const own = headers["content-security-policy"];
  // Policies in one header are separated by commas; the browser enforces each.
  headers["content-security-policy"] = own ? `${own}, ${PLUGIN_CONTENT_POLICY}` : PLUGIN_CONTENT_POLICY;
}
