// Colours are variables, with a dark scheme; the page and the widget frames share them.
const COLOURS = String.raw`
:root {
  --bg: #f5f6f8; --panel: #ffffff; --panel-2: #f9fafb; --border: #e4e7ec; --border-strong: #d0d5dd;
  --text: #101828; --muted: #667085; --faint: #98a2b3;
  --accent: #4f46e5; --accent-soft: #eef2ff; --accent-text: #3730a3;
  --green: #12b76a; --green-soft: #ecfdf3; --green-text: #027a48;
  --amber: #f79009; --amber-soft: #fffaeb; --amber-text: #b54708;
  --red: #f04438; --red-soft: #fef3f2; --red-text: #b42318;
  --blue: #2e90fa; --blue-soft: #eff8ff; --blue-text: #175cd3;
  --slate-soft: #f2f4f7; --slate-text: #475467;
  --sidebar: #0f1729; --sidebar-text: #cbd5e1; --sidebar-active: #1e293b;
  --shadow: 0 1px 2px rgba(16, 24, 40, .05), 0 1px 3px rgba(16, 24, 40, .06);
  --radius: 10px;
  --mono: ui-monospace, "SFMono-Regular", "JetBrains Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  --sans: Inter, "Segoe UI", system-ui, -apple-system, Roboto, "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
  color-scheme: light;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0b1220; --panel: #111a2e; --panel-2: #0e1628; --border: #1f2a44; --border-strong: #2b3a5c;
    --text: #e6eaf2; --muted: #98a2b3; --faint: #667085;
    --accent: #818cf8; --accent-soft: #1e1b4b; --accent-text: #c7d2fe;
    --green-soft: #053321; --green-text: #6ce9a6; --amber-soft: #3d2704; --amber-text: #fec84b;
    --red-soft: #3e0f0c; --red-text: #fda29b; --blue-soft: #0b2a4a; --blue-text: #84caff;
    --slate-soft: #1a2540; --slate-text: #b3bdd0; --sidebar: #070d1a; --sidebar-active: #16213a;
    --shadow: none; color-scheme: dark;
  }
}
`;

/**
 * The dashboard's stylesheet, inlined into the page (the host serves no other files and the
 * page loads nothing from the network).
 */
export const DASHBOARD_STYLES = COLOURS + String.raw`
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 14px/1.5 var(--sans); color: var(--text); background: var(--bg); -webkit-font-smoothing: antialiased; }
button, input, select, textarea { font: inherit; color: inherit; }
a { color: var(--accent); text-decoration: none; }
code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
h1, h2, h3 { margin: 0; line-height: 1.25; }

.app { display: grid; grid-template-columns: 232px 1fr; min-height: 100vh; background: linear-gradient(to right, var(--sidebar) 232px, transparent 232px); }
.sidebar { background: var(--sidebar); color: var(--sidebar-text); display: flex; flex-direction: column; padding: 18px 12px; position: sticky; top: 0; height: 100vh; align-self: start; }
.brand { display: flex; align-items: center; gap: 10px; padding: 4px 10px 20px; color: #fff; }
.brand svg { flex: none; }
.brand strong { display: block; font-size: 15px; letter-spacing: .2px; }
.brand span { display: block; font-size: 12px; color: #94a3b8; }
.nav { display: flex; flex-direction: column; gap: 2px; }
.nav a { display: flex; align-items: center; gap: 10px; padding: 8px 10px; border-radius: 8px; color: var(--sidebar-text); font-weight: 500; }
.nav a:hover { background: var(--sidebar-active); color: #fff; }
.nav a.active { background: var(--sidebar-active); color: #fff; box-shadow: inset 2px 0 0 #818cf8; }
.nav svg { width: 16px; height: 16px; opacity: .85; }
.nav .count { margin-left: auto; font-size: 11.5px; background: rgba(148, 163, 184, .16); color: #cbd5e1; border-radius: 999px; padding: 0 7px; line-height: 18px; }
.nav .count.alert { background: rgba(240, 68, 56, .22); color: #fecdca; }
.sidebar-foot { margin-top: auto; padding: 12px 10px 0; border-top: 1px solid rgba(148, 163, 184, .15); font-size: 12.5px; display: flex; flex-direction: column; gap: 8px; }
.live { display: flex; align-items: center; gap: 8px; }
.live .dot { width: 8px; height: 8px; border-radius: 50%; background: #64748b; }
.live.on .dot { background: var(--green); box-shadow: 0 0 0 3px rgba(18, 183, 106, .2); }
.who { display: flex; align-items: center; justify-content: space-between; gap: 8px; color: #e2e8f0; }
.who button { background: none; border: 0; color: #94a3b8; cursor: pointer; padding: 0; font-size: 12px; }
.who button:hover { color: #fff; }

main { min-width: 0; padding: 28px 32px 48px; }
.topbar { display: flex; align-items: flex-end; gap: 16px; margin-bottom: 22px; }
.topbar h1 { font-size: 22px; font-weight: 650; letter-spacing: -.2px; }
.topbar p { margin: 4px 0 0; color: var(--muted); }
.topbar .actions { margin-left: auto; display: flex; gap: 8px; }

.btn { display: inline-flex; align-items: center; gap: 6px; height: 32px; padding: 0 12px; border-radius: 8px; border: 1px solid var(--border-strong); background: var(--panel); font-weight: 550; font-size: 13px; cursor: pointer; box-shadow: var(--shadow); white-space: nowrap; }
.btn:hover { background: var(--panel-2); }
.btn:disabled { opacity: .55; cursor: default; }
.btn.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.btn.primary:hover { filter: brightness(1.06); }
.btn.danger { color: var(--red-text); }
.btn.success { color: var(--green-text); }
.btn.small { height: 28px; padding: 0 10px; font-size: 12.5px; }
.btn.ghost { border-color: transparent; box-shadow: none; background: transparent; color: var(--muted); }
.btn.ghost:hover { background: var(--slate-soft); color: var(--text); }

.stats { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); gap: 14px; margin-bottom: 22px; }
.stat-card { background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); padding: 14px 16px; box-shadow: var(--shadow); }
.stat-card .label { color: var(--muted); font-size: 12.5px; font-weight: 500; }
.stat-card .value { font-size: 24px; font-weight: 650; margin-top: 2px; letter-spacing: -.3px; }
.stat-card .hint { color: var(--faint); font-size: 12px; }
.stat-card.bad .value { color: var(--red-text); }

.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 16px; }
.card { background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); }
.plugin { padding: 16px 18px; display: flex; flex-direction: column; gap: 12px; }
.plugin.is-disabled { background: var(--panel-2); }
.plugin-head { display: flex; align-items: flex-start; gap: 12px; }
.plugin-head h2 { font-size: 16px; font-weight: 650; }
.plugin-head .version { color: var(--muted); font-weight: 500; font-size: 13px; margin-left: 6px; }
.plugin-head .desc { color: var(--muted); margin-top: 2px; }
.plugin-head .pill { margin-left: auto; }
.meta { display: flex; flex-wrap: wrap; gap: 6px 14px; color: var(--muted); font-size: 12.5px; }
.meta .mono { font-size: 12px; }
.metrics { display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); border: 1px solid var(--border); border-radius: 8px; overflow: hidden; }
.metric { padding: 8px 10px; border-right: 1px solid var(--border); }
.metric:last-child { border-right: 0; }
.metric .k { font-size: 11.5px; color: var(--muted); }
.metric .v { font-weight: 600; font-variant-numeric: tabular-nums; }
.metric .v.bad { color: var(--red-text); }
.chips { display: flex; flex-wrap: wrap; gap: 6px; }
.chip { display: inline-flex; align-items: center; gap: 4px; padding: 1px 8px; border-radius: 999px; font-size: 12px; border: 1px solid var(--border); background: var(--panel-2); color: var(--slate-text); font-family: var(--mono); }
.chip.cap { background: var(--accent-soft); color: var(--accent-text); border-color: transparent; }
.chip.own { background: transparent; border-style: dashed; border-color: var(--border-strong); }
.section-label { font-size: 11.5px; text-transform: uppercase; letter-spacing: .6px; color: var(--faint); font-weight: 600; margin-bottom: 6px; }
.plugin-foot { display: flex; gap: 8px; align-items: center; padding-top: 4px; margin-top: auto; }
.plugin-foot .spacer { flex: 1; }
.alert { border-radius: 8px; padding: 8px 12px; font-size: 13px; background: var(--red-soft); color: var(--red-text); border: 1px solid rgba(240, 68, 56, .25); overflow-wrap: anywhere; }
.last-error { display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px; font-size: 12.5px; color: var(--muted); }
.last-error .code { font-family: var(--mono); font-size: 11.5px; font-weight: 600; color: var(--red-text); background: var(--red-soft); border-radius: 4px; padding: 0 5px; }
.last-error .msg { color: var(--text); }
.alert.warn { background: var(--amber-soft); color: var(--amber-text); border-color: rgba(247, 144, 9, .3); }

.pill { display: inline-flex; align-items: center; gap: 6px; padding: 2px 10px 2px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.pill::before { content: ""; width: 6px; height: 6px; border-radius: 50%; background: currentColor; }
.pill.loaded, .pill.succeeded, .pill.ok { background: var(--green-soft); color: var(--green-text); }
.pill.discovered, .pill.idle, .pill.skipped { background: var(--slate-soft); color: var(--slate-text); }
.pill.loading, .pill.running { background: var(--blue-soft); color: var(--blue-text); }
.pill.disabled, .pill.warn { background: var(--amber-soft); color: var(--amber-text); }
.pill.error, .pill.failed { background: var(--red-soft); color: var(--red-text); }

.tabs { display: inline-flex; gap: 4px; padding: 4px; background: var(--panel); border: 1px solid var(--border); border-radius: 10px; margin-bottom: 18px; box-shadow: var(--shadow); flex-wrap: wrap; }
.tabs button { border: 0; background: none; padding: 5px 12px; border-radius: 7px; cursor: pointer; color: var(--muted); font-weight: 550; font-size: 13px; }
.tabs button.active { background: var(--accent-soft); color: var(--accent-text); }
.tabs .n { margin-left: 6px; font-size: 11.5px; color: var(--faint); }

.widget-grid { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 16px; align-items: start; }
.gk-widgets { display: contents; }
.gk-widget { background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius); box-shadow: var(--shadow); overflow: hidden; grid-column: span 1; }
.gk-widget--medium { grid-column: span 2; }
.gk-widget--large { grid-column: span 3; }
.gk-widget--full { grid-column: 1 / -1; }
.gk-widget__header { display: flex; align-items: baseline; gap: 8px; padding: 12px 16px; border-bottom: 1px solid var(--border); }
.gk-widget__title { font-size: 14px; font-weight: 650; }
.gk-widget__plugin { margin-left: auto; font-size: 11.5px; color: var(--faint); font-family: var(--mono); }
.gk-widget__body { min-height: 24px; }
.gk-widget__frame { display: block; width: 100%; height: 48px; border: 0; background: transparent; }
.gk-widget__error { margin: 14px 16px; color: var(--red-text); background: var(--red-soft); border-radius: 8px; padding: 8px 10px; font-size: 13px; }

.routes-layout { display: grid; grid-template-columns: minmax(0, 1.1fr) minmax(380px, .9fr); gap: 18px; align-items: start; }
.route-group { margin-bottom: 16px; overflow: hidden; }
.route-group > header { display: flex; align-items: center; gap: 10px; padding: 10px 16px; border-bottom: 1px solid var(--border); background: var(--panel-2); }
.route-group > header h2 { font-size: 14px; }
.route { display: grid; grid-template-columns: 64px minmax(0, 1fr) auto; gap: 12px; align-items: center; padding: 9px 16px; border-bottom: 1px solid var(--border); cursor: pointer; }
.route:last-child { border-bottom: 0; }
.route:hover { background: var(--panel-2); }
.route.selected { background: var(--accent-soft); }
.route .path { font-family: var(--mono); font-size: 12.5px; overflow-wrap: anywhere; }
.route .path .param { color: var(--accent); font-weight: 600; }
.route .desc { color: var(--muted); font-size: 12.5px; }
.route .locks { display: flex; gap: 4px; }
.method { display: inline-block; min-width: 54px; text-align: center; font: 700 11px/20px var(--mono); border-radius: 5px; letter-spacing: .3px; }
.method.GET, .method.HEAD { background: var(--green-soft); color: var(--green-text); }
.method.POST { background: var(--blue-soft); color: var(--blue-text); }
.method.PUT, .method.PATCH { background: var(--amber-soft); color: var(--amber-text); }
.method.DELETE { background: var(--red-soft); color: var(--red-text); }
.method.OPTIONS { background: var(--slate-soft); color: var(--slate-text); }
.tag { font-size: 11px; padding: 0 6px; border-radius: 4px; background: var(--slate-soft); color: var(--slate-text); font-weight: 600; line-height: 18px; }
.tag.admin { background: var(--amber-soft); color: var(--amber-text); }

.try { position: sticky; top: 20px; padding: 16px 18px; display: flex; flex-direction: column; gap: 12px; }
.try h2 { font-size: 15px; }
.try .empty { color: var(--muted); padding: 24px 0; text-align: center; }
.field { display: flex; flex-direction: column; gap: 4px; }
.field label { font-size: 12px; font-weight: 600; color: var(--muted); }
.field input, .field select, .field textarea { border: 1px solid var(--border-strong); border-radius: 8px; padding: 7px 10px; background: var(--panel); outline: none; }
.field input:focus, .field select:focus, .field textarea:focus { border-color: var(--accent); box-shadow: 0 0 0 3px var(--accent-soft); }
.field textarea { font-family: var(--mono); font-size: 12.5px; min-height: 84px; resize: vertical; }
.row { display: flex; gap: 10px; align-items: flex-end; }
.row > .field { flex: 1; }
.check { display: flex; align-items: center; gap: 6px; color: var(--muted); font-size: 12.5px; }
.url-preview { font-family: var(--mono); font-size: 12px; color: var(--muted); background: var(--panel-2); border: 1px dashed var(--border-strong); border-radius: 8px; padding: 6px 10px; overflow-wrap: anywhere; }
.response { border: 1px solid var(--border); border-radius: 8px; overflow: hidden; }
.response header { display: flex; align-items: center; gap: 10px; padding: 8px 12px; background: var(--panel-2); border-bottom: 1px solid var(--border); font-size: 12.5px; color: var(--muted); }
.response pre { margin: 0; padding: 12px; max-height: 340px; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
.response details { border-bottom: 1px solid var(--border); }
.response summary { cursor: pointer; padding: 6px 12px; font-size: 12.5px; color: var(--muted); }
.kv { width: 100%; border-collapse: collapse; font-size: 12.5px; }
.kv td { padding: 3px 12px; vertical-align: top; }
.kv td:first-child { color: var(--muted); font-family: var(--mono); white-space: nowrap; width: 1%; }

table.data { width: 100%; border-collapse: collapse; }
.desk-form { padding: 16px; display: flex; flex-direction: column; gap: 12px; margin-bottom: 16px; }
.desk-hooks { padding: 16px; margin-bottom: 16px; }
.desk-hooks h2 { font-size: 14px; margin-bottom: 8px; }
.desk-hook pre { font-family: var(--mono); font-size: 12px; white-space: pre-wrap; word-break: break-all; margin: 6px 0 12px; }
table.data > thead > tr > th { text-align: left; font-size: 12px; color: var(--muted); font-weight: 600; padding: 10px 14px; background: var(--panel-2); border-bottom: 1px solid var(--border); }
table.data > tbody > tr > td { padding: 10px 14px; border-bottom: 1px solid var(--border); vertical-align: middle; }
table.data > tbody > tr:last-child > td { border-bottom: 0; }
table.data .sub { color: var(--muted); font-size: 12.5px; }
table.data > tbody > tr.history > td { background: var(--panel-2); padding: 4px 14px 10px 28px; }
table.runs { width: 100%; border-collapse: collapse; font-size: 12.5px; }
table.runs th, table.runs td { padding: 6px 10px; text-align: left; border-bottom: 1px solid var(--border); }
table.runs th { color: var(--faint); font-weight: 600; font-size: 11.5px; text-transform: uppercase; letter-spacing: .4px; }
table.runs td.out { font-family: var(--mono); font-size: 12px; max-width: 460px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.nowrap { white-space: nowrap; }

.log-toolbar { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; padding: 10px 12px; border-bottom: 1px solid var(--border); }
.log-toolbar select, .log-toolbar input { border: 1px solid var(--border-strong); border-radius: 8px; padding: 5px 9px; background: var(--panel); }
.log-toolbar input { min-width: 220px; }
.log-toolbar .spacer { flex: 1; }
.log-list { font-family: var(--mono); font-size: 12.5px; max-height: calc(100vh - 230px); overflow: auto; }
.log { display: grid; grid-template-columns: 96px 56px 150px minmax(0, 1fr); gap: 10px; padding: 5px 14px; border-bottom: 1px solid var(--border); align-items: baseline; }
.log:hover { background: var(--panel-2); }
.log .t { color: var(--faint); }
.log .lvl { font-weight: 700; font-size: 11px; text-transform: uppercase; }
.log .lvl.debug { color: var(--faint); } .log .lvl.info { color: var(--blue-text); } .log .lvl.warn { color: var(--amber-text); } .log .lvl.error { color: var(--red-text); }
.log.error { background: var(--red-soft); }
.log .p { color: var(--accent-text); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.log .m { overflow-wrap: anywhere; }
.log .f { color: var(--muted); margin-left: 8px; }
.empty-state { padding: 40px 20px; text-align: center; color: var(--muted); }
.empty-state strong { display: block; color: var(--text); font-size: 15px; margin-bottom: 4px; }

.signin { position: fixed; inset: 0; background: rgba(15, 23, 41, .55); display: grid; place-items: center; z-index: 20; backdrop-filter: blur(2px); }
.signin[hidden] { display: none; }
.signin .card { width: min(420px, calc(100vw - 32px)); padding: 22px; display: flex; flex-direction: column; gap: 14px; }
.signin .card[hidden] { display: none; }
.signin ul { margin: 0; padding-left: 18px; display: grid; gap: 6px; }
.signin h2 { font-size: 18px; }
.signin p { margin: 0; color: var(--muted); }
.toasts { position: fixed; right: 20px; bottom: 20px; display: flex; flex-direction: column; gap: 8px; z-index: 30; }
.toast { background: var(--text); color: var(--panel); padding: 10px 14px; border-radius: 8px; box-shadow: 0 8px 24px rgba(16, 24, 40, .18); font-size: 13px; max-width: 420px; }
.toast.error { background: var(--red-text); color: #fff; }

@media (max-width: 1100px) {
  .routes-layout { grid-template-columns: 1fr; }
  .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .widget-grid { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .gk-widget--large, .gk-widget--medium { grid-column: 1 / -1; }
}
@media (max-width: 760px) {
  .app { grid-template-columns: 1fr; }
  .sidebar { position: static; height: auto; }
  main { padding: 20px 16px; }
  .cards { grid-template-columns: 1fr; }
}
`;

/**
 * The stylesheet of each widget's frame: widget HTML renders in a sandboxed frame of its own
 * (dashboard-script.ts), where the page's styles do not reach, so it gets the colours and the
 * utility classes seed widgets use.
 */
export const WIDGET_FRAME_STYLES = COLOURS + String.raw`
* { box-sizing: border-box; }
html { background: transparent; }
body { margin: 0; padding: 14px 16px; font: 14px/1.5 var(--sans); color: var(--text); -webkit-font-smoothing: antialiased; overflow-x: auto; }
a { color: var(--accent); }
code, pre { font-family: var(--mono); font-size: 12.5px; }
/* The utility classes seed-style widgets use (grid grid-cols-2 gap-4, stat, stat-value...). */
.grid { display: grid; }
.grid-cols-2 { grid-template-columns: repeat(2, minmax(0, 1fr)); }
.grid-cols-3 { grid-template-columns: repeat(3, minmax(0, 1fr)); }
.gap-2 { gap: 8px; } .gap-4 { gap: 16px; }
.p-2 { padding: 8px; } .p-4 { padding: 16px; }
.rounded-lg { border-radius: 8px; }
.bg-base-200, .stat { background: var(--panel-2); border: 1px solid var(--border); border-radius: 8px; padding: 10px 12px; }
.stat-title { color: var(--muted); font-size: 12px; }
.stat-value { font-size: 22px; font-weight: 650; }
.text-2xl { font-size: 22px; }
table { border-collapse: collapse; width: 100%; }
td, th { padding: 4px 6px; border-bottom: 1px solid var(--border); text-align: left; }
`;
