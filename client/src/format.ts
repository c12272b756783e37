/** How scores and periods read on the pages: in the viewer's locale, periods in the org's zone. */
import type { PeriodWindow } from "../../protocol/index.ts";
import { formatNumber, locale } from "./i18n.ts";
import { common } from "./messages/common.ts";

/** Seconds as m:ss (h:mm:ss from an hour), currencies by their ISO code, anything else as a number and its unit. */
export function formatScore(score: number, unit: string): string {
  if (unit === "s" || unit === "ms") return formatDuration(unit === "ms" ? score / 1000 : score);
  if (/^[A-Z]{3}$/.test(unit)) {
    try {
      const digits = Number.isInteger(score) ? 0 : 2;
      return new Intl.NumberFormat(locale, { style: "currency", currency: unit, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(score);
    } catch {
      // Not a currency Intl knows: shown as a plain unit below.
    }
  }
  const value = formatNumber(score);
  if (!unit) return value;
  return unit.startsWith("/") || unit === "%" ? `${value}${unit}` : `${value} ${unit}`;
}

const twoDigits = new Intl.NumberFormat(locale, { minimumIntegerDigits: 2, useGrouping: false });

function formatDuration(totalSeconds: number): string {
  const rounded = Math.round(totalSeconds);
  const hours = Math.floor(rounded / 3600);
  const minutes = Math.floor((rounded % 3600) / 60);
  const two = (n: number) => twoDigits.format(n);
  const seconds = two(rounded % 60);
  return hours > 0 ? `${formatNumber(hours)}:${two(minutes)}:${seconds}` : `${formatNumber(minutes)}:${seconds}`;
}

/** Periods run in the org's time zone (from the board header), whatever the viewer's own. */
export function describePeriod(period: PeriodWindow, timeZone: string): string {
  const first = new Date(period.start);
  const last = new Date(Date.parse(period.end) - 1);
  switch (period.kind) {
    case "day":
      return first.toLocaleDateString(locale, { weekday: "long", day: "numeric", month: "long", timeZone });
    case "week": {
      const format = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone });
      return common.weekOf(format.formatRange(first, last));
    }
    case "month":
      return first.toLocaleDateString(locale, { month: "long", year: "numeric", timeZone });
    case "quarter": {
      const format = new Intl.DateTimeFormat(locale, { month: "short", year: "numeric", timeZone });
      return common.quarter(format.formatRange(first, last));
    }
    case "contest": {
      const format = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone });
      const range = common.contest(format.formatRange(first, new Date(period.end)));
      return Date.now() >= Date.parse(period.end) ? `${range} · ${common.finalStandings}` : range;
    }
  }
}
