/**
 * Recognition rules as a team's object applies them: points from events, goals and their pace,
 * streaks over working days, and who climbed most. Pure: no storage, no Cloudflare.
 */
import type { BadgeRule, RecognitionPeriod } from "../protocol/index.ts";
import type { Direction } from "./ranking.ts";
import { elapsedFraction } from "../protocol/pace.ts";
import { localDate, type PeriodRule, periodContaining, zonedTimeToUtc } from "./periods.ts";

export interface BadgeDef {
  id: string;
  name: string;
  icon: string;
  points: number;
  rule: BadgeRule;
}

export interface GoalDef {
  id: string;
  metric: string;
  period: RecognitionPeriod;
  target: number;
  agentId: string | null;
  teamId: string | null;
}

export interface PointRuleDef {
  id: string;
  metric: string;
  points: number;
  per: "event" | "unit";
  min: number | null;
  max: number | null;
}

/** What a team's object needs to recognise its agents (its team's goals and its agents' own). */
export interface RecognitionConfig {
  badges: BadgeDef[];
  goals: GoalDef[];
  pointRules: PointRuleDef[];
  /** ISO weekdays (1 = Monday) streaks and pace count; dates (YYYY-MM-DD) they skip. */
  workingDays: number[];
  holidays: string[];
  /** The team's shift, minutes after midnight in the org's zone (end < start: past midnight); null: the whole day. */
  shift?: { start: number; end: number } | null;
}

export const EMPTY_RECOGNITION: RecognitionConfig = { badges: [], goals: [], pointRules: [], workingDays: [1, 2, 3, 4, 5], holidays: [], shift: null };

/** Points an event's value earns by a rule: 0 outside the rule's range; per unit, rounded. */
export function rulePoints(rule: PointRuleDef, value: number): number {
  if ((rule.min !== null && value < rule.min) || (rule.max !== null && value > rule.max)) return 0;
  return rule.per === "event" ? rule.points : Math.round(rule.points * value);
}

/**
 * Points an event earns by a rule: a sample (`add`) by its value; a delta (`adjust`) only by a
 * per-unit rule (it is no event of its own); nothing once voided (`value` null).
 */
export function eventPoints(rule: PointRuleDef, kind: "add" | "adjust", value: number | null): number {
  if (value === null) return 0;
  if (kind === "add") return rulePoints(rule, value);
  return rule.per === "unit" ? Math.round(rule.points * value) : 0;
}

/** The goal that applies to an agent for a metric and period: their own, else their team's. */
export function goalFor(config: RecognitionConfig, agentId: string, metric: string, period: string): GoalDef | undefined {
  const matching = config.goals.filter((g) => g.metric === metric && g.period === period);
  return matching.find((g) => g.agentId === agentId) ?? matching.find((g) => g.agentId === null);
}

/** Whether the day starting at `dayStart` is a working day in the org's zone. */
export function isWorkingDay(config: Calendar, timeZone: string, dayStart: number): boolean {
  const { date, weekday } = localDate(timeZone, dayStart);
  return config.workingDays.includes(weekday) && !config.holidays.includes(date);
}

type Calendar = Pick<RecognitionConfig, "workingDays" | "holidays">;

/**
 * How much of a period's working time has gone by `now`, 0..1: the team's shift hours (the whole
 * day without one) on working days that are not holidays, in the org's zone. A period with no
 * working time (a day goal on a Sunday) goes by the clock.
 */
export function workingElapsed(period: { start: number; end: number }, now: number, config: Calendar & Pick<RecognitionConfig, "shift">, timeZone: string): number {
  const [y, m, d] = localDate(timeZone, period.start).date.split("-").map(Number) as [number, number, number];
  const shift = config.shift ?? null;
  const until = Math.min(Math.max(now, period.start), period.end);
  let total = 0;
  let gone = 0;
  // From the day before the period's first (a shift past midnight reaches into it).
  for (let i = -1; ; i++) {
    const dayStart = zonedTimeToUtc(timeZone, y, m, d + i);
    if (dayStart >= period.end) break;
    if (!isWorkingDay(config, timeZone, dayStart)) continue;
    const from = shift ? zonedTimeToUtc(timeZone, y, m, d + i, Math.floor(shift.start / 60), shift.start % 60) : dayStart;
    const to = shift
      ? zonedTimeToUtc(timeZone, y, m, d + i + (shift.end > shift.start ? 0 : 1), Math.floor(shift.end / 60), shift.end % 60)
      : zonedTimeToUtc(timeZone, y, m, d + i + 1);
    const start = Math.max(from, period.start);
    const end = Math.min(to, period.end);
    if (end <= start) continue;
    total += end - start;
    gone += Math.max(0, Math.min(end, until) - start);
  }
  return total === 0 ? elapsedFraction(period, now) : gone / total;
}

/**
 * The start of the last working day before the day starting at `dayStart` (null after a month of
 * none). Days are the board's: `day` carries its zone and the hour its shift-days start.
 */
export function previousWorkingDay(config: Calendar, day: PeriodRule, dayStart: number): number | null {
  let start = dayStart;
  for (let step = 0; step < 31; step++) {
    start = periodContaining(day, start - 1).start;
    if (isWorkingDay(config, day.timeZone, start)) return start;
  }
  return null;
}

/**
 * How many working days in a row, ending with `today`, are in `met`: non-working days and holidays
 * between them are skipped, not breaks. A goal met on a non-working day counts on its own day only.
 */
export function streakLength(met: ReadonlySet<number>, today: number, config: Calendar, day: PeriodRule): number {
  let length = 0;
  let start: number | null = today;
  while (start !== null && met.has(start)) {
    length++;
    start = previousWorkingDay(config, day, start);
  }
  return length;
}

/** The agents who climbed most from their previous final rank to this one (ties all count), or none when nobody climbed. */
export function biggestClimbers(previous: ReadonlyMap<string, number>, final: ReadonlyMap<string, number>): { agents: string[]; places: number } | null {
  let best = 0;
  let agents: string[] = [];
  for (const [agent, rank] of final) {
    const before = previous.get(agent);
    if (before === undefined) continue;
    const climb = before - rank;
    if (climb > best) (best = climb), (agents = [agent]);
    else if (climb === best && climb > 0) agents.push(agent);
  }
  return best > 0 ? { agents: agents.sort(), places: best } : null;
}
