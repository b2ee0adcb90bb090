/**
 * The designer page: a plain HTML shell. Its script and styles (bpmn-js and the designer's own
 * code) are files of the plugin's `static/` folder, never inline, so the page runs under a
 * Content-Security-Policy of `script-src 'self'`. The host serves it in an opaque origin
 * (docs/http.md), so the script signs in with the capability the dashboard that opened it hands
 * over (this plugin's routes only) and calls the plugin's routes as an API client.
 */
import { Response, type Handler } from "@goatkit/sdk/guest";

const STATIC = "/api/plugins/process/static";

/** The page's own policy: scripts and styles only from this origin, none inline. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Processes · GoatKit</title>
<link rel="stylesheet" href="${STATIC}/vendor/diagram-js.css">
<link rel="stylesheet" href="${STATIC}/vendor/bpmn-js.css">
<link rel="stylesheet" href="${STATIC}/vendor/bpmn-font/css/bpmn.css">
<link rel="stylesheet" href="${STATIC}/designer.css">
<script src="${STATIC}/vendor/bpmn-modeler.production.min.js" defer></script>
<script src="${STATIC}/designer.js" defer></script>
</head>
<body>
<header class="bar">
  <strong>Processes</strong>
  <select id="process-select" aria-label="Process"></select>
  <input id="new-name" placeholder="New process name" aria-label="New process name">
  <button type="button" id="new-process">New process</button>
  <span class="spacer"></span>
  <span id="status" role="status"></span>
  <button type="button" id="save">Save draft</button>
  <button type="button" id="validate">Validate</button>
  <button type="button" id="publish" class="primary">Publish</button>
  <button type="button" id="export-json">Export JSON</button>
  <button type="button" id="export-bpmn">Export BPMN</button>
</header>
<main>
  <div id="canvas" aria-label="Process diagram"></div>
  <aside>
    <section id="settings"><h2>Step settings</h2><p class="hint">Select a step or a flow to edit its settings.</p><form id="settings-form" hidden></form></section>
    <section><h2>Problems</h2><ul id="problems"><li class="hint">Validate to check the drawing.</li></ul></section>
    <section><h2>Instances</h2><ul id="instances"></ul></section>
  </aside>
</main>
<div id="signin" hidden><div role="alert"><p id="signin-message"></p></div></div>
</body>
</html>
`;

export const designerPage = {
  designer_page() {
    return new Response(200).header("cache-control", "no-store").header("content-security-policy", CSP).text(PAGE, "text/html; charset=utf-8");
  },
} satisfies Record<string, Handler>;
