/**
 * Scorecards: a board that ranks a weighted blend of metrics, each measured against its target.
 *
 *   attainment(c) = clamp(0, cap, higher ? 100 × value ÷ target : 100 × target ÷ value)   (percent)
 *   points(c)     = attainment(c) × weight(c) ÷ Σ weights
 *   score         = Σ points(c)                                                           (0 … cap)
 *
 * A `lower` component at 0 (no handle time at all) attains the cap. A component the agent has no
 * value for yet attains 0: a blend cannot be topped by doing only the easy part. The score is
 * rounded to 1/10,000 of a point so that equal blends tie instead of differing in float noise.
 * An agent is ranked once every component has its metric's minimum volume. Pure.
 */
import { type Aggregate, type Aggregation, scoreOf } from "./aggregation.ts";
import type { Direction } from "./ranking.ts";

export interface ScorecardComponent {
  key: string;
  label: string;
  unit: string;
  aggregation: Aggregation;
  direction: Direction;
  minVolume: number;
  weight: number;
  target: number;
}

export interface Scorecard {
  components: ScorecardComponent[];
  /** The most a component can attain, percent of target (120: up to 20% over target counts). */
  cap: number;
}

export interface ComponentExplanation {
  metric: string;
  label: string;
  unit: string;
  direction: Direction;
  /** The agent's score on the metric this period; null when they have none yet. */
  value: number | null;
  /** Scorecards only: the target, the weight, percent of target (capped), and what the component adds to the score (attainment × weight ÷ Σ weights). */
  target?: number;
  weight?: number;
  attainment?: number;
  points?: number;
  /** Samples so far (a ratio: its denominator), and the metric's minimum volume. */
  volume: number;
  minVolume: number;
}

/** Component metric key -> that metric's aggregate for the agent in the period. */
export type Parts = ReadonlyMap<string, Aggregate>;

const PRECISION = 10_000;

export const SCORECARD_FORMULA =
  "score = Σ attainment × weight ÷ Σ weights; attainment = 100 × value ÷ target (higher is better) or 100 × target ÷ value (lower is better), between 0 and the cap; a component without a value attains 0";

export function attainment(component: ScorecardComponent, value: number | null, cap: number): number {
  if (value === null) return 0;
  const raw =
    component.direction === "higher" ? (100 * value) / component.target : value > 0 ? (100 * component.target) / value : cap;
  return Math.min(cap, Math.max(0, raw));
}

export function explainScorecard(card: Scorecard, parts: Parts): { score: number | null; components: Required<ComponentExplanation>[] } {
  const weights = card.components.reduce((sum, c) => sum + c.weight, 0);
  let any = false;
  let score = 0;
  const components = card.components.map((c) => {
    const aggregate = parts.get(c.key);
    const value = aggregate ? scoreOf(aggregate, c.aggregation) : null;
    if (value !== null) any = true;
    const attained = attainment(c, value, card.cap);
    const points = (attained * c.weight) / weights;
    score += points;
    return {
      metric: c.key,
      label: c.label,
      unit: c.unit,
      direction: c.direction,
      value,
      target: c.target,
      weight: c.weight,
      attainment: attained,
      points,
      volume: aggregate ? volumeOf(aggregate, c.aggregation) : 0,
      minVolume: c.minVolume,
    };
  });
  return { score: any ? Math.round(score * PRECISION) / PRECISION : null, components };
}

/** The blended score, or null when the agent has no value on any component. */
export function scorecardScore(card: Scorecard, parts: Parts): number | null {
  return explainScorecard(card, parts).score;
}

/** What counts towards a metric's minimum volume: samples, or for a ratio its denominator. */
export function volumeOf(aggregate: Aggregate, aggregation: Aggregation): number {
  return aggregation === "ratio" ? aggregate.den : aggregate.count;
}

/**
 * Progress towards qualifying on every component: the volume that counts (each component's up to
 * its minimum) and the total required. Qualified exactly when the two are equal.
 */
export function scorecardVolume(card: Scorecard, parts: Parts): { volume: number; required: number } {
  let volume = 0;
  let required = 0;
  for (const c of card.components) {
    const aggregate = parts.get(c.key);
    volume += Math.min(c.minVolume, aggregate ? volumeOf(aggregate, c.aggregation) : 0);
    required += c.minVolume;
  }
  return { volume, required };
}
