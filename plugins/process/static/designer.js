// The process designer: bpmn-js (window.BpmnJS, loaded before this file) draws the graph; this
// file signs in, loads and saves processes through the plugin's routes, edits each step's
// settings (kept in the element's goatkit:settings attribute), validates, publishes, and shows
// the process's active instances on the diagram. No inline script: everything is in this file.
// The host serves plugin documents in an opaque origin (no storage, no session cookie), so the
// page signs in with the capability the dashboard that opened it hands over (docs/http.md).
(function () {
  "use strict";

  var API = "/api/plugins/process";
  var EVENTS = ["created", "state_changed", "queue_changed", "note_added"];
  var FIELDS = ["tn", "title", "queue", "state", "state_type", "priority", "priority_id", "owner", "customer"];
  var OPS = ["eq", "ne", "in", "contains", "gt", "lt"];
  var STEP_OF = {
    "bpmn:StartEvent": "start", "bpmn:EndEvent": "end", "bpmn:ExclusiveGateway": "decision", "bpmn:IntermediateCatchEvent": "wait",
    "bpmn:Task": "task", "bpmn:UserTask": "task", "bpmn:ManualTask": "task", "bpmn:SendTask": "email",
    "bpmn:ServiceTask": "set", "bpmn:ScriptTask": "set", "bpmn:BusinessRuleTask": "set"
  };

  var NOT_OPENED = "Open the designer from the GoatKit dashboard (Plugins, process, Pages: Processes): it signs this page in for the process plugin only.";
  var state = { processId: null, instances: [], poll: null, overlays: [] };
  var $ = function (id) { return document.getElementById(id); };
  var modeler = new window.BpmnJS({ container: "#canvas" });
  var modeling = modeler.get("modeling");
  var canvas = modeler.get("canvas");
  var overlays = modeler.get("overlays");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "checked" || k === "value" || k === "selected") node[k] = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  function status(text, kind) {
    var s = $("status");
    s.textContent = text;
    s.className = kind || "";
  }

  function api(method, path, body, type) {
    return signIn().then(function (token) {
      var headers = { authorization: "Bearer " + token };
      if (body !== undefined) headers["content-type"] = type || "application/json";
      return fetch(API + path, { method: method, headers: headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
    }, function (error) {
      showSignIn(error.message);
      throw error;
    }).then(function (res) {
      var isJson = (res.headers.get("content-type") || "").indexOf("json") >= 0;
      return (isJson ? res.json() : res.text()).then(function (data) {
        if (res.status === 401 || res.status === 403) showSignIn(data && data.error);
        if (res.status >= 400) {
          var error = new Error((data && data.error) || "HTTP " + res.status);
          error.status = res.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  }

  // Sign-in: the dashboard tab that opened this page hands it a capability for this plugin's
  // routes only (docs/http.md), asked for with postMessage and kept in memory; a fresh one is
  // asked for a minute before it expires. Nobody types a token here.
  var OPENED_AS = /(?:^#|&)gk-page=([0-9a-f]+)/.exec(location.hash);
  var capability = null;
  var asking = null;
  function signIn() {
    if (capability && Date.now() < capability.renewAt) return Promise.resolve(capability.token);
    if (asking) return asking;
    asking = new Promise(function (resolve, reject) {
      var dashboard = window.opener;
      if (!dashboard || !OPENED_AS) { reject(new Error(NOT_OPENED)); return; }
      var timer = setTimeout(function () { done(new Error("The dashboard that opened this page did not answer: open the page from the dashboard again.")); }, 10000);
      function done(error, token) {
        clearTimeout(timer);
        window.removeEventListener("message", onMessage);
        asking = null;
        if (error) reject(error);
        else resolve(token);
      }
      function onMessage(event) {
        var data = event.data;
        if (event.source !== dashboard || !data || data.type !== "goatkit:capability") return;
        if (data.error) { done(new Error(data.error)); return; }
        capability = { token: data.token, renewAt: Date.now() + Math.max(0, data.expiresInSeconds - 60) * 1000 };
        done(null, data.token);
      }
      window.addEventListener("message", onMessage);
      dashboard.postMessage({ type: "goatkit:capability-request", page: OPENED_AS[1] }, "*");
    });
    return asking;
  }
  function showSignIn(message) {
    $("signin-message").textContent = message || NOT_OPENED;
    $("signin").hidden = false;
  }

  function settingsOf(element) {
    var text = element.businessObject.$attrs["goatkit:settings"];
    if (!text) return {};
    try { return JSON.parse(text); } catch (e) { return {}; }
  }
  function saveSettings(element, settings) {
    var clean = {};
    Object.keys(settings).forEach(function (k) {
      var v = settings[k];
      if (v === "" || v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return;
      if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) return;
      clean[k] = v;
    });
    modeling.updateProperties(element, { "goatkit:settings": Object.keys(clean).length ? JSON.stringify(clean) : undefined });
  }
  function whenOf(element) {
    var text = element.businessObject.$attrs["goatkit:when"];
    if (!text) return null;
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  // The settings form for the selected step or flow.
  function field(label, input) {
    return el("label", { class: "field" }, [el("span", { text: label }), input]);
  }
  function textInput(name, value, placeholder) {
    return el("input", { name: name, value: value == null ? "" : String(value), placeholder: placeholder || "" });
  }
  function select(name, options, value) {
    return el("select", { name: name }, options.map(function (o) { return el("option", { value: o, text: o || "(none)", selected: o === value }); }));
  }

  function showSettings(element) {
    var form = $("settings-form");
    form.innerHTML = "";
    var hint = document.querySelector("#settings .hint");
    if (!element || element.type === "bpmn:Process" || element.type === "label") {
      form.hidden = true;
      hint.hidden = false;
      return;
    }
    hint.hidden = true;
    form.hidden = false;
    form.dataset.element = element.id;
    var bo = element.businessObject;
    form.appendChild(el("p", { class: "kind", text: element.type.replace("bpmn:", "") + " · " + element.id }));
    form.appendChild(field("Name", textInput("name", bo.name)));
    if (element.type === "bpmn:SequenceFlow") {
      var gateway = bo.sourceRef && bo.sourceRef.$type === "bpmn:ExclusiveGateway" ? bo.sourceRef : null;
      if (gateway) {
        var when = whenOf(element) || {};
        form.appendChild(field("Default branch", el("input", { type: "checkbox", name: "default", checked: gateway.default === bo })));
        form.appendChild(field("Condition field", select("when_field", [""].concat(FIELDS), when.field || "")));
        form.appendChild(field("Operator", select("when_op", OPS, when.op || "eq")));
        form.appendChild(field("Value", textInput("when_value", Array.isArray(when.value) ? when.value.join("|") : when.value, "e.g. closed, or a|b for in")));
      }
    } else {
      var kind = STEP_OF[element.type];
      var s = settingsOf(element);
      if (!kind) form.appendChild(el("p", { class: "bad", text: "This element has no process step; use the wrench to change its type." }));
      if (kind === "start") {
        var on = s.on || ["created"];
        EVENTS.forEach(function (ev) { form.appendChild(field("Starts on " + ev, el("input", { type: "checkbox", name: "on_" + ev, checked: on.indexOf(ev) >= 0 }))); });
        form.appendChild(field("Only in queue", textInput("queue", s.queue, "every queue")));
      }
      if (kind === "task") {
        form.appendChild(field("Agent (login)", textInput("agent", s.agent, "e.g. emma.larsen")));
        form.appendChild(field("Queue", textInput("queue", s.queue, "e.g. Support")));
      }
      if (kind === "wait") {
        form.appendChild(field("Minutes", el("input", { type: "number", min: "1", name: "minutes", value: s.minutes == null ? "" : String(s.minutes) })));
        form.appendChild(field("Or until event", select("event", [""].concat(EVENTS), s.event || "")));
      }
      if (kind === "email") {
        form.appendChild(field("To", textInput("to", s.to, "owner, customer or an address")));
        form.appendChild(field("Subject", textInput("subject", s.subject, "Ticket {{ticket.tn}}")));
        var body = el("textarea", { name: "body", rows: "5" });
        body.value = s.body || "";
        form.appendChild(field("Body", body));
      }
      if (kind === "set") {
        var fields = s.fields || {};
        ["state", "queue", "priority", "owner", "title"].forEach(function (f) { form.appendChild(field("Set " + f, textInput("set_" + f, fields[f]))); });
      }
    }
    form.appendChild(el("button", { type: "submit", id: "apply-settings", text: "Apply" }));
  }

  $("settings-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target;
    var element = modeler.get("elementRegistry").get(form.dataset.element);
    if (!element) return;
    var v = function (name) { return form.elements[name] ? form.elements[name].value.trim() : ""; };
    if (v("name") !== (element.businessObject.name || "")) modeling.updateLabel(element, v("name"));
    if (element.type === "bpmn:SequenceFlow") {
      var gateway = element.source;
      if (form.elements["default"]) {
        var isDefault = form.elements["default"].checked;
        if (isDefault) modeling.updateProperties(gateway, { default: element.businessObject });
        else if (gateway.businessObject.default === element.businessObject) modeling.updateProperties(gateway, { default: undefined });
        var when = v("when_field") && !isDefault ? { field: v("when_field"), op: v("when_op"), value: v("when_op") === "in" ? v("when_value").split("|") : v("when_value") } : undefined;
        modeling.updateProperties(element, { "goatkit:when": when ? JSON.stringify(when) : undefined });
      }
    } else {
      var kind = STEP_OF[element.type];
      var s = {};
      if (kind === "start") {
        s.on = EVENTS.filter(function (ev) { return form.elements["on_" + ev].checked; });
        s.queue = v("queue");
      } else if (kind === "task") {
        s.agent = v("agent");
        s.queue = v("queue");
      } else if (kind === "wait") {
        if (v("minutes")) s.minutes = Number(v("minutes"));
        s.event = v("event");
      } else if (kind === "email") {
        s.to = v("to");
        s.subject = v("subject");
        s.body = form.elements.body.value;
      } else if (kind === "set") {
        s.fields = {};
        ["state", "queue", "priority", "owner", "title"].forEach(function (f) { if (v("set_" + f)) s.fields[f] = v("set_" + f); });
      }
      if (kind) saveSettings(element, s);
    }
    status("Settings applied to " + element.id + " (not saved yet)");
  });

  modeler.on("selection.changed", function (e) { showSettings(e.newSelection.length === 1 ? e.newSelection[0] : null); });

  // Processes: list, load, create, save, validate, publish.
  function loadList(selectId) {
    return api("GET", "/processes").then(function (data) {
      var sel = $("process-select");
      sel.innerHTML = "";
      data.processes.forEach(function (p) {
        var label = p.name + (p.published_version ? " (v" + p.published_version.version + (p.draft_changed ? ", draft changed" : "") + ")" : " (draft)");
        sel.appendChild(el("option", { value: String(p.id), text: label, selected: String(p.id) === String(selectId) }));
      });
      if (data.processes.length && !selectId) selectId = data.processes[0].id;
      if (selectId) return open(selectId);
    });
  }

  function open(id) {
    state.processId = String(id);
    $("process-select").value = state.processId;
    // The gk-page nonce stays: a reload asks the dashboard for a capability with it.
    location.hash = "process=" + state.processId + (OPENED_AS ? "&gk-page=" + OPENED_AS[1] : "");
    return api("GET", "/processes/" + id + "/export?format=bpmn").then(function (xml) {
      return modeler.importXML(xml);
    }).then(function () {
      canvas.zoom("fit-viewport", "auto");
      showProblems(null);
      return refreshInstances();
    }).catch(function (error) { status(error.message, "bad"); });
  }

  function saveDraft() {
    return modeler.saveXML({ format: true }).then(function (result) {
      return api("PUT", "/processes/" + state.processId, result.xml, "application/xml");
    }).then(function (process) {
      status("Draft saved");
      return process;
    });
  }

  function showProblems(problems) {
    var list = $("problems");
    list.innerHTML = "";
    var registry = modeler.get("elementRegistry");
    registry.getAll().forEach(function (e) { canvas.removeMarker(e.id, "gk-problem"); });
    if (problems === null) {
      list.appendChild(el("li", { class: "hint", text: "Validate to check the drawing." }));
      return;
    }
    if (problems.length === 0) list.appendChild(el("li", { class: "good", text: "No problems: ready to publish." }));
    problems.forEach(function (p) {
      list.appendChild(el("li", { class: "bad", "data-element": p.element || "", text: p.problem }));
      if (p.element && registry.get(p.element)) canvas.addMarker(p.element, "gk-problem");
    });
  }

  function failed(error) {
    status(error.message, "bad");
    if (error.data && error.data.problems) showProblems(error.data.problems);
  }

  $("process-select").addEventListener("change", function (e) { open(e.target.value); });
  $("new-process").addEventListener("click", function () {
    var name = $("new-name").value.trim();
    if (!name) { status("Type a name for the new process first", "bad"); $("new-name").focus(); return; }
    api("POST", "/processes", { name: name, steps: [{ id: "start", type: "start", name: "Start", on: ["created"], x: 150, y: 200 }], flows: [] })
      .then(function (p) { $("new-name").value = ""; status("Created " + p.name); return loadList(p.id); })
      .catch(failed);
  });
  $("save").addEventListener("click", function () { saveDraft().then(function () { return loadList(state.processId); }).catch(failed); });
  $("validate").addEventListener("click", function () {
    saveDraft().then(function () { return api("POST", "/processes/" + state.processId + "/validate", ""); })
      .then(function (r) { showProblems(r.problems); status(r.valid ? "Valid" : r.problems.length + " problem(s)", r.valid ? "good" : "bad"); })
      .catch(failed);
  });
  $("publish").addEventListener("click", function () {
    saveDraft().then(function () { return api("POST", "/processes/" + state.processId + "/publish", ""); })
      .then(function (r) { showProblems([]); status("Published version " + r.published.version, "good"); return loadList(state.processId); })
      .catch(failed);
  });
  function download(format) {
    api("GET", "/processes/" + state.processId + "/export?format=" + format).then(function (data) {
      var text = typeof data === "string" ? data : JSON.stringify(data, null, 2);
      var a = el("a", { href: URL.createObjectURL(new Blob([text], { type: format === "bpmn" ? "application/xml" : "application/json" })), download: "process-" + state.processId + "." + format });
      document.body.appendChild(a);
      a.click();
      a.remove();
    }).catch(failed);
  }
  $("export-json").addEventListener("click", function () { download("json"); });
  $("export-bpmn").addEventListener("click", function () { download("bpmn"); });

  // Active instances: a count on each step, and a list with retry for failed ones.
  function refreshInstances() {
    if (!state.processId) return Promise.resolve();
    return api("GET", "/instances?process_id=" + state.processId).then(function (data) {
      overlays.remove({ type: "gk-instances" });
      var registry = modeler.get("elementRegistry");
      Object.keys(data.active_by_step).forEach(function (step) {
        if (!registry.get(step)) return;
        var counts = data.active_by_step[step];
        var total = Object.keys(counts).reduce(function (n, k) { return n + counts[k]; }, 0);
        var badge = el("div", { class: "gk-badge" + (counts.error ? " gk-badge-error" : ""), title: Object.keys(counts).map(function (k) { return counts[k] + " " + k; }).join(", "), "data-step": step, text: String(total) });
        overlays.add(step, "gk-instances", { position: { top: -10, right: 10 }, html: badge });
      });
      var list = $("instances");
      list.innerHTML = "";
      if (data.instances.length === 0) list.appendChild(el("li", { class: "hint", text: "No instances yet." }));
      data.instances.slice(0, 30).forEach(function (i) {
        var item = el("li", { class: "instance " + i.status, "data-instance": String(i.id) }, [
          el("strong", { text: "#" + i.id }), " ticket " + (i.ticket.tn || i.ticket.id) + " · v" + i.version + " · ",
          el("span", { class: "status", text: i.status }), " at ", el("code", { text: i.step })
        ]);
        if (i.failure) item.appendChild(el("p", { class: "bad", text: i.failure }));
        if (i.status === "error") {
          var retry = el("button", { type: "button", text: "Retry" });
          retry.addEventListener("click", function () {
            api("POST", "/instances/" + i.id + "/retry", "").then(function (r) { status("Instance " + i.id + " is " + r.status); return refreshInstances(); }).catch(failed);
          });
          item.appendChild(retry);
        }
        list.appendChild(item);
      });
    }).catch(function (error) { status(error.message, "bad"); });
  }

  function start() {
    var match = /(?:^#|&)process=(\d+)/.exec(location.hash);
    var instance = /(?:^#|&)instance=(\d+)/.exec(location.hash);
    var first = instance
      ? api("GET", "/instances/" + instance[1]).then(function (i) { return loadList(i.process_id); })
      : loadList(match ? match[1] : null);
    first.catch(failed);
    clearInterval(state.poll);
    state.poll = setInterval(refreshInstances, 2000);
  }

  start();
})();
