import type { PluginInfo } from "@goatkit/host";
import { authHeaders } from "../api.js";
import { scheduleRefresh } from "../chrome.js";
import { byId, clear, h, type Child } from "../dom.js";
import { fmtMs, pill, plural } from "../format.js";
import { METHODS, state, STATUS_HINT, STATUS_LABEL } from "../state.js";
import { toast } from "../toast.js";

type PluginRoute = PluginInfo["routes"][number];

export function renderRoutes(root: HTMLElement): void {
  root.appendChild(h("div", { class: "routes-layout" }, h("div", { id: "route-list" }), h("div", { class: "card try", id: "try" })));
  renderRouteList();
  renderTry();
}

export function renderRouteList(): void {
  const list = byId("route-list");
  if (!list) return;
  clear(list);
  const withRoutes = state.plugins.filter((p) => p.routes.length);
  if (!withRoutes.length) {
    list.appendChild(h("div", { class: "card empty-state" }, h("strong", {}, "No routes"), "Plugins serve HTTP routes with the manifest's routes list."));
    return;
  }
  for (const p of withRoutes) {
    list.appendChild(
      h(
        "section",
        { class: "card route-group" },
        h("header", {}, h("h2", {}, p.name), pill(p.status, STATUS_LABEL[p.status], STATUS_HINT[p.status]), h("span", { class: "sub" }, plural(p.routes.length, "route"))),
        p.routes.map((r) => {
          const selected = state.selected && state.selected.plugin === p.name && state.selected.method === r.method && state.selected.path === r.mountPath;
          const mw = r.middleware ?? [];
          return h(
            "div",
            { class: "route" + (selected ? " selected" : ""), "data-route": r.method + " " + r.mountPath, onclick: () => selectRoute(p.name, r) },
            h("span", { class: "method " + r.method }, r.method),
            h("div", {}, h("div", { class: "path" }, pathParts(r.mountPath)), r.description ? h("div", { class: "desc" }, r.description) : null),
            h("div", { class: "locks" }, mw.map((x) => h("span", { class: "tag " + x, title: x === "admin" ? "administrators only" : "signed-in users only" }, x))),
          );
        }),
      ),
    );
  }
}

function pathParts(path: string): Child[] {
  return path.split(/(:[A-Za-z_][A-Za-z0-9_]*)/).map((part) => (part.charAt(0) === ":" ? h("span", { class: "param" }, part) : part));
}

function selectRoute(plugin: string, r: PluginRoute): void {
  state.selected = { plugin, method: r.method, path: r.mountPath, description: r.description, middleware: r.middleware ?? [], handler: r.handler };
  renderRouteList();
  renderTry();
}

function renderTry(): void {
  const panel = byId("try");
  if (!panel) return;
  clear(panel);
  const s = state.selected;
  if (!s) {
    panel.appendChild(h("h2", {}, "Try it"));
    panel.appendChild(h("div", { class: "empty" }, "Pick a route to send it a request."));
    return;
  }
  const params = (s.path.match(/:[A-Za-z_][A-Za-z0-9_]*/g) ?? []).map((x) => x.slice(1));
  const method = h("select", { id: "try-method" }, METHODS.map((m) => h("option", { value: m, selected: m === s.method }, m)));
  const query = h("input", { id: "try-query", placeholder: "page=2&limit=20", autocomplete: "off" });
  const body = h("textarea", { id: "try-body", placeholder: '{"key": "value"}', spellcheck: "false" });
  const useToken = h("input", { type: "checkbox", id: "try-auth", checked: true });
  const preview = h("div", { class: "url-preview", id: "try-url" });
  const result = h("div", { id: "try-result" });
  const bodyField = h("div", { class: "field" }, h("label", { for: "try-body" }, "Body"), body);
  const update = (): void => {
    preview.textContent = method.value + " " + buildUrl(s.path, params, query.value);
    bodyField.hidden = method.value === "GET" || method.value === "HEAD";
  };
  const send = (): void => {
    const missing = params.filter((name) => !byId<HTMLInputElement>("try-param-" + name)?.value);
    if (missing.length) {
      toast("Fill in :" + missing.join(", :"), "error");
      return;
    }
    const url = buildUrl(s.path, params, query.value);
    // Unticked, the request goes without the session cookie, as an anonymous client's would.
    const headers: Record<string, string> = useToken.checked ? authHeaders({}, method.value) : {};
    const init: RequestInit = { method: method.value, credentials: useToken.checked ? "same-origin" : "omit", headers };
    if (!bodyField.hidden && body.value) {
      init.body = body.value;
      headers["content-type"] = /^\s*[[{]/.test(body.value) ? "application/json" : "text/plain";
    }
    const started = performance.now();
    const button = byId<HTMLButtonElement>("try-send");
    if (button) button.disabled = true;
    fetch(url, init)
      .then(async (res) => showResponse(result, res, await res.text(), performance.now() - started))
      .catch((error: unknown) => {
        clear(result).appendChild(h("div", { class: "alert" }, "The request failed: " + (error instanceof Error ? error.message : String(error))));
      })
      .then(() => {
        if (button) button.disabled = false;
        scheduleRefresh(false);
      });
  };
  panel.appendChild(h("h2", {}, "Try ", h("span", { class: "method " + s.method }, s.method)));
  panel.appendChild(
    h(
      "div",
      { class: "meta" },
      h("span", {}, "Plugin ", h("strong", {}, s.plugin)),
      h("span", {}, "Handler ", h("span", { class: "mono" }, s.handler)),
      s.middleware.length ? h("span", {}, "Requires " + s.middleware.join(" + ")) : h("span", {}, "Public"),
    ),
  );
  panel.appendChild(h("div", { class: "row" }, h("div", { class: "field", style: "flex: 0 0 120px" }, h("label", { for: "try-method" }, "Method"), method)));
  for (const name of params) {
    panel.appendChild(h("div", { class: "field" }, h("label", { for: "try-param-" + name }, ":" + name), h("input", { id: "try-param-" + name, "data-param": name, placeholder: name, autocomplete: "off", oninput: update })));
  }
  panel.appendChild(h("div", { class: "field" }, h("label", { for: "try-query" }, "Query string"), query));
  panel.appendChild(bodyField);
  panel.appendChild(h("label", { class: "check" }, useToken, "Send my session (as " + (state.user ? state.user.login : "me") + ")"));
  panel.appendChild(preview);
  panel.appendChild(h("div", {}, h("button", { class: "btn primary", id: "try-send", onclick: send }, "Send request")));
  panel.appendChild(result);
  method.addEventListener("change", update);
  query.addEventListener("input", update);
  update();
}

function buildUrl(path: string, params: string[], query: string): string {
  let url = path;
  for (const name of params) {
    const input = byId<HTMLInputElement>("try-param-" + name);
    const value = input?.value ? encodeURIComponent(input.value) : ":" + name;
    url = url.replace(":" + name, value);
  }
  const q = (query || "").replace(/^\?/, "").trim();
  return q ? url + "?" + q : url;
}

function showResponse(target: HTMLElement, res: Response, text: string, ms: number): void {
  clear(target);
  const kind = res.status < 300 ? "ok" : res.status < 500 ? "warn" : "error";
  const type = res.headers.get("content-type") ?? "";
  let pretty = text;
  if (type.indexOf("json") >= 0) {
    try {
      pretty = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // keep the text
    }
  }
  const rows: HTMLElement[] = [];
  res.headers.forEach((value, name) => rows.push(h("tr", {}, h("td", {}, name), h("td", {}, value))));
  target.appendChild(
    h(
      "div",
      { class: "response" },
      h("header", {}, h("span", { class: "pill " + kind, id: "try-status" }, res.status + " " + (res.statusText || "")), h("span", {}, fmtMs(ms)), h("span", {}, type)),
      h("details", {}, h("summary", {}, plural(rows.length, "header")), h("table", { class: "kv" }, rows)),
      h("pre", { id: "try-response-body" }, pretty || "(empty body)"),
    ),
  );
}
