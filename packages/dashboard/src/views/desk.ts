import type { DeskSaveAnswer, DeskTicketsAnswer } from "@goatkit/host";
import { api, errorMessage } from "../api.js";
import { $, byId, clear, h } from "../dom.js";
import { pill, plural } from "../format.js";
import { toast } from "../toast.js";

// ---------- the demo help desk (served when the host runs with demoDesk) ----------

export function renderTickets(root: HTMLElement): void {
  const form = h(
    "form",
    { class: "card desk-form", id: "desk-new" },
    h(
      "div",
      { class: "row" },
      h("div", { class: "field" }, h("label", { for: "desk-title" }, "Title"), h("input", { id: "desk-title", name: "title", required: true, placeholder: "Printer offline on floor 3" })),
      h("div", { class: "field" }, h("label", { for: "desk-queue" }, "Queue"), h("select", { id: "desk-queue", name: "queue" })),
    ),
    h("div", { class: "field" }, h("label", { for: "desk-body" }, "Message"), h("textarea", { id: "desk-body", name: "body", placeholder: "What the customer wrote" })),
    h("div", {}, h("button", { class: "btn primary", type: "submit", id: "desk-create" }, "Create ticket")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const title = $<HTMLInputElement>("#desk-title");
    const message = $<HTMLTextAreaElement>("#desk-body");
    const body: { title: string; queue: string; body?: string } = { title: title.value, queue: $<HTMLSelectElement>("#desk-queue").value };
    if (message.value.trim()) body.body = message.value;
    api<DeskSaveAnswer>("POST", "/api/demo/tickets", body)
      .then((saved) => {
        toast("Ticket " + String(saved.ticket.tn) + " created; after_save reached " + plural(saved.hooks.length, "plugin"), "success");
        title.value = "";
        message.value = "";
        showSave(saved);
        void loadTickets();
      })
      .catch((error: unknown) => toast(errorMessage(error), "error"));
  });
  root.appendChild(form);
  root.appendChild(h("div", { class: "card desk-hooks", id: "desk-hooks", hidden: true }));
  root.appendChild(h("div", { class: "card", id: "desk-tickets" }, h("div", { class: "empty-state" }, "Loading\u2026")));
  void loadTickets();
}

function showSave(saved: DeskSaveAnswer): void {
  const card = byId("desk-hooks");
  if (!card) return;
  clear(card).hidden = false;
  card.appendChild(h("h2", {}, "after_save for ticket " + String(saved.ticket.tn) + " (" + (saved.event.events.join(", ") || "no ticket event") + ")"));
  if (!saved.hooks.length) card.appendChild(h("p", { class: "sub" }, "No plugin hooks after_save."));
  for (const r of saved.hooks) {
    card.appendChild(
      h(
        "div",
        { class: "desk-hook", "data-plugin": r.plugin },
        h("strong", {}, r.plugin),
        " ",
        pill(r.response.status < 400 ? "loaded" : "error", String(r.response.status)),
        h("pre", {}, typeof r.response.body === "string" ? r.response.body : JSON.stringify(r.response.body)),
      ),
    );
  }
}

async function loadTickets(): Promise<void> {
  try {
    const data = await api<DeskTicketsAnswer>("GET", "/api/demo/tickets?limit=15");
    const select = byId<HTMLSelectElement>("desk-queue");
    if (select && !select.options.length) for (const q of data.queues) select.appendChild(h("option", { value: q, selected: q === "Support" }, q));
    const card = byId("desk-tickets");
    if (!card) return;
    clear(card).appendChild(
      h(
        "table",
        { class: "data" },
        h("thead", {}, h("tr", {}, h("th", {}, "Ticket"), h("th", {}, "Title"), h("th", {}, "Queue"), h("th", {}, "State"), h("th", {}, "Changed"), h("th", {}))),
        h(
          "tbody",
          {},
          data.tickets.map((t) => {
            const ticketState = h("select", { "aria-label": "State of " + t.tn }, data.states.map((s) => h("option", { value: s, selected: s === t.state }, s)));
            ticketState.addEventListener("change", () => {
              api<DeskSaveAnswer>("PATCH", "/api/demo/tickets/" + t.id, { state: ticketState.value })
                .then((saved) => {
                  toast("Ticket " + t.tn + " is " + ticketState.value, "success");
                  showSave(saved);
                  void loadTickets();
                })
                .catch((error: unknown) => toast(errorMessage(error), "error"));
            });
            return h("tr", { "data-ticket": t.id }, h("td", {}, h("code", {}, t.tn)), h("td", {}, t.title), h("td", {}, t.queue), h("td", {}, ticketState), h("td", { class: "sub" }, t.change_time), h("td", {}));
          }),
        ),
      ),
    );
  } catch (error) {
    toast(errorMessage(error), "error");
  }
}
