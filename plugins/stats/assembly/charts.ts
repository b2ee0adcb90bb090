/**
 * Inline SVG charts for widgets: no scripts, stylesheets or fonts to load, text in
 * `currentColor` so they follow the dashboard's theme. Every text is escaped, and the markup is
 * well-formed XML (it is embedded in HTML, and tests parse it).
 */
import { escapeHTML } from "@goatkit/sdk/assembly";
import { niceCeiling, oneDecimal } from "./format";

const ACCENT = "#2563eb";
const FONT = `font-family="system-ui, sans-serif" font-size="11" fill="currentColor"`;
const GRID = `stroke="currentColor" stroke-opacity="0.15"`;
/** Category labels longer than this are cut; the bar's tooltip has the whole name. */
const MAX_LABEL_CHARS = 18;

/**
 * Horizontal bars, one per label, with the value at each bar's end, a value axis with ticks, and
 * both axes titled. Each bar is a `<rect class="bar">` with a `<title>` tooltip.
 */
export function barChart(title: string, valueAxis: string, categoryAxis: string, labels: string[], values: i64[]): string {
  const width = 440;
  const barsLeft = 138;
  const barsWidth = 256;
  const top = 34;
  const row = 24;
  const plotBottom = top + labels.length * row;
  const height = plotBottom + 44;
  let largest: i64 = 0;
  for (let i = 0; i < values.length; i++) largest = max(largest, values[i]);
  const scaleMax = niceCeiling(largest);

  let svg = open(title, width, height);
  // Value axis first, so the bars cover its gridlines: ticks at 0, half and the rounded-up maximum.
  const ticks = scaleMax >= 2 && scaleMax % 2 == 0 ? 3 : 2;
  for (let t = 0; t < ticks; t++) {
    const value = scaleMax * t / (ticks - 1);
    const x = oneDecimal(<f64>barsLeft + <f64>barsWidth * <f64>value / <f64>scaleMax);
    svg += `<line x1="${x}" y1="${top}" x2="${x}" y2="${plotBottom + 4}" ${GRID}/>`;
    svg += `<text x="${x}" y="${plotBottom + 17}" text-anchor="middle">${value}</text>`;
  }
  svg += `<line x1="${barsLeft}" y1="${plotBottom + 4}" x2="${barsLeft + barsWidth}" y2="${plotBottom + 4}" stroke="currentColor"/>`;
  for (let i = 0; i < labels.length; i++) {
    const y = top + i * row;
    const barWidth = <f64>barsWidth * <f64>values[i] / <f64>scaleMax;
    const label = escapeHTML(labels[i]);
    svg += `<text x="${barsLeft - 6}" y="${y + 15}" text-anchor="end">${escapeHTML(shorten(labels[i]))}</text>`;
    svg += `<rect class="bar" x="${barsLeft}" y="${y + 4}" width="${oneDecimal(barWidth)}" height="16" rx="2" fill="${ACCENT}">`;
    svg += `<title>${label}: ${values[i]}</title></rect>`;
    svg += `<text x="${oneDecimal(<f64>barsLeft + barWidth + 5)}" y="${y + 15}">${values[i]}</text>`;
  }
  svg += `<text x="${barsLeft + barsWidth / 2}" y="${height - 6}" text-anchor="middle">${escapeHTML(valueAxis)}</text>`;
  svg += `<text transform="translate(12 ${(top + plotBottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHTML(categoryAxis)}</text>`;
  return svg + "</svg>";
}

/**
 * A line over `values` (one point per label, left to right) as a `<polyline class="line">`, a
 * `<circle class="point">` with a tooltip per point, gridlines, first/middle/last labels on the
 * horizontal axis, and both axes titled.
 */
export function lineChart(title: string, xAxis: string, yAxis: string, labels: string[], values: i64[]): string {
  const width = 480;
  const height = 240;
  const left = 52;
  const right = 464;
  const top = 36;
  const bottom = 188;
  let largest: i64 = 0;
  for (let i = 0; i < values.length; i++) largest = max(largest, values[i]);
  const scaleMax = niceCeiling(largest);
  const n = values.length;

  let svg = open(title, width, height);
  const ticks = scaleMax >= 2 && scaleMax % 2 == 0 ? 3 : 2;
  for (let t = 0; t < ticks; t++) {
    const value = scaleMax * t / (ticks - 1);
    const y = oneDecimal(<f64>bottom - <f64>(bottom - top) * <f64>value / <f64>scaleMax);
    svg += `<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" ${GRID}/>`;
    svg += `<text x="${left - 6}" y="${y}" dy="4" text-anchor="end">${value}</text>`;
  }
  svg += `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="currentColor"/>`;

  const xs = new Array<string>(n);
  const ys = new Array<string>(n);
  let points = "";
  for (let i = 0; i < n; i++) {
    const x = n == 1 ? <f64>(left + right) / 2 : <f64>left + <f64>(right - left) * <f64>i / <f64>(n - 1);
    xs[i] = oneDecimal(x);
    ys[i] = oneDecimal(<f64>bottom - <f64>(bottom - top) * <f64>values[i] / <f64>scaleMax);
    points += (i > 0 ? " " : "") + xs[i] + "," + ys[i];
  }
  svg += `<polyline class="line" points="${points}" fill="none" stroke="${ACCENT}" stroke-width="2" stroke-linejoin="round"/>`;
  for (let i = 0; i < n; i++) {
    svg += `<circle class="point" cx="${xs[i]}" cy="${ys[i]}" r="2.5" fill="${ACCENT}"><title>${escapeHTML(labels[i])}: ${values[i]}</title></circle>`;
  }
  // Labels under the first, middle and last points.
  for (let k = 0; k < 3 && n > 0; k++) {
    const i = k == 0 ? 0 : k == 1 ? (n - 1) / 2 : n - 1;
    if ((k == 1 && (i == 0 || i == n - 1)) || (k == 2 && n == 1)) continue;
    const anchor = k == 0 && n > 1 ? "start" : k == 2 ? "end" : "middle";
    svg += `<text x="${xs[i]}" y="${bottom + 16}" text-anchor="${anchor}">${escapeHTML(labels[i])}</text>`;
  }
  svg += `<text x="${(left + right) / 2}" y="${height - 8}" text-anchor="middle">${escapeHTML(xAxis)}</text>`;
  svg += `<text transform="translate(14 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHTML(yAxis)}</text>`;
  return svg + "</svg>";
}

/** The `<svg>` element, its accessible name and its visible title. */
function open(title: string, width: i32, height: i32): string {
  const name = escapeHTML(title);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="gk-chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${name}" ${FONT}>` +
    `<title>${name}</title><text x="0" y="16" font-size="13" font-weight="600">${name}</text>`
  );
}

function shorten(label: string): string {
  return label.length <= MAX_LABEL_CHARS ? label : label.substring(0, MAX_LABEL_CHARS - 1) + "\u2026";
}
