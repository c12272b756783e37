/**
 * Leaderboard periods (shift-day, week, month) in an organisation's IANA time zone.
 *
 * Pure module: no Cloudflare imports, no dependencies. Offsets come from
 * `Intl.DateTimeFormat#formatToParts`; there are no hand-written offset tables.
 *
 * Definitions (all boundaries are local wall-clock times resolved with
 * {@link zonedTimeToUtc}, so they are correct across DST):
 *  - day:   [D dayStartHour:00, D+1 dayStartHour:00)  — 23 or 25 hours on DST days
 *  - week:  starts at dayStartHour on the local `weekStartsOn` day, lasts 7 local days
 *  - month: starts at dayStartHour on the 1st, ends at dayStartHour on the next 1st
 *  - quarter: three months from January, April, July or October
 *
 * Periods are half-open [start, end) in epoch milliseconds.
 */

export type PeriodKind = "day" | "week" | "month" | "quarter";

export interface PeriodRule {
  kind: PeriodKind;
  timeZone: string;
  /** hour a shift-day starts, 0-23, default 0 */
  dayStartHour?: number;
  /** first day of week, 0 = Sunday … 6 = Saturday, default 1 (Monday, ISO) */
  weekStartsOn?: number;
}

/** epoch ms, [start, end). A `contest` is a one-off window set on its board, not computed here. */
export interface Period {
  kind: PeriodKind | "contest";
  start: number;
  end: number;
}

const MS_PER_SECOND = 1_000;
const MS_PER_DAY = 86_400_000;

// ---------------------------------------------------------------------------
// Intl plumbing
// ---------------------------------------------------------------------------

/** Constructing a DateTimeFormat is expensive; keep one per zone for the life of the isolate. */
const formatterCache = new Map<string, Intl.DateTimeFormat>();

/** Throws RangeError for an unknown time zone. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatterCache.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatterCache.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== "string" || timeZone.trim() === "") return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Epoch ms of a proleptic-Gregorian UTC date-time; out-of-range fields normalise like Date.UTC. */
function utcFromFields(y: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const ms = Date.UTC(y, month - 1, day, hour, minute, second);
  if (y >= 0 && y <= 99) {
    // Date.UTC maps two-digit years to 19xx; put the year back.
    const d = new Date(ms);
    d.setUTCFullYear(d.getUTCFullYear() - 1900);
    return d.getTime();
  }
  return ms;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClockAt(timeZone: string, instantMs: number): WallClock {
  const wall: WallClock = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(instantMs)) {
    switch (part.type) {
      case "year":
        wall.year = Number(part.value);
        break;
      case "month":
        wall.month = Number(part.value);
        break;
      case "day":
        wall.day = Number(part.value);
        break;
      case "hour":
        // Some engines historically printed midnight as "24" even in h23.
        wall.hour = Number(part.value) % 24;
        break;
      case "minute":
        wall.minute = Number(part.value);
        break;
      case "second":
        wall.second = Number(part.value);
        break;
      default:
        break;
    }
  }
  return wall;
}

/** The local calendar date (YYYY-MM-DD) of an instant in the zone, and its ISO weekday (1 = Monday … 7 = Sunday). */
export function localDate(timeZone: string, instantMs: number): { date: string; weekday: number } {
  const w = wallClockAt(timeZone, instantMs);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const weekday = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
  return { date: `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`, weekday: weekday === 0 ? 7 : weekday };
}

/** UTC offset (local wall clock minus UTC, in ms, whole seconds) in effect at the instant. */
function offsetAt(timeZone: string, instantMs: number): number {
  const w = wallClockAt(timeZone, instantMs);
  const wallMs = utcFromFields(w.year, w.month, w.day, w.hour, w.minute, w.second);
  const flooredToSecond = Math.floor(instantMs / MS_PER_SECOND) * MS_PER_SECOND;
  return wallMs - flooredToSecond;
}

// ---------------------------------------------------------------------------
// Local wall-clock time -> UTC
// ---------------------------------------------------------------------------

/**
 * The UTC instant of a local wall-clock time in the zone; a time that does not exist
 * (spring-forward gap) resolves to the first instant after the gap; an ambiguous time
 * (fall-back) resolves to the earlier instant.
 *
 * `month` is 1-12. Out-of-range fields normalise like `Date.UTC` (e.g. day 32 rolls
 * into the next month), which callers use for calendar arithmetic.
 */
export function zonedTimeToUtc(
  timeZone: string,
  y: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
): number {
  if (![y, month, day, hour, minute].every(Number.isFinite)) {
    throw new RangeError("zonedTimeToUtc: date-time fields must be finite numbers");
  }
  formatterFor(timeZone); // throws RangeError for an unknown zone
  const wall = utcFromFields(y, month, day, hour, minute, 0);

  // Offsets are within ±14h, so probing a whole day either side brackets every instant
  // whose wall clock could read `wall`, and yields the offsets before/after any transition.
  const before = offsetAt(timeZone, wall - MS_PER_DAY);
  const after = offsetAt(timeZone, wall + MS_PER_DAY);

  // Every offset o with offsetAt(wall - o) === o is a real occurrence of the wall time.
  let earliest: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const candidate = wall - offset;
    if (offsetAt(timeZone, candidate) === offset && (earliest === undefined || candidate < earliest)) {
      earliest = candidate;
    }
  }
  if (earliest !== undefined) return earliest;

  if (after > before) {
    // Spring-forward gap: the wall time was skipped. `wall - after` is still on the old
    // offset, `wall - before` already on the new one; bisect (whole seconds) for the
    // transition instant, which is the first instant after the gap.
    let lo = (wall - after) / MS_PER_SECOND;
    let hi = (wall - before) / MS_PER_SECOND;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(timeZone, mid * MS_PER_SECOND) === before) lo = mid;
      else hi = mid;
    }
    return hi * MS_PER_SECOND;
  }

  // Pathological history (several transitions within two days): fall back to the
  // classic fixed-point iteration t = wall - offset(t) until it converges.
  let guess = wall - after;
  for (let i = 0; i < 8; i++) {
    const next = wall - offsetAt(timeZone, guess);
    if (next === guess) break;
    guess = next;
  }
  return guess;
}

// ---------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------

/** Civil dates are represented as whole days since 1970-01-01 (proleptic Gregorian). */
function civilToDayNumber(y: number, month: number, day: number): number {
  return Math.round(utcFromFields(y, month, day, 0, 0, 0) / MS_PER_DAY);
}

interface CivilDate {
  year: number;
  month: number;
  day: number;
}

function dayNumberToCivil(dayNumber: number): CivilDate {
  const d = new Date(dayNumber * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday. */
function dayOfWeek(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

interface NormalisedRule {
  kind: PeriodKind;
  timeZone: string;
  dayStartHour: number;
  weekStartsOn: number;
}

function normaliseRule(rule: PeriodRule): NormalisedRule {
  const { kind, timeZone } = rule;
  if (kind !== "day" && kind !== "week" && kind !== "month" && kind !== "quarter") {
    throw new RangeError(`Unknown period kind: ${String(kind)}`);
  }
  if (!isValidTimeZone(timeZone)) {
    throw new RangeError(`Invalid time zone: ${String(timeZone)}`);
  }
  const dayStartHour = rule.dayStartHour ?? 0;
  if (!Number.isInteger(dayStartHour) || dayStartHour < 0 || dayStartHour > 23) {
    throw new RangeError(`dayStartHour must be an integer 0-23, got ${dayStartHour}`);
  }
  const weekStartsOn = rule.weekStartsOn ?? 1;
  if (!Number.isInteger(weekStartsOn) || weekStartsOn < 0 || weekStartsOn > 6) {
    throw new RangeError(`weekStartsOn must be an integer 0-6, got ${weekStartsOn}`);
  }
  return { kind, timeZone, dayStartHour, weekStartsOn };
}

/** Instant at which the local shift-day numbered `dayNumber` starts. */
function shiftDayStart(rule: NormalisedRule, dayNumber: number): number {
  const { year, month, day } = dayNumberToCivil(dayNumber);
  return zonedTimeToUtc(rule.timeZone, year, month, day, rule.dayStartHour, 0);
}

interface PeriodSpan {
  /** first shift-day of the period */
  firstDay: number;
  /** first shift-day of the following period */
  nextFirstDay: number;
}

/** The period (as a span of shift-days) containing the given shift-day. */
function spanForShiftDay(rule: NormalisedRule, dayNumber: number): PeriodSpan {
  switch (rule.kind) {
    case "day":
      return { firstDay: dayNumber, nextFirstDay: dayNumber + 1 };
    case "week": {
      const firstDay = dayNumber - ((dayOfWeek(dayNumber) - rule.weekStartsOn + 7) % 7);
      return { firstDay, nextFirstDay: firstDay + 7 };
    }
    case "month": {
      const { year, month } = dayNumberToCivil(dayNumber);
      return { firstDay: civilToDayNumber(year, month, 1), nextFirstDay: civilToDayNumber(year, month + 1, 1) };
    }
    case "quarter": {
      const { year, month } = dayNumberToCivil(dayNumber);
      const first = month - ((month - 1) % 3);
      return { firstDay: civilToDayNumber(year, first, 1), nextFirstDay: civilToDayNumber(year, first + 3, 1) };
    }
  }
}

/**
 * Last period returned per rule. Events arrive in bursts within the same period, so a
 * range check usually answers without touching Intl at all.
 */
const lastPeriodCache = new Map<string, Period>();
const LAST_PERIOD_CACHE_LIMIT = 1_024;

function ruleKey(rule: NormalisedRule): string {
  return `${rule.kind}|${rule.dayStartHour}|${rule.weekStartsOn}|${rule.timeZone}`;
}

/** The period that contains the instant. */
export function periodContaining(rule: PeriodRule, instantMs: number): Period {
  if (!Number.isFinite(instantMs)) {
    throw new RangeError("periodContaining: instant must be a finite number of epoch ms");
  }
  const normalised = normaliseRule(rule);
  const key = ruleKey(normalised);
  const cached = lastPeriodCache.get(key);
  if (cached !== undefined && cached.start <= instantMs && instantMs < cached.end) {
    return { kind: cached.kind, start: cached.start, end: cached.end };
  }

  // First guess from the wall clock: before dayStartHour we are still in yesterday's shift.
  const wall = wallClockAt(normalised.timeZone, instantMs);
  let dayNumber = civilToDayNumber(wall.year, wall.month, wall.day);
  if (wall.hour < normalised.dayStartHour) dayNumber -= 1;

  // The wall-clock guess can be off by a day around unusual transitions (e.g. a fall-back
  // that repeats the day-start hour only partially, or a skipped calendar day). The
  // resolved boundary instants are authoritative, so step until the instant is inside.
  for (let attempt = 0; attempt < 8; attempt++) {
    const span = spanForShiftDay(normalised, dayNumber);
    const start = shiftDayStart(normalised, span.firstDay);
    if (instantMs < start) {
      dayNumber = span.firstDay - 1;
      continue;
    }
    const end = shiftDayStart(normalised, span.nextFirstDay);
    if (instantMs >= end) {
      dayNumber = span.nextFirstDay;
      continue;
    }
    const period: Period = { kind: normalised.kind, start, end };
    if (lastPeriodCache.size >= LAST_PERIOD_CACHE_LIMIT) lastPeriodCache.clear();
    lastPeriodCache.set(key, period);
    return { kind: period.kind, start, end };
  }
  throw new Error(`periodContaining: could not locate the ${rule.kind} containing ${instantMs} in ${rule.timeZone}`);
}

/** The period after the given one (start = previous end). */
export function nextPeriod(rule: PeriodRule, period: Period): Period {
  if (period.kind !== rule.kind) {
    throw new RangeError(`nextPeriod: period kind "${period.kind}" does not match rule kind "${rule.kind}"`);
  }
  return periodContaining(rule, period.end);
}
