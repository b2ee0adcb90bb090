import type { JobRun, JobView } from "@goatkit/host";
import { api, errorMessage } from "../api.js";
import { scheduleRefresh } from "../chrome.js";
import { byId, clear, h } from "../dom.js";
import { capitalise, fmtClock, fmtMs, fmtRelative, pill } from "../format.js";
import { jobKey, state } from "../state.js";
import { toast } from "../toast.js";

export function renderJobs(root: HTMLElement): void {
  root.appendChild(h("div", { class: "card", id: "jobs-card" }));
  renderJobsTable();
}

export function renderJobsTable(): void {
  const card = byId("jobs-card");
  if (!card) return;
  clear(card);
  if (!state.jobs.length) {
    card.appendChild(h("div", { class: "empty-state" }, h("strong", {}, "No jobs"), "Plugins declare jobs in the manifest, or schedule them with schedule_job."));
    return;
  }
  const rows: HTMLElement[] = [];
  for (const j of state.jobs) {
    const key = jobKey(j.plugin, j.id);
    const last = j.lastRun;
    rows.push(
      h(
        "tr",
        { "data-job": key },
        h("td", {}, h("div", {}, h("strong", {}, j.id)), h("div", { class: "sub" }, j.plugin + " \u00b7 " + j.handler + (j.description ? " \u00b7 " + j.description : ""))),
        h("td", {}, h("code", {}, j.schedule), h("div", { class: "sub" }, j.source === "manifest" ? "manifest" + (j.retries ? " \u00b7 " + j.retries + (j.retries === 1 ? " retry" : " retries") : "") : "schedule_job")),
        h(
          "td",
          { class: "nowrap" },
          j.paused ? pill("disabled", "Paused", "the plugin is disabled") : h("span", { title: j.nextRunAt ?? "" }, fmtRelative(j.nextRunAt)),
          j.retryAt ? h("div", { class: "sub" }, "retry " + fmtRelative(j.retryAt)) : null,
        ),
        h(
          "td",
          { class: "nowrap" },
          j.running
            ? pill("running", "Running")
            : last
              ? h("span", {}, pill(last.status, capitalise(last.status)), " ", h("span", { class: "sub", title: last.startedAt }, fmtRelative(last.startedAt)))
              : h("span", { class: "sub" }, "never run"),
        ),
        h(
          "td",
          { class: "nowrap", style: "text-align: right" },
          h("button", { class: "btn small", "data-action": "run-job", "data-job": key, disabled: j.running || j.paused, onclick: (e) => runJob(e.currentTarget as HTMLButtonElement, j) }, "Run now"),
          " ",
          h("button", { class: "btn small ghost", "data-action": "job-history", "data-job": key, onclick: () => toggleHistory(j) }, state.openJobs[key] ? "Hide history" : "History"),
        ),
      ),
    );
    if (state.openJobs[key]) rows.push(h("tr", { class: "history" }, h("td", { colspan: "5" }, runsTable(state.runs[key]))));
  }
  card.appendChild(
    h(
      "table",
      { class: "data" },
      h("thead", {}, h("tr", {}, h("th", {}, "Job"), h("th", {}, "Schedule"), h("th", {}, "Next run"), h("th", {}, "Last run"), h("th", {}))),
      h("tbody", {}, rows),
    ),
  );
}

function runsTable(runs: JobRun[] | undefined): HTMLElement {
  if (!runs) return h("div", { class: "empty-state" }, "Loading\u2026");
  if (!runs.length) return h("div", { class: "empty-state" }, "No runs yet.");
  return h(
    "table",
    { class: "runs" },
    h("thead", {}, h("tr", {}, h("th", {}, "Run"), h("th", {}, "Trigger"), h("th", {}, "Attempt"), h("th", {}, "Started"), h("th", {}, "Duration"), h("th", {}, "Status"), h("th", {}, "Result or error"))),
    h(
      "tbody",
      {},
      runs
        .slice()
        .reverse()
        .map((r) => {
          const out = r.error ? r.error.code + ": " + r.error.message : (r.result ?? "");
          return h(
            "tr",
            {},
            h("td", {}, "#" + r.id),
            h("td", {}, r.trigger),
            h("td", {}, String(r.attempt)),
            h("td", { class: "nowrap", title: r.startedAt }, fmtClock(r.startedAt)),
            h("td", {}, fmtMs(r.durationMs)),
            h("td", {}, pill(r.status, capitalise(r.status))),
            h("td", { class: "out", title: out }, out),
          );
        }),
    ),
  );
}

function toggleHistory(j: JobView): void {
  const key = jobKey(j.plugin, j.id);
  state.openJobs[key] = !state.openJobs[key];
  renderJobsTable();
  if (state.openJobs[key]) loadRuns(j.plugin, j.id);
}

export function loadRuns(plugin: string, id: string): void {
  api<JobRun[]>("GET", "/api/v1/plugins/" + encodeURIComponent(plugin) + "/jobs/" + encodeURIComponent(id) + "/runs")
    .then((runs) => {
      state.runs[jobKey(plugin, id)] = runs;
      if (state.view === "jobs") renderJobsTable();
    })
    .catch((error: unknown) => toast(errorMessage(error), "error"));
}

function runJob(button: HTMLButtonElement, j: JobView): void {
  button.disabled = true;
  api<JobRun>("POST", "/api/v1/plugins/" + encodeURIComponent(j.plugin) + "/jobs/" + encodeURIComponent(j.id) + "/run")
    .then((run) => {
      // A failed run is an error toast; any other outcome a plain one.
      if (run.status === "failed") toast("Job " + j.id + ": " + run.status + (run.error ? " (" + run.error.message + ")" : ""), "error");
      else toast("Job " + j.id + ": " + run.status);
      state.openJobs[jobKey(j.plugin, j.id)] = true;
      loadRuns(j.plugin, j.id);
      scheduleRefresh(false);
    })
    .catch((error: unknown) => {
      toast(errorMessage(error), "error");
      button.disabled = false;
    });
}
