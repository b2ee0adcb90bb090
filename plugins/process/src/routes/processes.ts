/** Process routes: create, read, change, validate, publish, export and delete processes. */
import { PluginError, Response, type Handler, type Request } from "@goatkit/sdk/guest";
import { exportBpmn } from "../bpmn/bpmn-export.js";
import { checkGraph } from "../model/check-graph.js";
import type { Definition, StartStep } from "../model/definition.js";
import { activeCounts } from "../store/instances.js";
import { deleteProcess, findVersion, findVersionNumber, insertProcess, insertVersion, listProcesses, listVersions, requireProcess, setEnabled, updateDraft, versionDefinition, type ProcessRow } from "../store/processes.js";
import { formatInstant } from "../store/time.js";
import { requireAdmin, requireStaff } from "./access.js";
import { definitionFromBody } from "./definition-body.js";

const BASE = "/api/plugins/process";

function processJSON(process: ProcessRow, active: number) {
  const draft = JSON.parse(process.draft) as Definition;
  const version = process.current_version_id === null ? null : findVersion(process.current_version_id);
  return {
    id: process.id,
    name: process.name,
    description: process.description ?? "",
    enabled: process.enabled === 1,
    published_version: version === null ? null : { id: version.id, version: version.version, published_at: version.published_at, published_by: version.published_by, triggers: version.trigger_events.split(",") },
    draft_changed: version === null || version.definition !== process.draft,
    active_instances: active,
    created_at: process.created_at,
    updated_at: process.updated_at,
    links: { designer: `${BASE}/designer#process=${process.id}`, export_json: `${BASE}/processes/${process.id}/export`, export_bpmn: `${BASE}/processes/${process.id}/export?format=bpmn` },
    draft,
  };
}

const one = (process: ProcessRow) => {
  const json = processJSON(process, activeCounts().get(process.id) ?? 0);
  return { ...json, problems: checkGraph(json.draft) };
};

export const processRoutes = {
  /** GET /processes */
  list_processes(req: Request) {
    requireStaff(req);
    const counts = activeCounts();
    return { processes: listProcesses().map((p) => { const { draft: _draft, ...rest } = processJSON(p, counts.get(p.id) ?? 0); return rest; }) };
  },

  /** POST /processes: a definition as JSON or BPMN; it becomes the new process's draft. */
  create_process(req: Request) {
    requireAdmin(req);
    const definition = definitionFromBody(req.body);
    const id = insertProcess(definition, formatInstant(Date.now()));
    return new Response(201).header("location", `${BASE}/processes/${id}`).json(one(requireProcess(String(id))));
  },

  /** GET /processes/:id */
  get_process(req: Request) {
    requireStaff(req);
    return one(requireProcess(req.param("id")));
  },

  /** PUT /processes/:id: replaces the draft. */
  update_process(req: Request) {
    requireAdmin(req);
    const process = requireProcess(req.param("id"));
    updateDraft(process.id, definitionFromBody(req.body), formatInstant(Date.now()));
    return one(requireProcess(String(process.id)));
  },

  /** PATCH /processes/:id {"enabled": false} */
  set_process_enabled(req: Request) {
    requireAdmin(req);
    const process = requireProcess(req.param("id"));
    const body = req.bodyObject(`{"enabled": false}`);
    const extra = Object.keys(body).filter((k) => k !== "enabled");
    if (typeof body.enabled !== "boolean" || extra.length > 0) {
      throw new PluginError(`invalid request: PATCH changes only "enabled" (true or false)${extra.length > 0 ? `; ${extra.map((k) => `"${k}"`).join(", ")} cannot be patched (PUT a new draft instead)` : ""}`, 400, "VALIDATION_FAILED");
    }
    setEnabled(process.id, body.enabled, formatInstant(Date.now()));
    return one(requireProcess(String(process.id)));
  },

  /** DELETE /processes/:id */
  delete_process(req: Request) {
    requireAdmin(req);
    const process = requireProcess(req.param("id"));
    const active = activeCounts().get(process.id) ?? 0;
    if (active > 0) throw new PluginError(`process ${process.id} ("${process.name}") has ${active} active instance${active === 1 ? "" : "s"}; disable it (PATCH {"enabled": false}) and delete it once they finished`, 409, "CONFLICT");
    deleteProcess(process.id);
    return { deleted: process.id };
  },

  /** POST /processes/:id/validate: the draft's problems, or those of the definition in the body. */
  validate_process(req: Request) {
    requireAdmin(req);
    const process = requireProcess(req.param("id"));
    const definition = req.body.trim() === "" ? (JSON.parse(process.draft) as Definition) : definitionFromBody(req.body);
    const problems = checkGraph(definition);
    return { valid: problems.length === 0, problems };
  },

  /** POST /processes/:id/publish: the draft becomes the next version. */
  publish_process(req: Request) {
    const user = requireAdmin(req);
    const process = requireProcess(req.param("id"));
    const definition = JSON.parse(process.draft) as Definition;
    const problems = checkGraph(definition);
    if (problems.length > 0) {
      return new Response(422).json({ error: `process ${process.id} cannot be published: ${problems.map((p) => p.problem).join("; ")}`, code: "INVALID_PROCESS", problems });
    }
    const start = definition.steps.find((s): s is StartStep => s.type === "start")!;
    const version = insertVersion(process.id, definition, start.on, user.login, formatInstant(Date.now()));
    return new Response(201).json({ ...one(requireProcess(String(process.id))), published: { id: version.id, version: version.version } });
  },

  /** GET /processes/:id/versions */
  list_versions(req: Request) {
    requireStaff(req);
    const process = requireProcess(req.param("id"));
    return {
      process_id: process.id,
      versions: listVersions(process.id).map((v) => ({ id: v.id, version: v.version, published_at: v.published_at, published_by: v.published_by, triggers: v.trigger_events.split(","), current: v.id === process.current_version_id })),
    };
  },

  /** GET /processes/:id/export?format=json|bpmn&version=N */
  export_process(req: Request) {
    requireStaff(req);
    const process = requireProcess(req.param("id"));
    const versionText = req.query("version");
    let definition: Definition;
    if (versionText === "") definition = JSON.parse(process.draft) as Definition;
    else {
      const version = /^\d+$/.test(versionText) ? findVersionNumber(process.id, Number(versionText)) : null;
      if (version === null) throw new PluginError(`process ${process.id} has no version ${JSON.stringify(versionText)}; GET ${BASE}/processes/${process.id}/versions lists them`, 404, "NOT_FOUND");
      definition = versionDefinition(version);
    }
    const format = req.query("format", "json");
    const file = process.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || `process-${process.id}`;
    if (format === "bpmn") return new Response(200).header("content-disposition", `attachment; filename="${file}.bpmn"`).text(exportBpmn(definition), "application/xml; charset=utf-8");
    if (format !== "json") throw new PluginError(`unknown export format "${format}"; use ?format=json or ?format=bpmn`, 400, "BAD_REQUEST");
    return new Response(200).header("content-disposition", `attachment; filename="${file}.json"`).json(definition);
  },
} satisfies Record<string, Handler>;
