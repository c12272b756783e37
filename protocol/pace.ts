/**
 * Where a score stands against a goal at a moment of the goal's period: whether it is reached, the
 * score the pace asks for by now, and whether it is behind pace. Pure, shared by the team objects
 * (GET /v1/goals/progress) and pages that move a goal's score live.
 */

type Direction = "higher" | "lower";

/** Whether a score meets a target: at least it when higher is better, at most it when lower is. */
export function meets(direction: Direction, score: number, target: number): boolean {
  return direction === "higher" ? score >= target : score <= target;
}

/** How far through its period an instant is, 0..1. */
export function elapsedFraction(period: { start: number; end: number }, now: number): number {
  if (period.end <= period.start) return 1;
  return Math.min(1, Math.max(0, (now - period.start) / (period.end - period.start)));
}

/**
 * Behind pace: on a higher-is-better goal, less than the target's share for the elapsed part of the
 * period (half the target half way through); on a lower-is-better goal (handle time), above target.
 */
export function behindPace(direction: Direction, score: number | null, target: number, elapsed: number): boolean {
  if (direction === "lower") return score !== null && score > target;
  return (score ?? 0) < target * elapsed;
}

export interface GoalStanding {
  reached: boolean;
  /** Share of the period gone (0..1, to three places) and the score the pace asks for by now. */
  elapsed: number;
  expected: number;
  behindPace: boolean;
}

/**
 * A goal's standing, `elapsed` (0..1) into its period. `counts`: the score is one to judge by: it
 * only grows (a count, a sum, a maximum, higher being better) or the agent has the metric's minimum
 * volume (one survey is no week's CSAT, one short call no record).
 */
export function goalStanding(goal: { direction: Direction; target: number }, score: number | null, counts: boolean, elapsed: number): GoalStanding {
  const share = Math.min(1, Math.max(0, elapsed));
  return {
    reached: score !== null && counts && meets(goal.direction, score, goal.target),
    elapsed: Math.round(share * 1000) / 1000,
    expected: goal.direction === "higher" ? Math.round(goal.target * share * 100) / 100 : goal.target,
    behindPace: behindPace(goal.direction, score, goal.target, share),
  };
}
