/**
 * A bar chart drawn as inline SVG, with the same values in a table that screen readers read
 * (visually hidden). In a right-to-left page time runs from right to left, like the text; the
 * labels are never mirrored, so they stay readable.
 */
import type { PeriodWindow } from "../../../protocol/index.ts";
import { direction, formatDateTime } from "../i18n.ts";
import { m } from "../messages/dashboard.ts";
import { describePeriod } from "../format.ts";
import { h } from "../page.ts";

export interface ChartPoint {
  /** Under the bar: short ("12 Jun"). */
  label: string;
  /** In the table: the whole period ("Wednesday 12 June"). */
  longLabel: string;
  value: number | null;
  /** The period still running: its bar is marked "so far". */
  current: boolean;
  /** An extra column in the table (e.g. the agent's rank then). */
  extra?: string;
}

export interface ChartOptions {
  /** Names the chart (its `aria-label` and the table's caption). */
  title: string;
  points: readonly ChartPoint[];
  format: (value: number) => string;
  /** The extra column's heading, when the points have one. */
  extraHeading?: string;
  testId: string;
}

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 240;
const TOP = 26;
const BOTTOM = 46;
const SIDE = 12;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/** Oldest first; `current` last. */
export function barChart(options: ChartOptions): HTMLElement {
  const { points, format } = options;
  const values = points.flatMap((p) => (p.value === null ? [] : [p.value]));
  const top = Math.max(0, ...values) || 1;
  const bottom = Math.min(0, ...values);
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const y = (v: number) => TOP + ((top - v) / (top - bottom)) * plotHeight;
  const slot = (WIDTH - 2 * SIDE) / Math.max(1, points.length);
  const barWidth = Math.min(64, slot * 0.62);
  const centre = (i: number) => SIDE + slot * ((direction === "rtl" ? points.length - 1 - i : i) + 0.5);

  const bars = points.map((p, i) => {
    const x = centre(i);
    const group = svg("g", { class: `bar${p.current ? " current" : ""}`, "data-testid": `${options.testId}-bar`, "data-current": String(p.current), "data-value": p.value === null ? "" : String(p.value) });
    if (p.value !== null) {
      const [from, to] = [y(Math.max(0, p.value)), y(Math.min(0, p.value))];
      group.append(svg("rect", { x: x - barWidth / 2, y: from, width: barWidth, height: Math.max(1, to - from), rx: 3 }));
      group.append(svg("text", { x, y: from - 6, class: "value", "text-anchor": "middle" }, format(p.value)));
    } else {
      group.append(svg("text", { x, y: y(0) - 6, class: "value none", "text-anchor": "middle" }, "–"));
    }
    group.append(svg("text", { x, y: HEIGHT - BOTTOM + 18, class: "label", "text-anchor": "middle" }, p.label));
    if (p.current) group.append(svg("text", { x, y: HEIGHT - BOTTOM + 36, class: "label so-far", "text-anchor": "middle" }, m.soFar));
    return group;
  });

  const picture = svg(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": m.chartLabel(options.title, points.length), class: "chart", preserveAspectRatio: "xMidYMid meet" },
    svg("line", { x1: SIDE, x2: WIDTH - SIDE, y1: y(0), y2: y(0), class: "axis" }),
    ...bars,
  );

  const table = h(
    "table",
    { class: "visually-hidden", "data-testid": `${options.testId}-table` },
    h("caption", {}, options.title),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, m.period), h("th", { scope: "col" }, m.value), ...(options.extraHeading ? [h("th", { scope: "col" }, options.extraHeading)] : []))),
    h(
      "tbody",
      {},
      ...points.map((p) =>
        h(
          "tr",
          { "data-current": String(p.current) },
          h("th", { scope: "row" }, p.current ? `${p.longLabel} (${m.soFar})` : p.longLabel),
          h("td", {}, p.value === null ? "–" : format(p.value)),
          ...(options.extraHeading ? [h("td", {}, p.extra ?? "–")] : []),
        ),
      ),
    ),
  );
  return h("figure", { class: "chart-figure", "data-testid": options.testId }, picture, table);
}

/** A period's short name under its bar, in the org's time zone. */
export function shortPeriod(period: PeriodWindow, timeZone: string): string {
  switch (period.kind) {
    case "day":
      return formatDateTime(period.start, { weekday: "short", day: "numeric", month: "short" }, timeZone);
    case "week":
      return formatDateTime(period.start, { day: "numeric", month: "short" }, timeZone);
    case "contest":
      return formatDateTime(period.start, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }, timeZone);
    case "month":
    case "quarter":
      return formatDateTime(period.start, { month: "short", year: "numeric" }, timeZone);
  }
}

export const longPeriod = describePeriod;
