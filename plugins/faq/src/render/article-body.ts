/**
 * Article bodies are plain text: blank lines separate paragraphs and single line breaks are
 * kept. Rendering escapes everything, so an article can never carry markup or script into the
 * portal.
 */
import { escapeHTML } from "@goatkit/sdk/guest";

export function articleBodyHTML(body: string): string {
  return body
    .replace(/\r\n?/g, "\n")
    .split(/\n[ \t]*\n+/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== "")
    .map((paragraph) => `<p>${escapeHTML(paragraph).replace(/\n/g, "<br>")}</p>`)
    .join("\n");
}
