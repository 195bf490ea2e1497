/**
 * A vega-lite spec to inline SVG, in Node, when the report is written: the page needs no
 * JavaScript and no network to show its charts. Vega numbers clip paths from a process-wide
 * counter, so the ids are renumbered per chart (same report, same bytes; no clash between the
 * page's charts), and the SVG gets its own <title>/<desc> for screen readers.
 */
import type { TopLevelSpec } from "vega-lite";

/**
 * Vega and vega-lite, loaded with the first chart: together they are about 30 MB of a process's
 * memory, which a run needs only for its last step (and `--help` never).
 */
let engines: Promise<[typeof import("vega"), typeof import("vega-lite")]> | undefined;
const chartEngines = () => {
  engines ??= Promise.all([import("vega"), import("vega-lite")]);
  return engines;
};

/** Text for HTML (and SVG) element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

export interface ChartText {
  /** Unique in the page: the prefix of every id inside the SVG. */
  id: string;
  title: string;
  desc: string;
}

export async function renderSvg(spec: TopLevelSpec, text: ChartText): Promise<string> {
  const [vega, { compile }] = await chartEngines();
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return labelSvg(renumberIds(await view.toSVG(), text.id), text);
  } finally {
    view.finalize();
  }
}

/** Every id of the SVG as `<prefix>-<n>` in order of appearance, with its references. */
export function renumberIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/ id="([^"]+)"/g)) {
    if (!ids.has(m[1])) ids.set(m[1], `${prefix}-${ids.size + 1}`);
  }
  if (ids.size === 0) return svg;
  return svg.replace(/( id="|url\(#|href="#)([^")]+)/g, (whole, lead: string, id: string) => {
    const to = ids.get(id);
    return to === undefined ? whole : `${lead}${to}`;
  });
}

/**
 * The root <svg> without its namespace attributes (an inline SVG in HTML needs none, and the page
 * then holds no URL that is not the report's own text), with role, labels, <title> and <desc>.
 */
function labelSvg(svg: string, text: ChartText): string {
  const open = svg.indexOf(">");
  const root = svg
    .slice(0, open)
    .replace(/ xmlns(:xlink)?="[^"]*"/g, "")
    .replace(/^<svg/, `<svg id="${text.id}" role="img" aria-labelledby="${text.id}-title ${text.id}-desc"`);
  const label =
    `<title id="${text.id}-title">${escapeHtml(text.title)}</title>` +
    `<desc id="${text.id}-desc">${escapeHtml(text.desc)}</desc>`;
  return `${root}>${label}${svg.slice(open + 1)}`;
}
