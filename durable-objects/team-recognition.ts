/**
 * Recognition in a team's object, as events arrive and periods close: points from rules, badges
 * (thresholds, streaks, final ranks, climbs, firsts), goals hit, first place taken; celebrations to
 * the team's sockets and nudges to one agent's own. Awards are recorded once each in the object's
 * SQLite (RecognitionLog) and drained to D1 with the history; celebrations follow the boards'
 * visibility: leads and the agent always see theirs, colleagues and wallboards only on boards that
 * show names publicly (anonymously on an anonymised board), never an opted-out agent's.
 */
import type { CelebrationFrame, GoalProgress, NudgeFrame } from "../protocol/index.ts";
import { goalStanding, meets } from "../protocol/pace.ts";
import type { EventKind } from "./aggregation.ts";
import type { LiveBoard } from "./live-board.ts";
import { namedOnWallboard, type Viewer } from "./projection.ts";
import {
  type BadgeDef,
  biggestClimbers,
  EMPTY_RECOGNITION,
  goalFor,
  type RecognitionConfig,
  eventPoints,
  streakLength,
  workingElapsed,
} from "./recognition.ts";
import { type Accrual, type PendingAward, RecognitionLog } from "./recognition-log.ts";

/** An event the object just recorded, with its sequence number. */
export interface RecordedEvent {
  id: string;
  seq: number;
  agent: string;
  metric: string;
  kind: EventKind;
  value: number;
  ref: string | null;
}

/** An agent's standing on a board's current period, before and after a batch. */
export interface BoardChange {
  board: LiveBoard;
  agent: string;
  before: { score: number | null; rank: number | null; place: number | null };
}

export interface RecognitionHost {
  config(): { teamId: string; teamName: string; agents: Record<string, string>; recognition?: RecognitionConfig } | null;
  boards(): Iterable<LiveBoard>;
  board(id: string): LiveBoard | undefined;
  notify(build: (boardId: string, viewer: Viewer) => CelebrationFrame | NudgeFrame | null): number;
  transaction<T>(run: () => T): T;
  /** What an event stood at before `seq`: its kind and its value after earlier corrections (null once voided); null if not kept. */
  standingBefore(eventId: string, seq: number): { kind: EventKind; value: number | null } | null;
}

/**
 * `board`: news of one board only (first place on it); otherwise the team's, on every board's
 * sockets. `sources`: the boards the achievement came from (a goal's or threshold's board, a
 * `first` badge's metric's boards); colleagues hear of it only if each of them would show the
 * agent to them. Kudos and lead's awards have none: the viewer's own board decides.
 */
type Celebration = Pick<CelebrationFrame, "kind" | "badge" | "metric" | "target" | "period" | "note"> & { agent: string; board?: string; sources: readonly LiveBoard[]; text: (who: string) => string };
type Nudge = Pick<NudgeFrame, "kind" | "message" | "rank" | "gap" | "target" | "metric" | "badge" | "points"> & { agent: string; board: string | null };

/**
 * Whether an agent's score on a board is one to award by: a score that only grows (a count, a sum,
 * a maximum, higher being better) at once; any other (an average, a ratio, lower-is-better) once
 * the agent has the metric's minimum volume and is ranked.
 */
function scoreCounts(board: LiveBoard, agent: string): boolean {
  const { direction, aggregation } = board.config.metric;
  const grows = direction === "higher" && (aggregation === "count" || aggregation === "sum" || aggregation === "max");
  return grows || board.ranking.has(agent);
}

/** The fields that have a value: frames leave out what does not apply. */
function defined<T extends object>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** Modes whose wallboard view names people: colleagues may hear of each other's achievements there. */
const PUBLIC_MODES = new Set(["everyone", "top_n", "top_n_and_me"]);
const CLOSE_TO_GOAL = 0.8;
const OVERTAKEN_NUDGE_EVERY_MS = 60_000;
const MAX_OVERTAKEN_PER_CHANGE = 3;

export class TeamRecognition {
  readonly log: RecognitionLog;
  /** Nudges already sent (within reach of a rank, overtaken lately), so that they do not repeat. */
  #nudged = new Map<string, number>();

  constructor(
    sql: SqlStorage,
    private readonly host: RecognitionHost,
  ) {
    this.log = new RecognitionLog(sql);
  }

  get #rules(): RecognitionConfig {
    return this.host.config()?.recognition ?? EMPTY_RECOGNITION;
  }

  #name(agent: string): string {
    return this.host.config()?.agents[agent] ?? agent;
  }

  /** After a batch was recorded and the boards updated: what it earned, celebrated and nudged. */
  afterIngest(recorded: readonly RecordedEvent[], changes: readonly BoardChange[], now: number): void {
    const rules = this.#rules;
    if (rules.badges.length === 0 && rules.goals.length === 0 && rules.pointRules.length === 0 && changes.length === 0) return;
    const celebrations: Celebration[] = [];
    const nudges: Nudge[] = [];
    this.#atomically(() => {
      const accrued = new Map<string, Accrual>();
      for (const event of recorded) this.#eventAwards(event, now, accrued, celebrations, nudges);
      this.log.accrue([...accrued.values()], now);
      for (const change of changes) this.#standingAwards(change, now, celebrations, nudges);
    });
    this.#send(celebrations, nudges, now);
  }

  /** A board's period closed (its final standings still on it): rank and climb badges. */
  afterClose(board: LiveBoard, now: number): void {
    const celebrations: Celebration[] = [];
    const nudges: Nudge[] = [];
    const final = board.ranks();
    this.#atomically(() => {
      for (const badge of this.#rules.badges) {
        const rule = badge.rule;
        if ((rule.kind !== "rank" && rule.kind !== "climb") || rule.board !== board.config.id) continue;
        const winners =
          rule.kind === "rank"
            ? [...final].filter(([, rank]) => rank <= rule.rank).map(([agent, rank]) => ({ agent, reason: `Rank ${rank} on ${board.config.name}` }))
            : (() => {
                const climb = biggestClimbers(board.previousRanks, final);
                return climb ? climb.agents.map((agent) => ({ agent, reason: `Climbed ${climb.places} places on ${board.config.name}` })) : [];
              })();
        for (const { agent, reason } of winners) this.#awardBadge(badge, agent, board.period.start, reason, [board], now, celebrations, nudges);
      }
    });
    this.#send(celebrations, nudges, now);
  }

  /** One storage transaction; the award keys it takes are cached only once it commits. */
  #atomically(run: () => void): void {
    this.log.atomically(() => this.host.transaction(run));
  }

  /** Kudos or a badge awarded through the API: celebrated like the object's own. */
  celebrate(notice: { kind: "kudos" | "badge"; agent: string; badge?: { id: string; name: string; icon: string }; message?: string }, now: number): number {
    const celebration: Celebration =
      notice.kind === "badge" && notice.badge
        ? { kind: "badge", agent: notice.agent, badge: notice.badge, sources: [], text: (who) => `${who} earned ${notice.badge!.icon} ${notice.badge!.name}` }
        : { kind: "kudos", agent: notice.agent, sources: [], ...(notice.message ? { note: notice.message } : {}), text: (who) => `${who} received kudos${notice.message ? `: “${notice.message}”` : ""}` };
    const nudges: Nudge[] = notice.kind === "badge" && notice.badge ? [{ agent: notice.agent, board: null, kind: "badge_earned", badge: notice.badge, message: `You earned ${notice.badge.icon} ${notice.badge.name}` }] : [];
    return this.#send([celebration], nudges, now);
  }

  /** Each agent's goals on this team's boards now: score, target, and whether they are behind pace. */
  progress(agentIds: readonly string[], now: number): GoalProgress[] {
    const rules = this.#rules;
    const out: GoalProgress[] = [];
    // The working time gone is the board's, whoever the agent: worked out once per board.
    const elapsedOf = new Map<string, number>();
    const elapsed = (board: LiveBoard) => {
      let share = elapsedOf.get(board.config.id);
      if (share === undefined) elapsedOf.set(board.config.id, (share = workingElapsed(board.period, now, rules, board.timeZone)));
      return share;
    };
    for (const agent of agentIds) {
      const seen = new Set<string>();
      for (const board of this.host.boards()) {
        if (board.config.metric.scorecard || board.period.kind === "contest") continue;
        const goal = goalFor(rules, agent, board.config.metric.key, board.period.kind);
        if (!goal || seen.has(goal.id)) continue;
        seen.add(goal.id);
        const entry = board.entries.get(agent);
        const score = entry ? board.scoreOf(entry) : null;
        const direction = board.config.metric.direction;
        const standing = goalStanding({ direction, target: goal.target }, score, scoreCounts(board, agent), elapsed(board));
        out.push({
          agentId: agent,
          agentName: this.#name(agent),
          teamId: this.host.config()?.teamId ?? "",
          teamName: this.host.config()?.teamName ?? "",
          goalId: goal.id,
          metric: goal.metric,
          metricLabel: board.config.metric.label,
          direction,
          period: goal.period,
          board: board.config.id,
          periodStart: new Date(board.period.start).toISOString(),
          periodEnd: new Date(board.period.end).toISOString(),
          target: goal.target,
          score,
          ...standing,
        });
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------

  /** A new event's points by each rule (accrued per agent and rule; a correction's entered on its own) and `first` badges. */
  #eventAwards(event: RecordedEvent, now: number, accrued: Map<string, Accrual>, celebrations: Celebration[], nudges: Nudge[]): void {
    const rules = this.#rules;
    for (const rule of rules.pointRules) {
      if (rule.metric !== event.metric) continue;
      if (event.kind === "add" || event.kind === "adjust") {
        const points = eventPoints(rule, event.kind, event.value);
        if (points === 0) continue;
        const key = `${rule.id}\u0000${event.agent}`;
        const sum = accrued.get(key);
        if (sum) {
          sum.points += points;
          sum.events++;
        } else accrued.set(key, { rule: rule.id, agent: event.agent, metric: event.metric, points, events: 1, firstSeq: event.seq });
        continue;
      }
      if (event.ref === null) continue;
      // A correction moves the points its event earned: a `set` to what the new value earns, a `void` to none.
      const before = this.host.standingBefore(event.ref, event.seq);
      if (before === null || (before.kind !== "add" && before.kind !== "adjust")) continue;
      const points = eventPoints(rule, before.kind, event.kind === "set" ? event.value : null) - eventPoints(rule, before.kind, before.value);
      if (points === 0) continue;
      const reason = `Rule ${rule.id}: ${event.metric} corrected (${event.ref})`;
      this.log.award({ key: `rule:${rule.id}:${event.id}`, kind: "points", badgeId: null, label: rule.id, agent: event.agent, periodStart: 0, points, reason, ref: event.id, at: now });
    }
    if (event.kind !== "add") return;
    for (const badge of rules.badges) {
      if (badge.rule.kind === "first" && badge.rule.metric === event.metric) {
        const sources = [...this.host.boards()].filter((b) => b.metricKeys.includes(event.metric));
        this.#awardBadge(badge, event.agent, 0, `First ${event.metric}`, sources, now, celebrations, nudges);
      }
    }
  }

  #standingAwards({ board, agent, before }: BoardChange, now: number, celebrations: Celebration[], nudges: Nudge[]): void {
    const rules = this.#rules;
    const { metric, period } = { metric: board.config.metric, period: board.period };
    const entry = board.entries.get(agent);
    const score = entry ? board.scoreOf(entry) : null;
    const ranked = board.ranking.has(agent);
    const counts = score !== null && scoreCounts(board, agent);
    const periodKind = period.kind;
    if (counts && !metric.scorecard && periodKind !== "contest") {
      for (const badge of rules.badges) {
        const rule = badge.rule;
        if (rule.kind === "threshold" && rule.metric === metric.key && rule.period === periodKind && meets(metric.direction, score, rule.value)) {
          this.#awardBadge(badge, agent, period.start, `${metric.label} ${score} this ${periodKind}`, [board], now, celebrations, nudges);
        }
      }
      const goal = goalFor(rules, agent, metric.key, periodKind);
      if (goal && meets(metric.direction, score, goal.target)) {
        if (this.log.mark(`goal:${goal.id}:${agent}:${period.start}`, now)) {
          celebrations.push({ kind: "goal", agent, metric: { key: metric.key, label: metric.label }, target: goal.target, period: periodKind, sources: [board], text: (who) => `${who} hit the ${periodKind}'s ${metric.label} goal (${goal.target})` });
          if (periodKind === "day") this.#streaks(board, agent, now, celebrations, nudges);
        }
      } else if (goal && metric.direction === "higher" && score >= goal.target * CLOSE_TO_GOAL) {
        if (this.log.mark(`close:${goal.id}:${agent}:${period.start}`, now)) {
          nudges.push({ agent, board: board.config.id, kind: "close_to_goal", gap: goal.target - score, target: goal.target, metric: { key: metric.key, label: metric.label }, message: `${goal.target - score} more ${metric.label} to your goal of ${goal.target}` });
        }
      }
    }
    const place = board.ranking.placeOf(agent) ?? null;
    const rank = board.ranking.rankOf(agent) ?? null;
    // First place taken from someone: alone at the top (a tie takes nothing), once per period.
    const alone = rank === 1 && board.ranking.size >= 2 && (board.ranking.slice(2, 1)[0]?.rank ?? 2) > 1;
    if (alone && before.rank !== 1 && this.log.mark(`first:${board.config.id}:${agent}:${period.start}`, now)) {
      celebrations.push({ kind: "first_place", agent, board: board.config.id, metric: { key: metric.key, label: metric.label }, sources: [board], text: (who) => `${who} took first place on ${board.config.name}` });
    }
    // Rank news only where agents see ranks: not on a hidden board, nor one that shows each agent only their own row.
    const ranksShown = board.visibility.mode !== "hidden" && board.visibility.mode !== "only_me";
    if (!ranksShown || place === null) return;
    if (before.place === null || place < before.place) this.#overtaken(board, agent, place, before.place, now, nudges);
    if (place > 1) this.#withinReach(board, agent, place, now, nudges);
  }

  /** The daily goal was met today: a streak badge when the run of working days reaches its length (again). */
  #streaks(board: LiveBoard, agent: string, now: number, celebrations: Celebration[], nudges: Nudge[]): void {
    const rules = this.#rules;
    const day = board.periodRule;
    if (!day) return;
    const metric = board.config.metric.key;
    this.log.metGoal(agent, metric, board.period.start);
    for (const badge of rules.badges) {
      const rule = badge.rule;
      if (rule.kind !== "streak" || rule.metric !== metric) continue;
      const met = this.log.goalDays(agent, metric, board.period.start - (rule.days * 3 + 31) * 86_400_000);
      const length = streakLength(met, board.period.start, rules, day);
      if (length > 0 && length % rule.days === 0) this.#awardBadge(badge, agent, board.period.start, `Daily ${board.config.metric.label} goal met ${length} working days in a row`, [board], now, celebrations, nudges);
    }
  }

  #awardBadge(badge: BadgeDef, agent: string, periodStart: number, reason: string, sources: readonly LiveBoard[], now: number, celebrations: Celebration[], nudges: Nudge[]): void {
    const award: PendingAward = {
      key: `badge:${badge.id}:${agent}:${periodStart}`,
      kind: "badge",
      badgeId: badge.id,
      label: badge.name,
      agent,
      periodStart,
      points: badge.points,
      reason,
      ref: null,
      at: now,
    };
    if (!this.log.award(award)) return;
    const shown = { id: badge.id, name: badge.name, icon: badge.icon };
    celebrations.push({ kind: "badge", agent, badge: shown, sources, text: (who) => `${who} earned ${badge.icon} ${badge.name}` });
    nudges.push({ agent, board: null, kind: "badge_earned", badge: shown, points: badge.points, message: `You earned ${badge.icon} ${badge.name}${badge.points > 0 ? ` (+${badge.points} points)` : ""}` });
  }

  /** The agents the mover passed (the nearest few), each told once a minute at most. */
  #overtaken(board: LiveBoard, mover: string, place: number, wasPlace: number | null, now: number, nudges: Nudge[]): void {
    // Those the mover passed stood at places place..wasPlace-1 and are now one further down.
    const passed = board.ranking.slice(place + 1, Math.min(MAX_OVERTAKEN_PER_CHANGE, (wasPlace ?? board.ranking.size) - place));
    for (const standing of passed) {
      if (standing.member === mover || standing.rank === board.ranking.rankOf(mover)) continue;
      const key = `overtaken:${board.config.id}:${standing.member}`;
      if ((this.#nudged.get(key) ?? 0) > now - OVERTAKEN_NUDGE_EVERY_MS) continue;
      this.#nudged.set(key, now);
      nudges.push({ agent: standing.member, board: board.config.id, kind: "overtaken", rank: standing.rank, message: `You were overtaken on ${board.config.name}: you are now #${standing.rank}` });
    }
  }

  /** The next rank is close: within 5% of its score (or one more contact on a count), once per rank and period. */
  #withinReach(board: LiveBoard, agent: string, place: number, now: number, nudges: Nudge[]): void {
    const [ahead] = board.ranking.slice(place - 1, 1);
    const own = board.ranking.get(agent);
    const rank = board.ranking.rankOf(agent);
    if (!ahead || !own || rank === undefined || ahead.rank === rank) return;
    const gap = Math.abs(ahead.score - own.score);
    const count = board.config.metric.aggregation === "count";
    if (gap > Math.max(Math.abs(ahead.score) * 0.05, count ? 1 : 0)) return;
    const key = `reach:${board.config.id}:${agent}:${ahead.rank}:${board.period.start}`;
    if (this.#nudged.has(key)) return;
    this.#nudged.set(key, now);
    if (this.#nudged.size > 10_000) this.#nudged.clear();
    const unit = board.config.metric.unit ? ` ${board.config.metric.unit}` : "";
    // The gap would tell the score ahead when the board hides scores.
    const togo = board.visibility.showScores ? `: ${Math.round(gap * 100) / 100}${unit} to go` : "";
    nudges.push({ agent, board: board.config.id, kind: "within_reach", rank: ahead.rank, ...(board.visibility.showScores ? { gap: Math.round(gap * 100) / 100 } : {}), message: `#${ahead.rank} on ${board.config.name} is within reach${togo}` });
  }

  /** Sends the celebrations to every socket that may know of them, the nudges to the agents' own. */
  #send(celebrations: readonly Celebration[], nudges: readonly Nudge[], now: number): number {
    const at = new Date(now).toISOString();
    let sent = 0;
    for (const c of celebrations) {
      const id = crypto.randomUUID();
      const person = { id: c.agent, name: this.#name(c.agent) };
      const { kind, badge, metric, target, period, note } = c;
      const base = { type: "celebration" as const, id, kind, at, ...defined({ badge, metric, target, period, note }) };
      sent += this.host.notify((boardId, viewer) => {
        const board = this.host.board(boardId);
        if (!board || (c.board !== undefined && c.board !== boardId)) return null;
        if (viewer.kind === "agent" && viewer.agentId === c.agent) return { ...base, board: boardId, agent: person, me: true, message: c.text("You") };
        if (viewer.kind === "full") return { ...base, board: boardId, agent: person, message: c.text(person.name) };
        const judges = [board, ...c.sources];
        if (!judges.every((b) => PUBLIC_MODES.has(b.visibility.mode) && !b.isOptedOut(c.agent))) return null;
        // Named as the viewer's board names people, and as the boards it came from would.
        const named = !board.visibility.anonymise && c.sources.every((b) => namedOnWallboard(b, c.agent));
        return { ...base, board: boardId, agent: named ? person : null, message: c.text(named ? person.name : "A colleague") };
      });
    }
    for (const n of nudges) {
      const { kind, message, rank, gap, target, metric, badge, points } = n;
      const frame = { type: "nudge" as const, id: crypto.randomUUID(), kind, at, ...defined({ rank, gap, target, metric, badge, points }), message };
      sent += this.host.notify((boardId, viewer) =>
        viewer.kind === "agent" && viewer.agentId === n.agent && (n.board === null || n.board === boardId) ? { ...frame, board: boardId } : null,
      );
    }
    return sent;
  }
}
