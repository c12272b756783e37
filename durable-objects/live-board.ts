/**
 * One board's live state for its current period: every agent's aggregate and the ranking built
 * from it. Pure: the Durable Object persists entries and hands them in.
 */
import type { Visibility } from "../protocol/index.ts";
import { type Aggregate, type Aggregation, addAdjustment, addSample, emptyAggregate, type Part, scoreOf } from "./aggregation.ts";
import { overlaps, type Span } from "./memberships.ts";
import { type Period, type PeriodKind, type PeriodRule, periodContaining } from "./periods.ts";
import type { ProjectableBoard } from "./projection.ts";
import { type Direction, RankedBoard } from "./ranking.ts";

export interface BoardConfig {
  id: string;
  name: string;
  period: PeriodKind | "contest";
  /** A contest's window, epoch ms (only for `period: "contest"`). */
  contest?: { start: number; end: number };
  /** Absent in configurations stored before they existed: 0 and 1 (Monday). */
  dayStartHour?: number;
  weekStartsOn?: number;
  /** `minVolume` is absent in configurations stored before it existed (= 0). */
  metric: { key: string; label: string; unit: string; aggregation: Aggregation; direction: Direction; minVolume?: number };
  /** The settings in force: the board's own over the org's defaults. */
  visibility: Visibility;
}

/** An agent who belongs to the team at some time: their display name and when they belong to it. */
export interface Member {
  name: string;
  /** When the agent is in the team (past, current and scheduled stints). */
  spans: readonly Span[];
}

export interface ScoreEntry {
  aggregate: Aggregate;
  /** The ingest sequence number at which the agent reached their current score: ties go to the earlier. */
  reachedSeq: number;
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
    return [metric.key, metric.aggregation, metric.direction, period, dayStartHour, weekStartsOn, contest?.start, contest?.end, timeZone].join("|");
  }

  get visibility(): Visibility {
    return this.config.visibility;
  }

  get minVolume(): number {
    return this.config.metric.minVolume ?? 0;
  }

  /** What counts towards the minimum volume: samples, or for a ratio its denominator. */
  volumeOf(entry: ScoreEntry): number {
    return this.config.metric.aggregation === "ratio" ? entry.aggregate.den : entry.aggregate.count;
  }

  nameOf(agentId: string): string {
    return this.members.get(agentId)?.name ?? agentId;
  }

  isOptedOut(agentId: string): boolean {
    return this.optedOut.has(agentId);
  }

  /** Null when the entry has nothing to rank (e.g. every sample was voided). */
  scoreOf(entry: ScoreEntry): number | null {
    return scoreOf(entry.aggregate, this.config.metric.aggregation);
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
  withEvent(previous: ScoreEntry | undefined, event: { kind: "add" | "adjust"; value: number; part: Part; occurredAt: number }, seq: number): ScoreEntry {
    const before = previous?.aggregate ?? emptyAggregate();
    const aggregate = event.kind === "add" ? addSample(before, event.value, event.occurredAt, event.part) : addAdjustment(before, event.value);
    // An agent with no entry yet has no score (null), like one whose samples were all voided.
    const unchanged = scoreOf(before, this.config.metric.aggregation) === scoreOf(aggregate, this.config.metric.aggregation);
    return { aggregate, reachedSeq: unchanged ? (previous?.reachedSeq ?? 0) : seq };
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
