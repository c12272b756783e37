/**
 * One board's live state for its current period: every agent's aggregate and the ranking built
 * from it. Pure: the Durable Object persists entries and hands them in.
 */
import type { ScoreExplanation, Visibility } from "../protocol/index.ts";
import {
  type Aggregate,
  type AggregateJson,
  type Aggregation,
  addAdjustment,
  addSample,
  aggregateFromJson,
  aggregateToJson,
  emptyAggregate,
  mergeAggregates,
  type Part,
  scoreOf,
} from "./aggregation.ts";
import { overlaps, type Span } from "./memberships.ts";
import { type Period, type PeriodKind, type PeriodRule, periodContaining } from "./periods.ts";
import type { ProjectableBoard } from "./projection.ts";
import { type Direction, RankedBoard } from "./ranking.ts";
import { explainScorecard, SCORECARD_FORMULA, type Scorecard, scorecardScore, scorecardVolume, volumeOf } from "./scorecard.ts";

export interface BoardConfig {
  id: string;
  name: string;
  period: PeriodKind | "contest";
  /** A contest's window, epoch ms (only for `period: "contest"`). */
  contest?: { start: number; end: number };
  /** Absent in configurations stored before they existed: 0 and 1 (Monday). */
  dayStartHour?: number;
  weekStartsOn?: number;
  /**
   * `minVolume` is absent in configurations stored before it existed (= 0). A scorecard blends
   * the metrics it names (`aggregation: "scorecard"`, always `higher`).
   */
  metric: { key: string; label: string; unit: string; aggregation: Aggregation | "scorecard"; direction: Direction; minVolume?: number; scorecard?: Scorecard };
  /** The settings in force: the board's own over the org's defaults. */
  visibility: Visibility;
  /** A roll-up: over a department's teams or the whole org, ranking agents, teams or departments. */
  rollup?: { scope: "department" | "org"; departmentId: string | null; ranks: "agents" | "teams" | "departments"; teamScore: "total" | "average" };
}

/** An agent who belongs to the team at some time: their display name and when they belong to it. */
export interface Member {
  name: string;
  /** When the agent is in the team (past, current and scheduled stints). */
  spans: readonly Span[];
}

export interface ScoreEntry {
  /** The metric's aggregate (empty on a scorecard). */
  aggregate: Aggregate;
  /** A scorecard's: each component metric's aggregate. */
  parts?: ReadonlyMap<string, Aggregate>;
  /** The ingest sequence number at which the agent reached their current score: ties go to the earlier. */
  reachedSeq: number;
}

/** A scorecard's parts as JSON (component metric -> aggregate), infinities as null. */
export function partsToJson(parts: ReadonlyMap<string, Aggregate>): string {
  return JSON.stringify(Object.fromEntries([...parts].map(([k, a]) => [k, aggregateToJson(a)])));
}

export function partsFromJson(text: string): Map<string, Aggregate> {
  return new Map(Object.entries(JSON.parse(text) as Record<string, AggregateJson>).map(([k, a]) => [k, aggregateFromJson(a)]));
}

/** An entry as JSON, as roll-ups store them. */
export function entryToJson(entry: ScoreEntry): string {
  return JSON.stringify([aggregateToJson(entry.aggregate), entry.reachedSeq, entry.parts ? partsToJson(entry.parts) : null]);
}

export function entryFromJson(text: string): ScoreEntry {
  const [aggregate, reachedSeq, parts] = JSON.parse(text) as [AggregateJson, number, string | null];
  return { aggregate: aggregateFromJson(aggregate), reachedSeq, ...(parts === null ? {} : { parts: partsFromJson(parts) }) };
}

/** One agent's entries from two places as one (scores of the merged samples; reached when the later one was). */
export function mergeEntries(a: ScoreEntry, b: ScoreEntry): ScoreEntry {
  let parts: Map<string, Aggregate> | undefined;
  if (a.parts || b.parts) {
    parts = new Map(a.parts);
    for (const [key, aggregate] of b.parts ?? []) parts.set(key, mergeAggregates(parts.get(key) ?? emptyAggregate(), aggregate));
  }
  return { aggregate: mergeAggregates(a.aggregate, b.aggregate), reachedSeq: Math.max(a.reachedSeq, b.reachedSeq), ...(parts ? { parts } : {}) };
}

export class LiveBoard implements ProjectableBoard {
  readonly ranking: RankedBoard;
  readonly entries = new Map<string, ScoreEntry>();
  /** Members with a score but below the metric's minimum volume: agent -> volume so far. */
  readonly qualifying = new Map<string, number>();
  /** Ranks each agent moved at the latest update (positive: up). */
  movement = new Map<string, number>();
  #published = new Map<string, number>();
  /** Final ranks in the previous period, set by the owner when a period starts. */
  previousRanks = new Map<string, number>();
  readonly timeZone: string;
  /** What the board ranks, for anonymous labels: agents, or a roll-up's teams or departments. */
  memberNoun = "Agent";
  /** How periods are computed; null for a contest, whose one window is set on the board. */
  readonly #rule: PeriodRule | null;
  period: Period;

  constructor(
    readonly config: BoardConfig,
    timeZone: string,
    now: number,
    /**
     * The team's members: an agent ranks in a period that one of their spans in the team overlaps
     * (a mover stays on the old team's board until the period ends). Others are kept but not ranked.
     */
    private readonly members: ReadonlyMap<string, Member>,
    /** Members who asked not to be named to colleagues and wallboards. */
    private readonly optedOut: ReadonlySet<string> = new Set(),
  ) {
    this.ranking = new RankedBoard(config.metric.direction);
    this.timeZone = timeZone;
    this.#rule =
      config.period === "contest" ? null : { kind: config.period, timeZone, dayStartHour: config.dayStartHour ?? 0, weekStartsOn: config.weekStartsOn ?? 1 };
    this.period = this.periodAt(now);
  }

  /** Boards whose definition changes must be rebuilt from events; a rename need not. */
  static signature(config: BoardConfig, timeZone: string): string {
    const { metric, period, dayStartHour = 0, weekStartsOn = 1, contest } = config;
    // A scorecard's stored parts depend on which metrics it blends, not on weights and targets.
    const parts = metric.scorecard?.components.map((c) => `${c.key}:${c.aggregation}`).join(",");
    return [metric.key, metric.aggregation, metric.direction, period, dayStartHour, weekStartsOn, contest?.start, contest?.end, timeZone, parts].join("|");
  }

  /** How the board's periods are computed; null for a contest. */
  get periodRule(): PeriodRule | null {
    return this.#rule;
  }

  get visibility(): Visibility {
    return this.config.visibility;
  }

  get minVolume(): number {
    const card = this.config.metric.scorecard;
    return card ? card.components.reduce((sum, c) => sum + c.minVolume, 0) : (this.config.metric.minVolume ?? 0);
  }

  /** The metrics whose events count on this board: its metric, or a scorecard's components. */
  get metricKeys(): string[] {
    return this.config.metric.scorecard?.components.map((c) => c.key) ?? [this.config.metric.key];
  }

  /** What counts towards the minimum volume: samples, or for a ratio its denominator; a scorecard's components' up to each minimum. */
  volumeOf(entry: ScoreEntry): number {
    const { scorecard, aggregation } = this.config.metric;
    if (scorecard) return scorecardVolume(scorecard, entry.parts ?? new Map()).volume;
    return volumeOf(entry.aggregate, aggregation as Aggregation);
  }

  nameOf(agentId: string): string {
    return this.members.get(agentId)?.name ?? agentId;
  }

  isOptedOut(agentId: string): boolean {
    return this.optedOut.has(agentId);
  }

  /** Null when the entry has nothing to rank (e.g. every sample was voided). */
  scoreOf(entry: ScoreEntry): number | null {
    return this.scoreOfParts(entry.parts ?? new Map(), entry.aggregate);
  }

  /** The score of a scorecard's parts, or of the metric's aggregate. */
  scoreOfParts(parts: ReadonlyMap<string, Aggregate>, aggregate: Aggregate = emptyAggregate()): number | null {
    const { scorecard, aggregation } = this.config.metric;
    return scorecard ? scorecardScore(scorecard, parts) : scoreOf(aggregate, aggregation as Aggregation);
  }

  /** The period of this board that an instant falls in. */
  periodAt(instant: number): Period {
    if (!this.#rule) return { kind: "contest", start: this.config.contest?.start ?? 0, end: this.config.contest?.end ?? 0 };
    return this.period?.start <= instant && instant < this.period.end ? this.period : periodContaining(this.#rule, instant);
  }

  /** Whether an event at this instant counts on the board at all: a contest counts only its window. */
  counts(instant: number): boolean {
    return this.#rule !== null || (this.period.start <= instant && instant < this.period.end);
  }

  /** The period to start once the current one has ended, or null for a contest, which keeps its final standings. */
  periodAfter(now: number): Period | null {
    return this.#rule ? periodContaining(this.#rule, now) : null;
  }


  /** The entry after a sample (`add`) or a signed delta (`adjust`); corrections are folded instead. */
  withEvent(
    previous: ScoreEntry | undefined,
    event: { metric: string; kind: "add" | "adjust"; value: number; part: Part; occurredAt: number },
    seq: number,
  ): ScoreEntry {
    const apply = (before: Aggregate) =>
      event.kind === "add" ? addSample(before, event.value, event.occurredAt, event.part) : addAdjustment(before, event.value);
    let next: ScoreEntry;
    if (this.config.metric.scorecard) {
      const parts = new Map(previous?.parts);
      parts.set(event.metric, apply(parts.get(event.metric) ?? emptyAggregate()));
      next = { aggregate: emptyAggregate(), parts, reachedSeq: seq };
    } else {
      next = { aggregate: apply(previous?.aggregate ?? emptyAggregate()), reachedSeq: seq };
    }
    // An agent with no entry yet has no score (null), like one whose samples were all voided.
    const unchanged = (previous ? this.scoreOf(previous) : null) === this.scoreOf(next);
    return unchanged ? { ...next, reachedSeq: previous?.reachedSeq ?? 0 } : next;
  }

  /** Why the agent has their score: a scorecard's components (value, target, attainment, points), or the metric's value. */
  explain(agentId: string): ScoreExplanation {
    const entry = this.entries.get(agentId);
    const { metric } = this.config;
    const volume = entry ? this.volumeOf(entry) : 0;
    let score: number | null;
    let components: ScoreExplanation["components"];
    if (metric.scorecard) {
      const explained = explainScorecard(metric.scorecard, entry?.parts ?? new Map());
      score = entry ? explained.score : null;
      components = explained.components;
    } else {
      score = entry ? this.scoreOf(entry) : null;
      components = [{ metric: metric.key, label: metric.label, unit: metric.unit, direction: metric.direction, value: score, volume, minVolume: this.minVolume }];
    }
    return {
      board: this.config.id,
      agent: { id: agentId, name: this.nameOf(agentId) },
      period: { kind: this.period.kind, start: new Date(this.period.start).toISOString(), end: new Date(this.period.end).toISOString() },
      rank: this.ranking.rankOf(agentId) ?? null,
      score,
      qualified: score !== null && volume >= this.minVolume,
      volume,
      required: this.minVolume,
      formula: metric.scorecard ? SCORECARD_FORMULA : `${metric.aggregation} of ${metric.key}`,
      components,
    };
  }

  put(agentId: string, entry: ScoreEntry): void {
    this.entries.set(agentId, entry);
    const score = this.scoreOf(entry);
    const volume = this.volumeOf(entry);
    if (score === null || !this.#belongs(agentId)) {
      this.ranking.delete(agentId);
      this.qualifying.delete(agentId);
    } else if (volume < this.minVolume) {
      this.ranking.delete(agentId);
      this.qualifying.set(agentId, volume);
    } else {
      this.qualifying.delete(agentId);
      this.ranking.set(agentId, score, entry.reachedSeq);
    }
  }

  /** Whether the agent is in the team at some time in the current period. */
  #belongs(agentId: string): boolean {
    const member = this.members.get(agentId);
    return member !== undefined && overlaps(member.spans, this.period.start, this.period.end);
  }

  /** The agent has no entry any more (their work moved or was retracted elsewhere). */
  remove(agentId: string): void {
    this.entries.delete(agentId);
    this.ranking.delete(agentId);
    this.qualifying.delete(agentId);
  }

  /** Starts a period afresh with the entries already recorded for it. */
  reset(period: Period, entries: Iterable<[string, ScoreEntry]>): void {
    this.period = period;
    this.entries.clear();
    this.ranking.clear();
    this.qualifying.clear();
    this.movement = new Map();
    this.#published = new Map();
    for (const [agentId, entry] of entries) this.put(agentId, entry);
  }

  /** Current ranks by agent. */
  ranks(): Map<string, number> {
    return new Map(this.ranking.entries().map((s) => [s.member, s.rank]));
  }

  /**
   * Publishes the current ranks: `movement` becomes how far each agent moved since the ranks last
   * published (the previous update). One O(n) pass, so the owner calls it once per board update.
   */
  publish(): void {
    const current = this.ranks();
    this.movement = new Map();
    for (const [agent, rank] of current) {
      const was = this.#published.get(agent);
      if (was !== undefined && was !== rank) this.movement.set(agent, was - rank);
    }
    this.#published = current;
  }

}
