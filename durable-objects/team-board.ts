/**
 * TeamBoard: one Durable Object per team. It owns the team's live boards for their current
 * periods, dedupes and persists score events before acknowledging them, archives them to D1
 * through an outbox, and fans coalesced updates out to hibernatable WebSockets.
 *
 * The outbox is the tail of the events table: every event with a sequence number above the
 * archived watermark. The watermark advances only after D1 committed the rows, so no event is
 * written twice on the hot path (once to `events`, once to an outbox table) and none is lost.
 */
import type { GoalProgress, IngestResult, ScoreExplanation, SnapshotFrame } from "../protocol/index.ts";
import { type EventKind, emptyAggregate, foldEvents, foldParts, type Part } from "./aggregation.ts";
import { LiveBoard, type Member, partsFromJson, partsToJson, type ScoreEntry } from "./live-board.ts";
import type { Period } from "./periods.ts";
import { BoardObject } from "./board-object.ts";
import { ClosureLog } from "./closures.ts";
import { Fanout, periodWindow, type SocketRequest } from "./fanout.ts";
import { rollupStub } from "./rollup-board.ts";
import { type EntryKey, entryKey, type RollupEntry, RollupOutbox } from "./rollup-outbox.ts";
import type { Viewer } from "./projection.ts";
import { LONGEST_PERIOD_MS, loadTeamConfig, type TeamConfig, type TeamScope } from "./team-config.ts";
import { type BoardChange, type RecordedEvent, TeamRecognition } from "./team-recognition.ts";

export interface IngestEvent {
  id: string;
  agent: string;
  metric: string;
  kind: EventKind;
  /** 0 for `void`. */
  value: number;
  /** The event a `set` or `void` corrects. */
  ref: string | null;
  part: Part;
  /** Epoch ms. */
  occurredAt: number;
}

/** Why an event of a batch was refused (`index` into the batch sent); nothing of the batch was recorded. */
export interface RefusedEvent {
  index: number;
  field: "ref";
  message: string;
}

export type IngestOutcome = IngestResult | { refused: RefusedEvent[] };

/** A stored event's row, as corrections and rebuilds read it. */
type EventRow = { seq: number; id: string; agent: string; metric: string; kind: EventKind; value: number; ref: string | null; part: Part; occurred_at: number; counts_at: number };

/** What the Worker tells the object about a socket it has authenticated. */
export interface ConnectRequest extends TeamScope, SocketRequest {}

const DRAIN_DELAY_MS = 500;
const ROLLUP_RETRY_MS = 2_000;
const DRAIN_BATCH_ROWS = 2000;
const CONFIG_MAX_AGE_MS = 10 * 60_000;
const PRUNE_INTERVAL_MS = 3_600_000;
const CONFIG_RELOAD_MIN_INTERVAL_MS = 5_000;
export class TeamBoard extends BoardObject {
  #config: TeamConfig | null = null;
  /** The configuration's agents, with when each is in the team. */
  #members = new Map<string, Member>();
  #configTriedAt = 0;
  #boards = new Map<string, LiveBoard>();
  #boardsByMetric = new Map<string, LiveBoard[]>();
  /** Roll-up boards this team feeds (its department's, the org's): scored here, ranked by the roll-up objects. */
  #feeders = new Map<string, LiveBoard>();
  #rollupOutbox: RollupOutbox;
  protected readonly fanout: Fanout;
  #closures!: ClosureLog;
  #recognition!: TeamRecognition;
  #alarmAt: number | null = null;
  /** Events with a higher seq are not yet in D1 history. */
  #archivedSeq = 0;
  #lastSeq = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.fanout = new Fanout(ctx, {
      board: (id) => this.#boards.get(id),
      owner: () => ({ id: this.#config?.teamId ?? "", name: this.#config?.teamName ?? "" }),
      rollPeriods: (now) => this.#rollPeriods(now),
    });
    this.#rollupOutbox = new RollupOutbox(
      (boardId, periodStart, keys) => this.#feederEntries(boardId, periodStart, keys),
      async (delta) => {
        const config = this.#config;
        if (!config?.departmentId) throw new Error("the team's department is not known yet");
        const node = { kind: "department" as const, departmentId: config.departmentId };
        await rollupStub(this.env, config.orgId, node).apply({ orgId: config.orgId, node }, delta);
      },
      // Remembered in storage, so that a restart knows whether sends were lost with memory.
      (waiting) => this.setMeta("rollup_waiting", waiting ? "1" : "0"),
    );
    ctx.blockConcurrencyWhile(async () => {
      this.#migrate();
      this.#closures = new ClosureLog(this.sql);
      this.#recognition = new TeamRecognition(this.sql, {
        config: () => this.#config,
        boards: () => this.#boards.values(),
        board: (id) => this.#boards.get(id),
        notify: (build) => this.fanout.notify(build),
        transaction: (run) => this.ctx.storage.transactionSync(run),
        standingBefore: (id, seq) => this.#standingBefore(id, seq),
      });
      const stored = this.meta("config");
      // Read before the configuration is applied, which queues this period's entries again.
      const sendsWereWaiting = this.meta("rollup_waiting") === "1";
      if (stored) this.#applyConfig(JSON.parse(stored) as TeamConfig, { persist: false });
      if (sendsWereWaiting) this.#resendPreviousPeriods();
      this.#archivedSeq = Number(this.meta("archived_seq") ?? 0);
      this.#lastSeq = this.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM events").one().seq ?? 0;
      this.#alarmAt = await ctx.storage.getAlarm();
      this.fanout.restore();
    });
  }

  // -------------------------------------------------------------------------------------------
  // RPC from the Worker

  /**
   * Refuses corrections whose `ref` is not an earlier `add` or `adjust` of the same agent and
   * metric (in storage, or earlier in the batch). Refs only ever become known, never unknown, so a
   * batch that passes here passes again in `ingest`: the Worker checks every team first, so that a
   * batch spanning teams is refused whole.
   */
  async checkCorrections(scope: TeamScope, events: IngestEvent[]): Promise<RefusedEvent[]> {
    await this.#ensureConfig(scope, { agents: events.map((e) => e.agent) });
    return this.#resolveCorrections(events).refused;
  }

  /**
   * Which of these event ids this team recorded. The Worker asks the teams a moved agent was in, so
   * that a correction reaches the team holding what it corrects, and a retry the team that has it.
   */
  async knownEvents(ids: string[]): Promise<string[]> {
    return [...this.#storedEvents(ids).keys()];
  }

  /** Records events exactly once each; answers only after they are durable. */
  async ingest(scope: TeamScope, events: IngestEvent[]): Promise<IngestOutcome> {
    // Close what ended before a configuration reload builds the boards afresh in the new period.
    this.#rollPeriods(Date.now());
    await this.#ensureConfig(scope, { agents: events.map((e) => e.agent) });
    const now = Date.now();
    this.#rollPeriods(now);
    const { refused, countsAt } = this.#resolveCorrections(events);
    if (refused.length > 0) return { refused };

    let accepted = 0;
    let duplicates = 0;
    let late = 0;
    const graceMs = (this.#config?.lateGraceHours ?? 72) * 3_600_000;
    type Touched = { board: LiveBoard; periodStart: number; agent: string; entry: ScoreEntry };
    const touched = new Map<string, Touched>();
    const corrected = new Map<string, Omit<Touched, "entry">>();
    const recorded: RecordedEvent[] = [];
    this.ctx.storage.transactionSync(() => {
      // One statement for the whole batch (a statement costs far more than a row): the events travel
      // as one JSON parameter, in order, so seq still follows the batch; RETURNING names the new ones.
      const fresh = new Map<string, number>();
      const rows = this.sql.exec<{ seq: number; id: string }>(
        `INSERT INTO events (id, agent, metric, kind, value, ref, part, occurred_at, counts_at, received_at)
         SELECT e.value ->> 0, e.value ->> 1, e.value ->> 2, e.value ->> 3, e.value ->> 4, e.value ->> 5, e.value ->> 6,
                e.value ->> 7, e.value ->> 8, ?
         FROM json_each(?) AS e WHERE true ORDER BY e.key
         ON CONFLICT (id) DO NOTHING RETURNING seq, id`,
        now,
        JSON.stringify(events.map((e, i) => [e.id, e.agent, e.metric, e.kind, e.value, e.ref, e.part, e.occurredAt, countsAt[i]])),
      );
      for (const row of rows) fresh.set(row.id, row.seq);
      events.forEach((event, i) => {
        const seq = fresh.get(event.id);
        // Unknown id: already recorded. A second copy of an id within the batch is a duplicate too.
        if (seq === undefined) {
          duplicates++;
          return;
        }
        fresh.delete(event.id);
        accepted++;
        recorded.push({ id: event.id, seq, agent: event.agent, metric: event.metric, kind: event.kind, value: event.value, ref: event.ref });
        if (seq > this.#lastSeq) this.#lastSeq = seq;
        let tooLate = false;
        for (const board of this.#boardsByMetric.get(event.metric) ?? []) {
          if (!board.counts(countsAt[i]!)) continue;
          const period = board.periodAt(countsAt[i]!);
          // A period closed longer ago than the grace window is final: the event is kept, not counted.
          if (period.end + graceMs < now) {
            tooLate = true;
            continue;
          }
          const periodStart = period.start;
          const key = `${board.config.id}\u0000${periodStart}\u0000${event.agent}`;
          if (event.kind === "set" || event.kind === "void") {
            corrected.set(key, { board, periodStart, agent: event.agent });
            continue;
          }
          const previous =
            touched.get(key)?.entry ??
            (periodStart === board.period.start ? board.entries.get(event.agent) : this.#readScore(board.config.id, periodStart, event.agent));
          const entry = board.withEvent(previous, { metric: event.metric, kind: event.kind, value: event.value, part: event.part, occurredAt: event.occurredAt }, seq);
          touched.set(key, { board, periodStart, agent: event.agent, entry });
        }
        if (tooLate) late++;
      });
      // A correction changes what earlier samples add up to: fold the agent's period afresh.
      for (const [key, { board, periodStart, agent }] of corrected) {
        touched.set(key, { board, periodStart, agent, entry: this.#foldScore(board, periodStart, agent) });
      }
      for (const { board, periodStart, agent, entry } of touched.values()) this.#writeScore(board.config.id, periodStart, agent, entry);
    });

    // Memory follows storage only once the transaction has committed.
    const earlier = new Map<string, { board: LiveBoard; periodStart: number }>();
    const changes: BoardChange[] = [];
    for (const { board, periodStart, agent, entry } of touched.values()) {
      if (this.#feeders.get(board.config.id) === board) {
        if (periodStart === board.period.start) board.put(agent, entry);
        this.#rollupOutbox.mark(board.config.id, periodStart, entryKey(this.#config!.teamId, agent));
        continue;
      }
      // A closed period changed: an earlier one, or the window of a contest that ended.
      if (periodStart !== board.period.start || board.period.end <= now) earlier.set(`${board.config.id}\u0000${periodStart}`, { board, periodStart });
      if (periodStart !== board.period.start) continue;
      const { ranking } = board;
      changes.push({ board, agent, before: { score: ranking.get(agent)?.score ?? null, rank: ranking.rankOf(agent) ?? null, place: ranking.placeOf(agent) ?? null } });
      board.put(agent, entry);
      this.fanout.markDirty(board.config.id);
    }
    for (const { board, periodStart } of earlier.values()) this.#restandClosedPeriod(board, periodStart);
    this.#safely("recognition", () => this.#recognition.afterIngest(recorded, changes, now));
    if (accepted > 0) this.#scheduleAlarm();
    this.fanout.scheduleTick();
    return { accepted, duplicates, late };
  }

  /** When each event counts (a correction: when what it corrects counted), and which corrections are refused. */
  #resolveCorrections(events: readonly IngestEvent[]): { refused: RefusedEvent[]; countsAt: number[] } {
    const known = this.#storedEvents(events.flatMap((e) => (e.ref === null ? [] : [e.ref])));
    const refused: RefusedEvent[] = [];
    const countsAt = events.map((event, index) => {
      if (event.ref === null) {
        if (!known.has(event.id)) known.set(event.id, { agent: event.agent, metric: event.metric, kind: event.kind, countsAt: event.occurredAt, index });
        return event.occurredAt;
      }
      const target = known.get(event.ref);
      const problem = !target || target.index >= index
        ? `no earlier event '${event.ref}' to correct`
        : target.agent !== event.agent || target.metric !== event.metric
          ? `event '${event.ref}' is of another agent or metric`
          : target.kind !== "add" && target.kind !== "adjust"
            ? `event '${event.ref}' is a correction itself; correct the original event`
            : null;
      if (problem) refused.push({ index, field: "ref", message: problem });
      return target?.countsAt ?? event.occurredAt;
    });
    return { refused, countsAt };
  }

  /** The stored events among these ids: what a correction needs to know of the event it corrects. */
  #storedEvents(ids: readonly string[]): Map<string, { agent: string; metric: string; kind: EventKind; countsAt: number; index: number }> {
    const unique = [...new Set(ids)];
    const known = new Map<string, { agent: string; metric: string; kind: EventKind; countsAt: number; index: number }>();
    for (let i = 0; i < unique.length; i += 500) {
      const rows = this.sql.exec<{ id: string; agent: string; metric: string; kind: EventKind; counts_at: number }>(
        "SELECT id, agent, metric, kind, counts_at FROM events WHERE id IN (SELECT value FROM json_each(?))",
        JSON.stringify(unique.slice(i, i + 500)),
      );
      for (const r of rows) known.set(r.id, { agent: r.agent, metric: r.metric, kind: r.kind, countsAt: r.counts_at, index: -1 });
    }
    return known;
  }

  /** One agent's score in one period of a board, folded from every event that counts in it. */
  #foldScore(board: LiveBoard, periodStart: number, agent: string): ScoreEntry {
    return this.#foldPeriod(board, board.periodAt(periodStart), agent).get(agent) ?? { aggregate: emptyAggregate(), reachedSeq: 0, ...(board.config.metric.scorecard ? { parts: new Map() } : {}) };
  }

  /** The board as this viewer may see it right now (REST). */
  async snapshot(scope: TeamScope, boardId: string, viewer: Viewer): Promise<SnapshotFrame | null> {
    const board = await this.#findBoard(scope, boardId);
    if (!board) return null;
    return this.fanout.snapshotFor(board, viewer);
  }

  /** Why the agent has their score on the board now; null when the board or the agent is unknown here. */
  async explain(scope: TeamScope, boardId: string, agentId: string): Promise<ScoreExplanation | null> {
    const board = await this.#findBoard(scope, boardId);
    if (!board) return null;
    this.#rollPeriods(Date.now());
    if (!(agentId in (this.#config?.agents ?? {})) && !board.entries.has(agentId)) return null;
    return board.explain(agentId);
  }

  /** Kudos or a badge given through the API: celebrated on the team's sockets. Returns how many sockets heard. */
  async celebrate(scope: TeamScope, notice: { kind: "kudos" | "badge"; agent: string; badge?: { id: string; name: string; icon: string }; message?: string }): Promise<number> {
    await this.#ensureConfig(scope);
    return this.#recognition.celebrate(notice, Date.now());
  }

  /** Goal progress of these agents (all of the team's when null) in the boards' current periods. */
  async goalProgress(scope: TeamScope, agentIds: string[] | null): Promise<GoalProgress[]> {
    await this.#ensureConfig(scope);
    const now = Date.now();
    this.#rollPeriods(now);
    return this.#recognition.progress(agentIds ?? Object.keys(this.#config?.agents ?? {}), now);
  }

  /** Directory or board configuration changed in D1. */
  async refreshConfig(scope: TeamScope): Promise<void> {
    this.#applyConfig(await loadTeamConfig(this.env.DB, scope));
  }

  protected override socketBoard(request: SocketRequest): Promise<LiveBoard | undefined> {
    const connect = request as ConnectRequest;
    return this.#findBoard(connect, connect.boardId);
  }

  // -------------------------------------------------------------------------------------------
  // Alarm: period boundaries and the history outbox share the object's one alarm.

  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    const now = Date.now();
    this.#rollPeriods(now);
    await this.#rollupOutbox.flush();
    if (this.#outboxHasRows() && (await this.#drainOutbox())) {
      await this.#drainClosures();
      await this.#drainAwards();
    }
    this.#pruneArchived(now);
    this.#scheduleAlarm();
  }

  /**
   * Forgets what can no longer change a board: archived events, scores and closed periods that lie
   * further back than the longest period plus the grace window. A retry of a forgotten event is
   * accepted again but counts nowhere (it is too late everywhere), and D1 history ignores it.
   */
  #pruneArchived(now: number): void {
    // The scan reads every kept event, so it runs at most once per interval, not on every drain.
    if (now - Number(this.meta("pruned_at") ?? 0) < PRUNE_INTERVAL_MS) return;
    this.setMeta("pruned_at", String(now));
    const before = now - LONGEST_PERIOD_MS - (this.#config?.lateGraceHours ?? 72) * 3_600_000;
    this.sql.exec("DELETE FROM events WHERE seq <= ? AND counts_at < ?", this.#archivedSeq, before);
    this.sql.exec("DELETE FROM scores WHERE period_start < ?", before);
    this.#closures.prune(before);
    this.#recognition.log.prune(before);
  }

  /** Archives events to D1; true when the outbox is empty (or all of this round's rows went). */
  async #drainOutbox(): Promise<boolean> {
    const scope = this.#config;
    if (!scope) return false;
    for (let round = 0; round < 10; round++) {
      const rows = this.sql
        .exec<EventRow & { received_at: number }>(
          "SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
          this.#archivedSeq,
          DRAIN_BATCH_ROWS,
        )
        .toArray();
      if (rows.length === 0) return true;
      try {
        // One D1 statement per round; the rows travel as one JSON parameter (a statement binds at
        // most 100 parameters, which made this 42 statements of 12 rows per 500 rows before).
        await this.env.DB.prepare(
          `INSERT INTO score_events (org_id, event_id, team_id, agent_id, metric_key, kind, ref, part, value, occurred_at, received_at)
           SELECT ?1, e.value ->> 0, ?2, e.value ->> 1, e.value ->> 2, e.value ->> 3, e.value ->> 4, e.value ->> 5,
                  e.value ->> 6, e.value ->> 7, e.value ->> 8
           FROM json_each(?3) AS e WHERE true
           ON CONFLICT DO NOTHING`,
        )
          .bind(
            scope.orgId,
            scope.teamId,
            JSON.stringify(rows.map((r) => [r.id, r.agent, r.metric, r.kind, r.ref, r.part, r.value, r.occurred_at, r.received_at])),
          )
          .run();
      } catch (error) {
        this.drainFailed(error);
        return false;
      }
      // D1 committed: only now do the rows leave the outbox.
      this.#archivedSeq = rows.at(-1)!.seq;
      this.setMeta("archived_seq", String(this.#archivedSeq));
      this.drainSucceeded();
    }
    return !this.#outboxHasRows();
  }

  /** Writes closed periods' final standings to D1, after the events they are made of. */
  async #drainClosures(): Promise<void> {
    const scope = this.#config;
    if (!scope) return;
    try {
      await this.#closures.drain(this.env.DB, scope.orgId, scope.teamId);
    } catch (error) {
      this.drainFailed(error);
      return;
    }
    this.drainSucceeded();
  }

  /** Badge awards and rules' points not yet in D1 (after the events they came of). */
  async #drainAwards(): Promise<void> {
    const scope = this.#config;
    if (!scope || !this.#recognition.log.hasPending()) return;
    try {
      await this.#recognition.log.drain(this.env.DB, scope.orgId, scope.teamId);
    } catch (error) {
      this.drainFailed(error);
      return;
    }
    this.drainSucceeded();
  }

  /** Events, closed periods or awards not yet in D1. */
  #outboxHasRows(): boolean {
    return this.#lastSeq > this.#archivedSeq || this.#closures.hasPending() || this.#recognition.log.hasPending();
  }

  /** Recognition never fails what it follows (an ingest, a period's close): a fault is logged. */
  #safely(what: string, run: () => void): void {
    try {
      run();
    } catch (error) {
      console.error(`${what} failed`, error);
    }
  }

  /**
   * What an event stood at before `seq`: its kind (`add` or `adjust`) and its value after the latest
   * earlier correction (null once voided); null when the event is not kept.
   */
  #standingBefore(id: string, seq: number): { kind: EventKind; value: number | null } | null {
    const [own] = this.sql.exec<{ kind: EventKind; value: number }>("SELECT kind, value FROM events WHERE id = ? AND seq < ?", id, seq).toArray();
    if (!own) return null;
    const [latest] = this.sql
      .exec<{ kind: EventKind; value: number }>("SELECT kind, value FROM events WHERE ref = ? AND kind IN ('set', 'void') AND seq < ? ORDER BY seq DESC LIMIT 1", id, seq)
      .toArray();
    return { kind: own.kind, value: latest === undefined ? own.value : latest.kind === "void" ? null : latest.value };
  }

  #scheduleAlarm(): void {
    const times: number[] = [];
    if (this.#outboxHasRows()) times.push(Math.max(this.drainNotBefore(), Date.now() + DRAIN_DELAY_MS));
    // Roll-up sends wait in memory: the alarm wakes an evicted object, which then sends everything again.
    if (this.#rollupOutbox.pending) times.push(Date.now() + ROLLUP_RETRY_MS);
    // A contest that ended has nothing more to wake for.
    for (const board of this.#boards.values()) if (board.period.kind !== "contest" || board.period.end > Date.now()) times.push(board.period.end);
    if (times.length === 0) return;
    const at = Math.min(...times);
    if (this.#alarmAt !== null && this.#alarmAt <= at) return;
    this.#alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  // -------------------------------------------------------------------------------------------
  // Fan-out

  // -------------------------------------------------------------------------------------------
  // Periods

  #rollPeriods(now: number): void {
    // Roll-ups close their own periods; here a feeder only starts its next one.
    for (const feeder of this.#feeders.values()) {
      const next = now >= feeder.period.end ? feeder.periodAfter(now) : null;
      if (next) this.#startPeriod(feeder, next);
    }
    for (const board of this.#boards.values()) {
      const previous = periodWindow(board);
      const ended = now >= board.period.end;
      const next = this.#closures.closeIfEnded(board, now);
      // Final standings are still on the board: rank and climb badges (a contest's, once it ended).
      if (ended && (next || board.period.kind === "contest")) this.#safely("recognition", () => this.#recognition.afterClose(board, now));
      if (!next) continue;
      this.#startPeriod(board, next);
      this.fanout.announceNewPeriod(board, previous);
    }
    this.fanout.scheduleTick();
  }

  /** A late event or correction changed a period that already closed: its standings are recorded again. */
  #restandClosedPeriod(board: LiveBoard, periodStart: number): void {
    if (this.#closures.has(board.config.id, periodStart)) this.#closures.record(this.#boardAt(board, periodStart));
  }

  /**
   * The board as it stands for another of its periods, folded from the kept events under the
   * board's current definition (its stored scores may predate a redefinition).
   */
  #boardAt(board: LiveBoard, instant: number): LiveBoard {
    // Who stood on the board then: the agents in the team during the period, and anyone its
    // recorded standings name (an agent who moved before their stints were recorded keeps their place).
    const members = new Map(this.#members);
    const start = board.periodAt(instant).start;
    for (const [agent] of this.#closures.standings(board.config.id, start)) {
      if (!members.has(agent)) members.set(agent, { name: agent, spans: [[0, null]] });
    }
    const past = new LiveBoard(board.config, board.timeZone, instant, members);
    past.reset(past.period, this.#foldPeriod(past));
    return past;
  }

  /** Starts the board's current period from its kept scores, with the previous period's final ranks to compare. */
  #startPeriod(board: LiveBoard, period: Period): void {
    board.reset(period, this.#readScores(board.config.id, period.start));
    board.previousRanks = this.#closures.finalRanks(board.config.id, period.start);
    this.setMeta(`period:${board.config.id}`, `${period.start}|${period.end}`);
  }


  // -------------------------------------------------------------------------------------------
  // Configuration

  /**
   * Reloads the configuration from D1 when it is missing, old, or lacks an agent the Worker routed
   * here (a directory change whose refresh did not arrive), at most once per interval.
   */
  async #ensureConfig(scope: TeamScope, { agents = [], force = false }: { agents?: readonly string[]; force?: boolean } = {}): Promise<void> {
    const config = this.#config;
    const stale =
      !config ||
      Date.now() - config.loadedAt > CONFIG_MAX_AGE_MS ||
      agents.some((agent) => !(agent in config.agents));
    if (!force && (!stale || Date.now() - this.#configTriedAt < CONFIG_RELOAD_MIN_INTERVAL_MS)) return;
    this.#configTriedAt = Date.now();
    try {
      await this.refreshConfig(scope);
    } catch (error) {
      // D1 is unreachable: keep counting with the configuration we have (or none yet); events
      // are stored and archived either way, and boards are rebuilt from them once it loads.
      console.error("team config reload failed", error);
      if (!this.#config) this.#applyConfig({ ...scope, teamName: scope.teamId, timeZone: "UTC", boards: [], agents: {}, loadedAt: 0 }, { persist: false });
    }
  }

  async #findBoard(scope: TeamScope, boardId: string): Promise<LiveBoard | undefined> {
    // The Worker found this board in D1, so a board unknown here means the refresh was missed.
    if (!this.#boards.has(boardId)) await this.#ensureConfig(scope, { force: true });
    return this.#boards.get(boardId);
  }

  #applyConfig(config: TeamConfig, { persist = true } = {}): void {
    if (persist) this.setMeta("config", JSON.stringify(config));
    this.#config = config;
    const members = new Map(
      Object.entries(config.agents).map(([id, name]): [string, Member] => [id, { name, spans: config.stints?.[id] ?? [[0, null]] }]),
    );
    this.#members = members;
    const optedOut = new Set(config.optedOut ?? []);
    const now = Date.now();
    const next = new Map<string, LiveBoard>();
    for (const boardConfig of config.boards) {
      const board = new LiveBoard(boardConfig, config.timeZone, now, members, optedOut);
      const signature = LiveBoard.signature(boardConfig, config.timeZone);
      if (this.meta(`signature:${boardConfig.id}`) !== signature) this.#rebuildScores(board, signature);
      // The object may wake (or reload) after a period ended with no one having closed it.
      const stored = this.meta(`period:${boardConfig.id}`)?.split("|").map(Number);
      if (stored && stored[0] !== board.period.start && stored[1]! <= now && !this.#closures.has(boardConfig.id, stored[0]!)) {
        const closed = this.#boardAt(board, stored[0]!);
        closed.previousRanks = this.#closures.finalRanks(boardConfig.id, stored[0]!);
        this.#closures.record(closed);
        // As when the period closes in #rollPeriods: its rank and climb badges (once each, by key).
        this.#safely("recognition", () => this.#recognition.afterClose(closed, now));
      }
      this.#startPeriod(board, board.period);
      next.set(boardConfig.id, board);
      this.fanout.markDirty(boardConfig.id);
      const previous = this.#boards.get(boardConfig.id);
      if (previous && previous.period.start !== board.period.start) this.fanout.announceNewPeriod(board, periodWindow(previous));
      else if (previous && JSON.stringify(previous.visibility) !== JSON.stringify(board.visibility)) this.fanout.announceSettings(board);
    }
    for (const [boardId] of this.#boards) {
      if (next.has(boardId)) continue;
      this.sql.exec("DELETE FROM scores WHERE board = ?", boardId);
      this.sql.exec("DELETE FROM meta WHERE key = ?", `signature:${boardId}`);
      this.fanout.closeBoard(boardId);
    }
    this.#boards = next;
    this.#applyFeeders(config, members, optedOut, now);
    this.#boardsByMetric = new Map();
    for (const board of [...next.values(), ...this.#feeders.values()]) {
      for (const key of board.metricKeys) {
        const list = this.#boardsByMetric.get(key) ?? [];
        list.push(board);
        this.#boardsByMetric.set(key, list);
      }
    }
    this.fanout.scheduleTick();
    this.#scheduleAlarm();
  }

  /**
   * The roll-up boards this team feeds. Every entry of their current periods is (re)sent: the
   * roll-up objects may have missed sends before this object restarted, or a board be new.
   */
  #applyFeeders(config: TeamConfig, members: ReadonlyMap<string, Member>, optedOut: ReadonlySet<string>, now: number): void {
    const next = new Map<string, LiveBoard>();
    for (const boardConfig of config.feeders ?? []) {
      const feeder = new LiveBoard(boardConfig, config.timeZone, now, members, optedOut);
      const signature = LiveBoard.signature(boardConfig, config.timeZone);
      if (this.meta(`signature:${boardConfig.id}`) !== signature) {
        // Agents who had an entry before a redefinition are sent too: those without one now are removals.
        for (const [agent] of this.#readScores(boardConfig.id, feeder.period.start)) this.#rollupOutbox.mark(boardConfig.id, feeder.period.start, entryKey(config.teamId, agent));
        this.#rebuildScores(feeder, signature);
      }
      this.#startPeriod(feeder, feeder.period);
      next.set(boardConfig.id, feeder);
      for (const agent of feeder.entries.keys()) this.#rollupOutbox.mark(boardConfig.id, feeder.period.start, entryKey(config.teamId, agent));
    }
    for (const boardId of this.#feeders.keys()) {
      if (next.has(boardId) || this.#boards.has(boardId)) continue;
      this.sql.exec("DELETE FROM scores WHERE board = ?", boardId);
      this.sql.exec("DELETE FROM meta WHERE key = ?", `signature:${boardId}`);
    }
    this.#feeders = next;
  }

  /**
   * After a restart with sends still waiting: one for the previous period may have been among them
   * (a late event, a correction), so its entries go up again too, while that period can still change.
   */
  #resendPreviousPeriods(): void {
    const config = this.#config;
    if (!config) return;
    const graceMs = (config.lateGraceHours ?? 72) * 3_600_000;
    for (const feeder of this.#feeders.values()) {
      if (feeder.period.kind === "contest") continue;
      const previous = feeder.periodAt(feeder.period.start - 1);
      if (previous.end + graceMs < Date.now()) continue;
      for (const agent of this.#foldPeriod(feeder, previous).keys()) this.#rollupOutbox.mark(feeder.config.id, previous.start, entryKey(config.teamId, agent));
    }
  }

  /** The current state of a feeder's entries, as its roll-up objects receive them. */
  #feederEntries(boardId: string, periodStart: number, keys: readonly EntryKey[]): RollupEntry[] {
    const feeder = this.#feeders.get(boardId);
    const config = this.#config;
    if (!feeder || !config) return [];
    const optedOut = new Set(config.optedOut ?? []);
    // An earlier period's entries are folded from the events (a stored score may predate a
    // redefinition): the whole period at once when several agents are asked for.
    const current = periodStart === feeder.period.start;
    const folded = !current && keys.length > 1 ? this.#foldPeriod(feeder, feeder.periodAt(periodStart)) : null;
    const found = keys.map((key) => {
      const agent = key.slice(key.indexOf("/") + 1);
      // An agent no longer in the team (deactivated, or moved out before the period) leaves the roll-up
      // as they leave the team's boards: nothing about them goes up, not even their id.
      if (!(agent in config.agents)) return { agent, entry: null };
      const entry = current ? feeder.entries.get(agent) : folded ? folded.get(agent) : this.#foldScore(feeder, periodStart, agent);
      return { agent, entry: entry ?? null };
    });
    // Ties across teams go to who reached the score first: the moment this team received that event.
    const seqs = found.flatMap((f) => (f.entry ? [f.entry.reachedSeq] : []));
    const receivedAt = new Map(
      this.sql
        .exec<{ seq: number; received_at: number }>("SELECT seq, received_at FROM events WHERE seq IN (SELECT value FROM json_each(?))", JSON.stringify(seqs))
        .toArray()
        .map((r) => [r.seq, r.received_at]),
    );
    return found.map(({ agent, entry }) => ({
      team: config.teamId,
      agent,
      entry,
      reachedAt: entry ? (receivedAt.get(entry.reachedSeq) ?? 0) : 0,
      configAt: config.loadedAt,
      agentName: config.agents[agent] ?? agent,
      optedOut: optedOut.has(agent),
      teamName: config.teamName,
      department: config.departmentId ?? "",
      departmentName: config.departmentName ?? "",
    }));
  }

  /** A new or redefined board: recompute its current period from the events this team kept. */
  #rebuildScores(board: LiveBoard, signature: string): void {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM scores WHERE board = ?", board.config.id);
      for (const [agent, entry] of this.#foldPeriod(board)) this.#writeScore(board.config.id, board.period.start, agent, entry);
      this.setMeta(`signature:${board.config.id}`, signature);
    });
  }

  /** Each agent's entry (or one agent's) for a period of the board, folded from the events that count in it. */
  #foldPeriod(board: LiveBoard, period: Period = board.period, agent?: string): Map<string, ScoreEntry> {
    const byAgent = new Map<string, (EventRow & { occurredAt: number })[]>();
    const events = this.sql.exec<EventRow>(
      "SELECT * FROM events WHERE metric IN (SELECT value FROM json_each(?)) AND counts_at >= ? AND counts_at < ? AND (? IS NULL OR agent = ?) ORDER BY seq",
      JSON.stringify(board.metricKeys),
      period.start,
      period.end,
      agent ?? null,
      agent ?? null,
    );
    for (const e of events) {
      const list = byAgent.get(e.agent) ?? [];
      list.push({ ...e, occurredAt: e.occurred_at });
      byAgent.set(e.agent, list);
    }
    const { aggregation } = board.config.metric;
    const fold = (list: (EventRow & { occurredAt: number })[]): ScoreEntry => {
      if (aggregation !== "scorecard") return foldEvents(list, aggregation);
      const { parts, reachedSeq } = foldParts(list, (parts) => board.scoreOfParts(parts));
      return { aggregate: emptyAggregate(), parts, reachedSeq };
    };
    return new Map([...byAgent].map(([agent, list]) => [agent, fold(list)]));
  }

  // -------------------------------------------------------------------------------------------
  // Storage

  #migrate(): void {
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        agent TEXT NOT NULL,
        metric TEXT NOT NULL,
        value REAL NOT NULL,
        occurred_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS scores (
        board TEXT NOT NULL, period_start INTEGER NOT NULL, agent TEXT NOT NULL,
        sum REAL NOT NULL, count INTEGER NOT NULL, min REAL NOT NULL, max REAL NOT NULL,
        last REAL NOT NULL, last_at INTEGER NOT NULL, reached_seq INTEGER NOT NULL,
        PRIMARY KEY (board, period_start, agent)
      ) WITHOUT ROWID;
    `);
    // Added with corrections and ratio metrics. `counts_at` is when an event counts: its own
    // occurred_at, or for a `set` or `void` that of the event it corrects.
    this.#addColumns("events", {
      kind: "TEXT NOT NULL DEFAULT 'add'",
      ref: "TEXT",
      part: "TEXT NOT NULL DEFAULT 'numerator'",
      counts_at: "INTEGER",
    });
    this.sql.exec("UPDATE events SET counts_at = occurred_at WHERE counts_at IS NULL");
    this.sql.exec("DROP INDEX IF EXISTS events_metric_time");
    this.sql.exec("DROP INDEX IF EXISTS events_agent_metric");
    this.sql.exec("CREATE INDEX IF NOT EXISTS events_metric_counts_at ON events (metric, counts_at)");
    // No (agent, metric) index: corrections are rare and fold from the metric's period range, while
    // a third index on every insert cost about a third of ingest throughput.
    // `parts`: a scorecard's aggregate per component metric (JSON); null on other boards.
    this.#addColumns("scores", { den: "REAL NOT NULL DEFAULT 0", adjust: "REAL NOT NULL DEFAULT 0", parts: "TEXT" });
  }

  #addColumns(table: string, columns: Record<string, string>): void {
    const existing = new Set(this.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info(?)", table).toArray().map((c) => c.name));
    for (const [name, definition] of Object.entries(columns)) {
      if (!existing.has(name)) this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`);
    }
  }

  #writeScore(boardId: string, periodStart: number, agent: string, { aggregate: a, parts, reachedSeq }: ScoreEntry): void {
    this.sql.exec(
      `INSERT INTO scores (board, period_start, agent, sum, count, min, max, last, last_at, den, adjust, parts, reached_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (board, period_start, agent) DO UPDATE SET sum = excluded.sum, count = excluded.count, min = excluded.min,
         max = excluded.max, last = excluded.last, last_at = excluded.last_at, den = excluded.den, adjust = excluded.adjust,
         parts = excluded.parts, reached_seq = excluded.reached_seq`,
      boardId, periodStart, agent, a.sum, a.count, a.min, a.max, a.last, a.lastAt, a.den, a.adjust, parts ? partsToJson(parts) : null, reachedSeq,
    );
  }

  #readScore(boardId: string, periodStart: number, agent: string): ScoreEntry | undefined {
    return this.#readScores(boardId, periodStart, agent)[0]?.[1];
  }

  #readScores(boardId: string, periodStart: number, agent?: string): [string, ScoreEntry][] {
    type ScoreRow = { agent: string; sum: number; count: number; min: number; max: number; last: number; last_at: number; den: number; adjust: number; parts: string | null; reached_seq: number };
    const rows = agent
      ? this.sql.exec<ScoreRow>("SELECT * FROM scores WHERE board = ? AND period_start = ? AND agent = ?", boardId, periodStart, agent)
      : this.sql.exec<ScoreRow>("SELECT * FROM scores WHERE board = ? AND period_start = ?", boardId, periodStart);
    return rows
      .toArray()
      .map((r) => [
        r.agent,
        {
          aggregate: { sum: r.sum, count: r.count, min: r.min, max: r.max, last: r.last, lastAt: r.last_at, den: r.den, adjust: r.adjust },
          ...(r.parts === null ? {} : { parts: partsFromJson(r.parts) }),
          reachedSeq: r.reached_seq,
        },
      ]);
  }
}

