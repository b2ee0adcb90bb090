import type { Widget } from "@goatkit/sdk";

/** What rendering one widget produced. */
export interface RenderedWidget {
  plugin: string;
  widget: Widget;
  status: number;
  /** The plugin's HTML fragment; empty when it failed. */
  html: string;
  error: { message: string; code: string } | null;
}

/**
 * A widget's fragment in its frame: a section with the widget's title, its size as a class
 * (the page lays sizes out on a grid) and data attributes a page script can use to refresh it.
 * A failed widget shows its error in the frame, so one broken plugin does not break the page.
 */
export function widgetFrame(rendered: RenderedWidget): string {
  const { plugin, widget } = rendered;
  const refresh = widget.refresh_seconds ? ` data-refresh-seconds="${widget.refresh_seconds}"` : "";
  const body = rendered.error
    ? `<div class="gk-widget__error" role="alert"><strong>This widget failed</strong> (${escapeHtml(rendered.error.code)}): ${escapeHtml(rendered.error.message)}</div>`
    : rendered.html;
  return [
    `<section class="gk-widget gk-widget--${escapeHtml(widget.size)}" data-plugin="${escapeHtml(plugin)}" data-widget="${escapeHtml(widget.id)}" data-size="${escapeHtml(widget.size)}" data-location="${escapeHtml(widget.location)}" data-status="${rendered.status}"${refresh}>`,
    `<header class="gk-widget__header"><h3 class="gk-widget__title">${escapeHtml(widget.title)}</h3><span class="gk-widget__plugin">${escapeHtml(plugin)}</span></header>`,
    `<div class="gk-widget__body">${body}</div>`,
    `</section>`,
  ].join("");
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
