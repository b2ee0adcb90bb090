/**
 * Process Management: versioned processes of ticket steps (tasks, decisions, waits, emails,
 * field changes) that ticket events start and advance, each transition applied exactly once
 * across hosts through the database, drawn and published in a BPMN designer. The routes,
 * widget, job, hook, permissions and tables are declared in manifest.json; README.md describes them.
 */
import { Registration, definePlugin } from "@goatkit/sdk/guest";
import { designerPage } from "./designer/designer-page.js";
import { afterSaveHook } from "./hooks/after-save.js";
import { beforeRenderHook } from "./hooks/before-render.js";
import { resumeWaitsJob } from "./jobs/resume-waits.js";
import { instanceRoutes } from "./routes/instances.js";
import { processRoutes } from "./routes/processes.js";
import { tasksWidget } from "./widget/tasks-widget.js";

export default definePlugin({
  register: new Registration("process", "0.1.0").description(
    "Process Management: versioned workflows of ticket steps (tasks, decisions, waits, emails, field changes) started by ticket events, drawn in a BPMN designer",
  ),
  handlers: {
    ...processRoutes,
    ...instanceRoutes,
    ...designerPage,
    ...afterSaveHook,
    ...beforeRenderHook,
    ...resumeWaitsJob,
    ...tasksWidget,
  },
});
