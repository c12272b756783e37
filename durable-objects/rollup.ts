/**
 * A roll-up board's standings, made from the entries its teams report: a department-wide or
 * org-wide board of agents (an agent's entries from every team they counted in, merged), or a board
 * of teams or departments, each scored as the total or the average of its agents' scores. Pure.
 *
 * A team's (department's) score:
 *   total   = Σ score(agent)                       over its agents with a score
 *   average = Σ score(agent) ÷ number of agents    over its agents with a score and the metric's minimum volume
 * where an agent's score is the metric's score of their entries in that team (department), merged.
 */
import { emptyAggregate } from "./aggregation.ts";
import { type BoardConfig, LiveBoard, type Member, mergeEntries, type ScoreEntry } from "./live-board.ts";
import type { Span } from "./memberships.ts";
import type { Period } from "./periods.ts";
import type { RollupEntry } from "./rollup-outbox.ts";

type Ranks = "agents" | "teams" | "departments";
const ALWAYS: Span[] = [[0, null]];

export class Rollup {
  /** What is ranked and projected: agents, teams or departments. */
  readonly board: LiveBoard;
  /** Scores one agent's entry under the board's metric. */
  readonly metric: LiveBoard;
  readonly ranks: Ranks;
  readonly teamScore: "total" | "average";
  /** Who is ranked, by name: roll-ups rank everyone their teams report, at all times. */
  readonly #names = new Map<string, Member>();
  readonly #optedOut = new Set<string>();
  /** agent -> team -> the team's entry for the agent in the current period */
  readonly #byAgent = new Map<string, Map<string, RollupEntry>>();
  /** team or department -> its agents */
  readonly #byGroup = new Map<string, Set<string>>();

  constructor(readonly config: BoardConfig, timeZone: string, now: number) {
    this.ranks = config.rollup?.ranks ?? "agents";
    this.teamScore = config.rollup?.teamScore ?? "average";
    this.metric = new LiveBoard(config, timeZone, now, new Map());
    // A board of groups ranks one number per group, in the metric's direction.
    const ranked: BoardConfig =
      this.ranks === "agents"
        ? config
        : { ...config, metric: { key: config.metric.key, label: config.metric.label, unit: config.metric.unit, aggregation: "sum", direction: config.metric.direction, minVolume: 0 } };
    this.board = new LiveBoard(ranked, timeZone, now, this.#names, this.#optedOut);
    if (this.ranks !== "agents") this.board.memberNoun = this.ranks === "teams" ? "Team" : "Department";
  }

  get period(): Period {
    return this.board.period;
  }

  /** Starts a period with the entries reported for it so far. */
  reset(period: Period, entries: Iterable<RollupEntry>): void {
    this.board.reset(period, []);
    this.metric.reset(period, []);
    this.#byAgent.clear();
    this.#byGroup.clear();
    this.apply(entries);
  }

  /** Takes the teams' latest entries (null: gone) and re-ranks the agents or groups they touch. */
  apply(entries: Iterable<RollupEntry>): void {
    const touched = new Set<string>();
    for (const e of entries) {
      const group = this.#groupOf(e);
      let teams = this.#byAgent.get(e.agent);
      // What the team reported before may have counted in another group (a team that changed department).
      const before = teams?.get(e.team);
      const groupBefore = before ? this.#groupOf(before) : null;
      if (e.entry === null || (groupBefore !== null && groupBefore !== group)) {
        teams?.delete(e.team);
        if (teams?.size === 0) this.#byAgent.delete(e.agent);
        teams = this.#byAgent.get(e.agent);
        // The agent leaves a group once no team of it reports them.
        for (const g of new Set([group, groupBefore])) {
          if (g === null) continue;
          touched.add(g);
          if (![...(teams?.values() ?? [])].some((other) => this.#groupOf(other) === g)) this.#byGroup.get(g)?.delete(e.agent);
        }
      }
      if (e.entry !== null) {
        if (!teams) this.#byAgent.set(e.agent, (teams = new Map()));
        teams.set(e.team, e);
        if (group !== null) {
          let agents = this.#byGroup.get(group);
          if (!agents) this.#byGroup.set(group, (agents = new Set()));
          agents.add(e.agent);
          this.#names.set(group, { name: this.ranks === "teams" ? e.teamName : e.departmentName, spans: ALWAYS });
        } else {
          this.#names.set(e.agent, { name: e.agentName, spans: ALWAYS });
          if (e.optedOut) this.#optedOut.add(e.agent);
          else this.#optedOut.delete(e.agent);
        }
      }
      touched.add(group ?? e.agent);
    }
    for (const member of touched) this.#rescore(member);
  }

  /** An agent's entries across the teams that report them (within one group, if given), merged; null if none. */
  entryOf(agent: string, group: string | null = null): ScoreEntry | null {
    let merged: ScoreEntry | null = null;
    for (const e of this.#byAgent.get(agent)?.values() ?? []) {
      if (e.entry === null || (group !== null && this.#groupOf(e) !== group)) continue;
      const entry = { ...e.entry, reachedSeq: e.reachedAt };
      merged = merged ? mergeEntries(merged, entry) : entry;
    }
    return merged;
  }

  /** The group's score from its agents': their total, or the average of those who qualify. */
  groupScore(group: string): { score: number; reachedAt: number } | null {
    let sum = 0;
    let counted = 0;
    let reachedAt = 0;
    for (const agent of this.#byGroup.get(group) ?? []) {
      const entry = this.entryOf(agent, group);
      const score = entry ? this.metric.scoreOf(entry) : null;
      if (!entry || score === null) continue;
      if (this.teamScore === "average" && this.metric.volumeOf(entry) < this.metric.minVolume) continue;
      sum += score;
      counted++;
      reachedAt = Math.max(reachedAt, entry.reachedSeq);
    }
    if (counted === 0) return null;
    return { score: this.teamScore === "total" ? sum : sum / counted, reachedAt };
  }

  #groupOf(e: RollupEntry): string | null {
    return this.ranks === "teams" ? e.team : this.ranks === "departments" ? e.department : null;
  }

  #rescore(member: string): void {
    if (this.ranks === "agents") {
      const entry = this.entryOf(member);
      if (entry) this.board.put(member, entry);
      else this.board.remove(member);
      return;
    }
    const group = this.groupScore(member);
    if (!group) {
      this.board.remove(member);
      return;
    }
    const aggregate = { ...emptyAggregate(), sum: group.score, count: 1 };
    this.board.put(member, { aggregate, reachedSeq: group.reachedAt });
  }
}
