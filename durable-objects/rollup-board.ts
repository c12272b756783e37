/**
 * RollupBoard: one Durable Object per department and one for the org. It serves roll-up boards —
 * team against team within a department, department-wide and org-wide boards of agents, department
 * against department — from the entries the teams' objects report, never by reading the teams.
 *
 * Team objects send a department's object coalesced deltas (each changed agent's entry as it now
 * stands) for the department's boards and the org's; a department's object keeps them, serves its
 * own boards, and forwards the org boards' entries to the org's object, coalesced again. So the
 * org's object hears from each department a few times a second at most, not once per event.
 * Entries are stored before a delta is acknowledged; an object that restarts resends everything it
 * holds for current periods, so nothing reported is lost on the way up.
 */
import { and, eq, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { BoardHeader, ScoreExplanation, SnapshotFrame } from "../protocol/index.ts";
import { departments, orgs, boards as boardsTable } from "../worker/db/schema.ts";
import { BoardObject } from "./board-object.ts";
import { ClosureLog } from "./closures.ts";
import { Fanout, periodWindow, type SocketRequest } from "./fanout.ts";
import { type BoardConfig, entryFromJson, entryToJson, LiveBoard } from "./live-board.ts";
import type { Viewer } from "./projection.ts";
import { Rollup } from "./rollup.ts";
import { type EntryKey, entryKey, type RollupDelta, type RollupEntry, RollupOutbox } from "./rollup-outbox.ts";
import { boardConfigsOf, boardsQuery, metricsQuery } from "./team-config.ts";

export type RollupNode = { kind: "department"; departmentId: string } | { kind: "org" };

export interface RollupScope {
  orgId: string;
  node: RollupNode;
}

export interface RollupConnectRequest extends RollupScope, SocketRequest {}

/** Stable names, so that every isolate and every team reaches the same object. */
export function rollupObjectName({ orgId, node }: RollupScope): string {
  return node.kind === "org" ? `${orgId}/org` : `${orgId}/department/${node.departmentId}`;
}

interface RollupConfig extends RollupScope {
  /** The department's or the org's name. */
  name: string;
  timeZone: string;
  lateGraceHours: number;
  /** The boards this object serves. */
  boards: BoardConfig[];
  /** Boards further up that this object forwards to (a department's: the org's boards). */
  feeders: BoardConfig[];
  loadedAt: number;
}

async function loadRollupConfig(d1: D1Database, scope: RollupScope): Promise<RollupConfig> {
  const db = drizzle(d1);
  const { orgId, node } = scope;
  const hosted: SQL | undefined =
    node.kind === "org" ? eq(boardsTable.scope, "org") : and(eq(boardsTable.scope, "department"), eq(boardsTable.departmentId, node.departmentId));
  const [orgRows, departmentRows, boardRows, feederRows, metricRows] = await db.batch([
    db.select({ name: orgs.name, timeZone: orgs.timeZone, visibility: orgs.visibility, lateGraceHours: orgs.lateGraceHours }).from(orgs).where(eq(orgs.id, orgId)),
    db
      .select({ name: departments.name })
      .from(departments)
      .where(and(eq(departments.orgId, orgId), eq(departments.id, node.kind === "department" ? node.departmentId : ""))),
    boardsQuery(db, orgId, hosted),
    boardsQuery(db, orgId, node.kind === "department" ? eq(boardsTable.scope, "org") : eq(boardsTable.id, "")),
    metricsQuery(db, orgId),
  ]);
  const org = orgRows[0];
  const visibility = org?.visibility ?? {};
  return {
    ...scope,
    name: node.kind === "org" ? (org?.name ?? orgId) : (departmentRows[0]?.name ?? node.departmentId),
    timeZone: org?.timeZone ?? "UTC",
    lateGraceHours: org?.lateGraceHours ?? 72,
    boards: boardConfigsOf(boardRows, metricRows, visibility),
    feeders: boardConfigsOf(feederRows, metricRows, visibility),
    loadedAt: Date.now(),
  };
}

type EntryRow = {
  board: string;
  period_start: number;
  team: string;
  agent: string;
  entry: string;
  reached_at: number;
  agent_name: string;
  opted_out: number;
  team_name: string;
  department: string;
  department_name: string;
  config_at: number;
};

const CONFIG_MAX_AGE_MS = 10 * 60_000;
const CONFIG_RELOAD_MIN_INTERVAL_MS = 5_000;
/**
 * A roll-up closes its period this long after the boundary, so that the teams' last deltas for it
 * (coalesced for up to ROLLUP_FLUSH_MS at each of two levels) are in its final standings.
 */
const CLOSE_SETTLE_MS = 3_000;
const DRAIN_DELAY_MS = 500;
const FORWARD_RETRY_MS = 2_000;
const LONGEST_PERIOD_MS = 93 * 86_400_000;
const PRUNE_INTERVAL_MS = 3_600_000;

export class RollupBoard extends BoardObject {
  #config: RollupConfig | null = null;
  #configTriedAt = 0;
  #rollups = new Map<string, Rollup>();
  /** Boards further up: only their periods are needed here. */
  #feeders = new Map<string, LiveBoard>();
  protected readonly fanout: Fanout;
  #closures!: ClosureLog;
  #outbox: RollupOutbox;
  #alarmAt: number | null = null;
  /** Deltas and entries received since the object started (operations, and the coalescing tests). */
  #received = { deltas: 0, entries: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.fanout = new Fanout(ctx, {
      board: (id) => this.#rollups.get(id)?.board,
      owner: () => ({ id: this.#ownerId(), name: this.#config?.name ?? "" }),
      headerExtra: (board) => this.#headerExtra(board),
      rollPeriods: (now) => this.#rollPeriods(now),
    });
    this.#outbox = new RollupOutbox(
      (boardId, periodStart, keys) => this.#readEntries(boardId, periodStart, keys),
      async (delta) => {
        if (!this.#config) throw new Error("no configuration to forward with");
        const node = this.#config.node;
        const from = node.kind === "department" ? { department: node.departmentId } : {};
        await rollupStub(this.env, this.#config.orgId, { kind: "org" }).apply({ orgId: this.#config.orgId, node: { kind: "org" } }, { ...delta, ...from });
      },
    );
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(`
        CREATE TABLE IF NOT EXISTS entries (
          board TEXT NOT NULL, period_start INTEGER NOT NULL, team TEXT NOT NULL, agent TEXT NOT NULL,
          entry TEXT NOT NULL, reached_at INTEGER NOT NULL, agent_name TEXT NOT NULL, opted_out INTEGER NOT NULL,
          team_name TEXT NOT NULL, department TEXT NOT NULL, department_name TEXT NOT NULL,
          PRIMARY KEY (board, period_start, team, agent)
        ) WITHOUT ROWID;
      `);
      // Added after roll-ups first shipped: which team configuration reported the entry.
      if (!this.sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('entries')").toArray().some((c) => c.name === "config_at")) {
        this.sql.exec("ALTER TABLE entries ADD COLUMN config_at INTEGER NOT NULL DEFAULT 0");
      }
      this.#closures = new ClosureLog(this.sql);
      const stored = this.meta("config");
      if (stored) this.#applyConfig(JSON.parse(stored) as RollupConfig, { persist: false });
      // After a restart, a forward for the previous period may have been waiting in memory.
      for (const feeder of this.#feeders.values()) {
        if (feeder.period.kind === "contest") continue;
        const previous = feeder.periodAt(feeder.period.start - 1);
        for (const e of this.#readEntries(feeder.config.id, previous.start)) this.#outbox.mark(feeder.config.id, previous.start, entryKey(e.team, e.agent));
      }
      this.#alarmAt = await ctx.storage.getAlarm();
      this.fanout.restore();
    });
  }

  // -------------------------------------------------------------------------------------------
  // RPC

  /** Entries from a team's object (or, at the org's, from a department's), stored before this answers. */
  async apply(scope: RollupScope, delta: RollupDelta): Promise<void> {
    this.#received.deltas++;
    for (const b of delta.boards) this.#received.entries += b.entries.length;
    // Close what ended before a configuration reload builds the boards afresh in the new period.
    this.#rollPeriods(Date.now());
    const unknown = delta.boards.some((b) => !this.#rollups.has(b.boardId) && !this.#feeders.has(b.boardId));
    await this.#ensureConfig(scope, unknown);
    const now = Date.now();
    this.#rollPeriods(now);
    const graceMs = (this.#config?.lateGraceHours ?? 72) * 3_600_000;
    const node = scope.node;
    const boards = delta.boards.map((b) => ({
      ...b,
      // A team that changed department may still report to its old one until it hears of the change:
      // a department takes only its own teams' entries.
      // and none that a team reported under a configuration older than its leaving this department.
      entries: node.kind === "department" ? b.entries.filter((e) => e.department === node.departmentId && e.configAt >= this.#droppedAt(e.team)) : b.entries,
    }));
    this.ctx.storage.transactionSync(() => {
      for (const { boardId, periodStart, entries } of boards) this.#store(boardId, periodStart, entries, delta.department);
    });
    for (const { boardId, periodStart, entries } of boards) {
      const feeder = this.#feeders.get(boardId);
      if (feeder) for (const e of entries) this.#outbox.mark(boardId, periodStart, entryKey(e.team, e.agent));
      const rollup = this.#rollups.get(boardId);
      if (!rollup) continue;
      if (periodStart === rollup.period.start) {
        rollup.apply(this.#readEntries(boardId, periodStart, entries.map((e) => entryKey(e.team, e.agent))));
        this.fanout.markDirty(boardId);
      }
      // A period that already closed changed (a late event or a correction at a team), within the
      // grace window and under the board's current definition: its standings are recorded again.
      const closed = periodStart < rollup.period.start || (rollup.period.kind === "contest" && rollup.period.end + CLOSE_SETTLE_MS <= now);
      const definedFrom = Number(this.meta(`defined_from:${boardId}`) ?? 0);
      if (closed && periodStart >= definedFrom && this.#closures.has(boardId, periodStart)) {
        const past = periodStart === rollup.period.start ? rollup : this.#rollupAt(rollup.config, periodStart);
        if (past.period.end + graceMs >= now) this.#closures.record(past.board);
      }
    }
    this.fanout.scheduleTick();
    this.#scheduleAlarm();
  }

  /** How many deltas (messages) and entries this object received since it started. */
  async stats(): Promise<{ deltas: number; entries: number }> {
    return { ...this.#received };
  }

  /** The board as this viewer may see it right now (REST). */
  async snapshot(scope: RollupScope, boardId: string, viewer: Viewer): Promise<SnapshotFrame | null> {
    const rollup = await this.#findRollup(scope, boardId);
    return rollup ? this.fanout.snapshotFor(rollup.board, viewer) : null;
  }

  /** Why the agent has their score on a board of agents; null when unknown here or the board ranks groups. */
  async explain(scope: RollupScope, boardId: string, agentId: string): Promise<ScoreExplanation | null> {
    const rollup = await this.#findRollup(scope, boardId);
    if (!rollup || rollup.ranks !== "agents" || !rollup.entryOf(agentId)) return null;
    return rollup.board.explain(agentId);
  }

  /**
   * The team moved to another department: its entries leave this department's boards from their
   * current periods on (closed periods keep them). The org's boards hear of the team from its new
   * department, under the same keys, so nothing is forwarded here.
   */
  async dropTeam(scope: RollupScope, teamId: string): Promise<void> {
    await this.#ensureConfig(scope);
    // What the team reports under its configuration from before this (still in flight) is refused.
    this.setMeta(`dropped:${teamId}`, String(Date.now()));
    for (const [boardId, board] of [...[...this.#rollups].map(([id, r]) => [id, r.board] as const), ...this.#feeders]) {
      this.sql.exec("DELETE FROM entries WHERE board = ? AND team = ? AND period_start >= ?", boardId, teamId, board.period.start);
    }
    for (const rollup of this.#rollups.values()) {
      this.#startPeriod(rollup, rollup.period.start);
      this.fanout.markDirty(rollup.config.id);
    }
    this.fanout.scheduleTick();
  }

  /** The roll-up boards changed in D1. */
  async refreshConfig(scope: RollupScope): Promise<void> {
    this.#applyConfig(await loadRollupConfig(this.env.DB, scope));
  }

  protected override async socketBoard(request: SocketRequest): Promise<LiveBoard | undefined> {
    const connect = request as RollupConnectRequest;
    return (await this.#findRollup(connect, connect.boardId))?.board;
  }

  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    const now = Date.now();
    this.#rollPeriods(now);
    await this.#outbox.flush();
    if (this.#closures.hasPending() && now >= this.drainNotBefore()) await this.#drainClosures();
    this.#prune(now);
    this.#scheduleAlarm();
  }

  // -------------------------------------------------------------------------------------------
  // Entries

  /** Stores the entries; `fromDepartment`: a department's object forwarding, whose removals touch only its own teams' rows. */
  #store(boardId: string, periodStart: number, entries: readonly RollupEntry[], fromDepartment?: string): void {
    const present = entries.filter((e) => e.entry !== null);
    const gone = entries.filter((e) => e.entry === null);
    if (present.length > 0) {
      this.sql.exec(
        `INSERT INTO entries (board, period_start, team, agent, entry, reached_at, agent_name, opted_out, team_name, department, department_name, config_at)
         SELECT ?, ?, e.value ->> 0, e.value ->> 1, e.value ->> 2, e.value ->> 3, e.value ->> 4, e.value ->> 5, e.value ->> 6, e.value ->> 7, e.value ->> 8, e.value ->> 9
         FROM json_each(?) AS e WHERE true
         ON CONFLICT (board, period_start, team, agent) DO UPDATE SET entry = excluded.entry, reached_at = excluded.reached_at,
           agent_name = excluded.agent_name, opted_out = excluded.opted_out, team_name = excluded.team_name,
           department = excluded.department, department_name = excluded.department_name, config_at = excluded.config_at
         WHERE excluded.config_at >= entries.config_at`,
        boardId,
        periodStart,
        JSON.stringify(present.map((e) => [e.team, e.agent, entryToJson(e.entry!), e.reachedAt, e.agentName, e.optedOut ? 1 : 0, e.teamName, e.department, e.departmentName, e.configAt])),
      );
    }
    if (gone.length > 0) {
      this.sql.exec(
        "DELETE FROM entries WHERE board = ? AND period_start = ? AND (team || '/' || agent) IN (SELECT value FROM json_each(?)) AND (? IS NULL OR department = ?)",
        boardId,
        periodStart,
        JSON.stringify(gone.map((e) => entryKey(e.team, e.agent))),
        fromDepartment ?? null,
        fromDepartment ?? null,
      );
    }
  }

  /** Stored entries of a board's period (those named by `keys`, or all); a key with none is reported gone. */
  #readEntries(boardId: string, periodStart: number, keys?: readonly EntryKey[]): RollupEntry[] {
    const rows = keys
      ? this.sql.exec<EntryRow>(
          "SELECT * FROM entries WHERE board = ? AND period_start = ? AND (team || '/' || agent) IN (SELECT value FROM json_each(?))",
          boardId,
          periodStart,
          JSON.stringify(keys),
        )
      : this.sql.exec<EntryRow>("SELECT * FROM entries WHERE board = ? AND period_start = ?", boardId, periodStart);
    const found: RollupEntry[] = rows.toArray().map((r) => ({
      team: r.team,
      agent: r.agent,
      entry: entryFromJson(r.entry),
      reachedAt: r.reached_at,
      agentName: r.agent_name,
      optedOut: r.opted_out === 1,
      teamName: r.team_name,
      department: r.department,
      departmentName: r.department_name,
      configAt: r.config_at,
    }));
    if (!keys) return found;
    const have = new Set(found.map((e) => entryKey(e.team, e.agent)));
    const gone = keys.filter((k) => !have.has(k)).map((k): RollupEntry => {
      const [team = "", agent = ""] = k.split("/");
      return { team, agent, entry: null, reachedAt: 0, agentName: agent, optedOut: false, teamName: team, department: "", departmentName: "", configAt: 0 };
    });
    return [...found, ...gone];
  }

  /** The roll-up as it stood in another of its periods, from the entries kept for it. */
  #rollupAt(config: BoardConfig, periodStart: number): Rollup {
    const past = new Rollup(config, this.#config?.timeZone ?? "UTC", periodStart);
    past.reset(past.period, this.#readEntries(config.id, past.period.start));
    return past;
  }

  /** Forgets entries that can no longer change a board. */
  #prune(now: number): void {
    if (now - Number(this.meta("pruned_at") ?? 0) < PRUNE_INTERVAL_MS) return;
    this.setMeta("pruned_at", String(now));
    const before = now - LONGEST_PERIOD_MS - (this.#config?.lateGraceHours ?? 72) * 3_600_000;
    this.sql.exec("DELETE FROM entries WHERE period_start < ?", before);
    this.#closures.prune(before);
  }

  // -------------------------------------------------------------------------------------------
  // Periods and history

  #rollPeriods(now: number): void {
    for (const rollup of this.#rollups.values()) {
      const board = rollup.board;
      const previous = periodWindow(board);
      const next = this.#closures.closeIfEnded(board, now, CLOSE_SETTLE_MS);
      if (!next) continue;
      this.#startPeriod(rollup, next.start);
      this.fanout.announceNewPeriod(board, previous);
    }
    for (const feeder of this.#feeders.values()) {
      const next = now >= feeder.period.end ? feeder.periodAfter(now) : null;
      if (next) feeder.reset(next, []);
    }
    this.fanout.scheduleTick();
  }

  #startPeriod(rollup: Rollup, instant: number): void {
    const period = rollup.board.periodAt(instant);
    rollup.reset(period, this.#readEntries(rollup.config.id, period.start));
    rollup.board.previousRanks = this.#closures.finalRanks(rollup.config.id, period.start);
    this.setMeta(`period:${rollup.config.id}`, `${period.start}|${period.end}`);
  }

  async #drainClosures(): Promise<void> {
    const config = this.#config;
    if (!config) return;
    try {
      await this.#closures.drain(this.env.DB, config.orgId, "");
      this.drainSucceeded();
    } catch (error) {
      this.drainFailed(error);
    }
  }

  #scheduleAlarm(): void {
    const now = Date.now();
    const times: number[] = [];
    if (this.#closures.hasPending()) times.push(Math.max(this.drainNotBefore(), now + DRAIN_DELAY_MS));
    // Pending forwards are in memory: the alarm wakes an evicted object, which then resends everything.
    if (this.#outbox.pending) times.push(now + FORWARD_RETRY_MS);
    for (const { board } of this.#rollups.values()) if (board.period.kind !== "contest" || board.period.end > now) times.push(board.period.end + CLOSE_SETTLE_MS);
    if (times.length === 0) return;
    const at = Math.min(...times);
    if (this.#alarmAt !== null && this.#alarmAt <= at && this.#alarmAt > now) return;
    this.#alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  // -------------------------------------------------------------------------------------------
  // Configuration

  async #ensureConfig(scope: RollupScope, force = false): Promise<void> {
    const stale = !this.#config || Date.now() - this.#config.loadedAt > CONFIG_MAX_AGE_MS;
    if (!(force || stale) || Date.now() - this.#configTriedAt < CONFIG_RELOAD_MIN_INTERVAL_MS) return;
    this.#configTriedAt = Date.now();
    try {
      await this.refreshConfig(scope);
    } catch (error) {
      // D1 is unreachable: keep serving (and storing what arrives) with the configuration we have.
      console.error("roll-up config reload failed", error);
    }
  }

  async #findRollup(scope: RollupScope, boardId: string): Promise<Rollup | undefined> {
    if (!this.#rollups.has(boardId)) await this.#ensureConfig(scope, true);
    return this.#rollups.get(boardId);
  }

  #applyConfig(config: RollupConfig, { persist = true } = {}): void {
    if (persist) this.setMeta("config", JSON.stringify(config));
    this.#config = config;
    const now = Date.now();
    const next = new Map<string, Rollup>();
    for (const boardConfig of config.boards) {
      const rollup = new Rollup(boardConfig, config.timeZone, now);
      this.#redefine(boardConfig, config.timeZone, rollup.period.start);
      // The object may wake (or reload) after its period ended with no one having closed it: within
      // the settling delay it keeps serving that period; later it records it, then starts the new one.
      const stored = this.meta(`period:${boardConfig.id}`)?.split("|").map(Number);
      const [storedStart = NaN, storedEnd = NaN] = stored ?? [];
      if (stored && storedStart !== rollup.period.start && storedEnd <= now && !this.#closures.has(boardConfig.id, storedStart)) {
        if (now < storedEnd + CLOSE_SETTLE_MS) {
          this.#startPeriod(rollup, storedStart);
        } else {
          this.#closures.record(this.#rollupAt(boardConfig, storedStart).board);
          this.#startPeriod(rollup, now);
        }
      } else {
        this.#startPeriod(rollup, now);
      }
      next.set(boardConfig.id, rollup);
      this.fanout.markDirty(boardConfig.id);
      const previous = this.#rollups.get(boardConfig.id)?.board;
      if (previous && previous.period.start !== rollup.period.start) this.fanout.announceNewPeriod(rollup.board, periodWindow(previous));
      else if (previous && JSON.stringify(previous.visibility) !== JSON.stringify(rollup.board.visibility)) this.fanout.announceSettings(rollup.board);
    }
    for (const boardId of this.#rollups.keys()) if (!next.has(boardId)) this.fanout.closeBoard(boardId);
    this.#rollups = next;
    // Forwarded boards: everything held for their current periods goes up again (the object above
    // may have missed a send before this object restarted).
    this.#feeders = new Map(config.feeders.map((b) => [b.id, new LiveBoard(b, config.timeZone, now, new Map())]));
    for (const feeder of this.#feeders.values()) this.#redefine(feeder.config, config.timeZone, feeder.period.start);
    for (const feeder of this.#feeders.values()) {
      for (const e of this.#readEntries(feeder.config.id, feeder.period.start)) this.#outbox.mark(feeder.config.id, feeder.period.start, entryKey(e.team, e.agent));
    }
    this.fanout.scheduleTick();
    this.#scheduleAlarm();
  }

  /**
   * A board whose definition changed starts from what the teams report under the new one (they
   * resend on refresh): its entries go, and closed periods before now are no longer revised (their
   * recorded standings were made under the old definition).
   */
  #redefine(config: BoardConfig, timeZone: string, currentStart: number): void {
    const signature = LiveBoard.signature(config, timeZone) + `|${JSON.stringify(config.rollup)}`;
    if (this.meta(`signature:${config.id}`) === signature) return;
    const first = this.meta(`signature:${config.id}`) === null;
    this.sql.exec("DELETE FROM entries WHERE board = ?", config.id);
    this.setMeta(`signature:${config.id}`, signature);
    if (!first) this.setMeta(`defined_from:${config.id}`, String(currentStart));
  }

  /** When the team left this department (0: never). */
  #droppedAt(teamId: string): number {
    return Number(this.meta(`dropped:${teamId}`) ?? 0);
  }

  #ownerId(): string {
    const node = this.#config?.node;
    return !node ? "" : node.kind === "org" ? (this.#config?.orgId ?? "") : node.departmentId;
  }

  #headerExtra(board: LiveBoard): Partial<BoardHeader> {
    const rollup = this.#rollups.get(board.config.id);
    const scope = board.config.rollup?.scope;
    return rollup && scope ? { scope, ranks: rollup.ranks, ...(rollup.ranks === "agents" ? {} : { teamScore: rollup.teamScore }) } : {};
  }

}

/** The roll-up object of a department, or of the org. */
export function rollupStub(env: Env, orgId: string, node: RollupNode): DurableObjectStub<RollupBoard> {
  const namespace = env.ROLLUP_BOARD as DurableObjectNamespace<RollupBoard>;
  return namespace.get(namespace.idFromName(rollupObjectName({ orgId, node })));
}
