import type { JobRun, LogEntry, ManagerEvent, ManagerEventType } from "@goatkit/host";
import { scheduleRefresh, updateCounts } from "./chrome.js";
import { $ } from "./dom.js";
import { jobKey, state } from "./state.js";
import { loadRuns } from "./views/jobs.js";
import { scheduleLogRender } from "./views/logs.js";

type StreamName = keyof typeof state.streams;

/** Server-Sent Events read through fetch (so the session cookie and errors are ours to handle); reconnects. */
function openStream(name: StreamName, path: string, onEvent: (event: string, data: unknown) => void): void {
  const connect = async (): Promise<void> => {
    const res = await fetch(path, { credentials: "same-origin", headers: { accept: "text/event-stream" } });
    if (!res.ok || !res.body) throw new Error("stream " + path + " answered " + res.status);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) throw new Error("stream ended");
      buffer += decoder.decode(chunk.value, { stream: true });
      const blocks = buffer.split("\n\n");
      buffer = blocks.pop() ?? "";
      for (const block of blocks) {
        let event = "message";
        const data: string[] = [];
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (event === "ready") {
          setLive(name, true);
          continue;
        }
        if (data.length) {
          try {
            onEvent(event, JSON.parse(data.join("\n")));
          } catch {
            // skip a bad event
          }
        }
      }
    }
  };
  const run = (): void => {
    // Either way the stream is down: mark it and reconnect.
    connect().catch(() => {
      setLive(name, false);
      setTimeout(run, 2000);
    });
  };
  run();
}

function setLive(name: StreamName, on: boolean): void {
  state.streams[name] = on;
  const live = state.streams.events && state.streams.logs;
  $("#live").classList.toggle("on", live);
  $("#live-text").textContent = live ? "Live" : "Reconnecting\u2026";
}

const WIDGET_CHANGES: ManagerEventType[] = ["enabled", "disabled", "reloaded", "discovered", "removed"];

export function connectStreams(): void {
  openStream("events", "/api/v1/events", (event, data) => {
    if (event === "plugin") scheduleRefresh(WIDGET_CHANGES.includes((data as ManagerEvent).type));
    if (event === "job") {
      scheduleRefresh(false);
      const job = data as JobRun;
      if (state.openJobs[jobKey(job.plugin, job.job)]) loadRuns(job.plugin, job.job);
    }
  });
  openStream("logs", "/api/v1/logs/stream?tail=300", (event, data) => {
    if (event !== "log") return;
    state.logs.push(data as LogEntry);
    if (state.logs.length > 2000) state.logs.splice(0, state.logs.length - 2000);
    if (state.view === "logs" && !state.paused) scheduleLogRender();
    updateCounts();
  });
}
