/**
 * A goal as the pages show it: its name, a progress bar, score against target and where it stands
 * (reached, on pace, behind pace). Shared by the live page (the agent's goals, moving with their
 * row) and the recognition page.
 */
import type { GoalProgress } from "../../protocol/index.ts";
import { goalStanding } from "../../protocol/pace.ts";
import { formatNumber as number } from "./i18n.ts";
import { common } from "./messages/common.ts";
import { h } from "./page.ts";

const PERIOD_TEXT: Record<GoalProgress["period"], string> = { day: common.today, week: common.thisWeek, month: common.thisMonth, quarter: common.thisQuarter };

/** Where a goal stands: reached, behind pace or on pace (its text and its class). */
export function goalState(p: GoalProgress): { text: string; class: "reached" | "behind" | "on-pace" } {
  if (p.reached) return { text: common.reached, class: "reached" };
  return p.behindPace ? { text: common.behindPace, class: "behind" } : { text: common.onPace, class: "on-pace" };
}

export const goalName = (p: GoalProgress) => `${p.metricLabel} · ${PERIOD_TEXT[p.period]}`;

/** Score against target: "6 / 10", or "330 (at most 300)" when lower is better. */
export const goalFigures = (p: GoalProgress) => (p.direction === "higher" ? `${number(p.score ?? 0)} / ${number(p.target)}` : `${p.score === null ? "–" : number(p.score)} (${common.atMost(number(p.target))})`);

/** How full the bar is: the share of the target reached; when lower is better, how close to it the score is. */
function share(p: GoalProgress): number {
  if (p.reached || p.target === 0) return p.reached ? 1 : 0;
  const score = p.score ?? 0;
  const part = p.direction === "higher" ? score / p.target : score === 0 ? 0 : p.target / score;
  return Math.min(1, Math.max(0, part));
}

export function goalItem(p: GoalProgress): HTMLLIElement {
  const state = goalState(p);
  return h(
    "li",
    { class: `goal ${state.class}`, "data-testid": "goal", "data-metric": p.metric, "data-state": state.class, "data-score": String(p.score ?? "") },
    h("span", { class: "goal-name" }, goalName(p)),
    h("progress", { max: "1", value: String(share(p)), "aria-label": goalFigures(p) }),
    h("span", { class: "goal-figures", "data-testid": "goal-figures", dir: "ltr" }, goalFigures(p)),
    h("span", { class: "goal-state", "data-testid": "goal-state" }, state.text),
  );
}

/**
 * The goal with a new score (the agent's row moved). Pace stays as the server last worked it out
 * (its working time gone: shift hours, working days), at most a minute old.
 */
export function withScore(p: GoalProgress, score: number | null, counts: boolean): GoalProgress {
  return { ...p, score, ...goalStanding({ direction: p.direction, target: p.target }, score, counts, p.elapsed) };
}

/**
 * How far a goal is from where pace wants it, as a share (negative: behind). Higher is better: the
 * score against what pace asks for by now; lower is better: how far the score is over the target.
 */
export function shortfall(p: GoalProgress): number {
  const score = p.score ?? 0;
  if (p.direction === "lower") return p.target === 0 ? -score : (p.target - score) / p.target;
  return p.expected === 0 ? 0 : (score - p.expected) / p.expected;
}

/** Behind pace first (furthest behind first), then on pace, then reached; by name within each. */
export function paceOrder(a: GoalProgress, b: GoalProgress): number {
  const standing = (p: GoalProgress) => (p.reached ? 2 : p.behindPace ? 0 : 1);
  return standing(a) - standing(b) || shortfall(a) - shortfall(b) || a.agentName.localeCompare(b.agentName);
}
