/** How scores and periods read on the pages: in the viewer's locale, periods in the org's zone. */
import type { PeriodWindow } from "../../protocol/index.ts";

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** Seconds as m:ss (h:mm:ss from an hour), currencies by their ISO code, anything else as a number and its unit. */
export function formatScore(score: number, unit: string): string {
  if (unit === "s" || unit === "ms") return formatDuration(unit === "ms" ? score / 1000 : score);
  if (/^[A-Z]{3}$/.test(unit)) {
    try {
      const digits = Number.isInteger(score) ? 0 : 2;
      return new Intl.NumberFormat(undefined, { style: "currency", currency: unit, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(score);
    } catch {
      // Not a currency Intl knows: shown as a plain unit below.
    }
  }
  const value = numberFormat.format(score);
  if (!unit) return value;
  return unit.startsWith("/") || unit === "%" ? `${value}${unit}` : `${value} ${unit}`;
}

function formatDuration(totalSeconds: number): string {
  const rounded = Math.round(totalSeconds);
  const hours = Math.floor(rounded / 3600);
  const minutes = Math.floor((rounded % 3600) / 60);
  const seconds = String(rounded % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/** Periods run in the org's time zone (from the board header), whatever the viewer's own. */
export function describePeriod(period: PeriodWindow, timeZone: string): string {
  const first = new Date(period.start);
  const last = new Date(Date.parse(period.end) - 1);
  switch (period.kind) {
    case "day":
      return first.toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long", timeZone });
    case "week": {
      const format = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", timeZone });
      return `Week of ${format.formatRange(first, last)}`;
    }
    case "month":
      return first.toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone });
    case "quarter": {
      const format = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric", timeZone });
      return `Quarter ${format.formatRange(first, last)}`;
    }
    case "contest": {
      const format = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone });
      const range = `Contest ${format.formatRange(first, new Date(period.end))}`;
      return Date.now() >= Date.parse(period.end) ? `${range} · final standings` : range;
    }
  }
}
