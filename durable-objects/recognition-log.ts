/**
 * What a team's object awarded, kept in its SQLite until D1 has it: badge awards and points earned
 * by rules, each under a key that makes it once-only (a badge once per agent and period), however
 * often the events behind it arrive. A rule's points for new events accrue per agent and rule in the
 * same write as the events (the object records each event once, so each counts once) and become one
 * ledger movement per agent and rule when drained, keyed by the first event they cover; a
 * correction's points are a movement of their own. Also the marks that keep celebrations once per
 * period (a goal hit, first place) and the days each agent met a daily goal, for streaks.
 */
import { type Award, awardStatements, enterMovement } from "../worker/db/ledger.ts";

export interface PendingAward {
  /** `badge:<badge>:<agent>:<period start>` or `rule:<rule>:<event id>` (a correction's points). */
  key: string;
  kind: "badge" | "points";
  badgeId: string | null;
  /** The badge's name (for the ledger's reason), or the rule's reason. */
  label: string;
  agent: string;
  periodStart: number;
  points: number;
  reason: string;
  ref: string | null;
  at: number;
}

type AwardRow = {
  key: string;
  id: string;
  kind: "badge" | "points";
  badge_id: string | null;
  label: string;
  agent: string;
  period_start: number;
  points: number;
  reason: string;
  ref: string | null;
  at: number;
};

/** Points a rule earned an agent from a batch's new events. */
export interface Accrual {
  rule: string;
  agent: string;
  metric: string;
  points: number;
  events: number;
  /** The seq of the first event they came of. */
  firstSeq: number;
}

const DRAIN_BATCH = 40;
/** Award and mark keys known to be taken, so that a repeat costs no write (a cache: storage decides). */
const TAKEN_CACHE = 50_000;

export class RecognitionLog {
  /** Whether awards wait for D1: known from storage at start, then kept in memory (asked on every ingest). */
  #pending: boolean;
  #taken = new Set<string>();
  /** Keys taken inside a transaction not yet committed: cached only once it commits. */
  #uncommitted: string[] | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS awards (
        key TEXT PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL, badge_id TEXT, label TEXT NOT NULL,
        agent TEXT NOT NULL, period_start INTEGER NOT NULL, points INTEGER NOT NULL, reason TEXT NOT NULL,
        ref TEXT, at INTEGER NOT NULL, drained INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX IF NOT EXISTS awards_undrained ON awards (drained, at);
      CREATE TABLE IF NOT EXISTS recognition_marks (key TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS rule_points (
        rule TEXT NOT NULL, agent TEXT NOT NULL, metric TEXT NOT NULL, points INTEGER NOT NULL,
        events INTEGER NOT NULL, first_seq INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (rule, agent)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS goal_days (
        agent TEXT NOT NULL, metric TEXT NOT NULL, day_start INTEGER NOT NULL, PRIMARY KEY (agent, metric, day_start)
      ) WITHOUT ROWID;
    `);
    this.#pending = this.#undrained();
  }

  /** Whether awards or accrued points wait for D1 (read from storage). */
  #undrained(): boolean {
    return this.sql.exec("SELECT 1 FROM awards WHERE drained = 0 UNION ALL SELECT 1 FROM rule_points LIMIT 1").toArray().length > 0;
  }

  /** Records the award unless its key is taken; true when this call recorded it. */
  award(a: PendingAward): boolean {
    if (this.#taken.has(a.key)) return false;
    const recorded =
      this.sql.exec(
        `INSERT INTO awards (key, id, kind, badge_id, label, agent, period_start, points, reason, ref, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
        a.key,
        crypto.randomUUID(),
        a.kind,
        a.badgeId,
        a.label,
        a.agent,
        a.periodStart,
        a.points,
        a.reason,
        a.ref,
        a.at,
      ).rowsWritten > 0;
    if (recorded) this.#pending = true;
    this.#remember(a.key);
    return recorded;
  }

  /** Adds rules' points for new events to what each agent has accrued by each rule (one statement). */
  accrue(accruals: readonly Accrual[], at: number): void {
    if (accruals.length === 0) return;
    this.sql.exec(
      `INSERT INTO rule_points (rule, agent, metric, points, events, first_seq, at)
       SELECT a.value ->> 0, a.value ->> 1, a.value ->> 2, a.value ->> 3, a.value ->> 4, a.value ->> 5, ?
       FROM json_each(?) AS a WHERE true
       ON CONFLICT (rule, agent) DO UPDATE SET points = points + excluded.points, events = events + excluded.events, at = excluded.at`,
      at,
      JSON.stringify(accruals.map((a) => [a.rule, a.agent, a.metric, a.points, a.events, a.firstSeq])),
    );
    this.#pending = true;
  }

  /** Sets a once-only mark (a goal hit this period, first place this period); true the first time. */
  mark(key: string, at: number): boolean {
    if (this.#taken.has(key)) return false;
    const set = this.sql.exec("INSERT INTO recognition_marks (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, at).rowsWritten > 0;
    this.#remember(key);
    return set;
  }

  #remember(key: string): void {
    if (this.#uncommitted) {
      this.#uncommitted.push(key);
      return;
    }
    if (this.#taken.size >= TAKEN_CACHE) this.#taken.clear();
    this.#taken.add(key);
  }

  /** Runs `run` (a storage transaction); the keys it takes are cached only if it commits. */
  atomically<T>(run: () => T): T {
    this.#uncommitted = [];
    let committed = false;
    try {
      const result = run();
      committed = true;
      return result;
    } finally {
      const keys = this.#uncommitted;
      this.#uncommitted = null;
      if (committed) for (const key of keys) this.#remember(key);
    }
  }

  metGoal(agent: string, metric: string, dayStart: number): void {
    this.sql.exec("INSERT INTO goal_days (agent, metric, day_start) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", agent, metric, dayStart);
  }

  /** The days (their starts) since `since` on which the agent met their daily goal on the metric. */
  goalDays(agent: string, metric: string, since: number): Set<number> {
    const rows = this.sql.exec<{ day_start: number }>("SELECT day_start FROM goal_days WHERE agent = ? AND metric = ? AND day_start >= ?", agent, metric, since);
    return new Set([...rows].map((r) => r.day_start));
  }

  hasPending(): boolean {
    return this.#pending;
  }

  /**
   * Turns what rules accrued into awards, one per agent and rule, keyed by the team and the first
   * event they cover (so a drain that is retried enters the same movement), in one write.
   */
  #seal(teamId: string): void {
    const accrued = this.sql.exec<{ rule: string; agent: string; metric: string; points: number; events: number; first_seq: number; at: number }>("SELECT * FROM rule_points").toArray();
    for (const r of accrued) {
      if (r.points === 0) continue;
      const reason = `Rule ${r.rule}: ${r.events} ${r.metric} event${r.events === 1 ? "" : "s"}`;
      this.sql.exec(
        `INSERT INTO awards (key, id, kind, badge_id, label, agent, period_start, points, reason, ref, at)
         VALUES (?, ?, 'points', NULL, ?, ?, 0, ?, ?, NULL, ?) ON CONFLICT (key) DO NOTHING`,
        `rule:${r.rule}:${teamId}:${r.first_seq}`,
        crypto.randomUUID(),
        r.rule,
        r.agent,
        r.points,
        reason,
        r.at,
      );
    }
    if (accrued.length > 0) this.sql.exec("DELETE FROM rule_points");
  }

  /** Writes undrained awards to D1 (badge awards with their points, rules' points to the ledger), marking each once D1 has it. */
  async drain(db: D1Database, orgId: string, teamId: string): Promise<void> {
    this.#seal(teamId);
    for (;;) {
      const rows = this.sql.exec<AwardRow>("SELECT * FROM awards WHERE drained = 0 ORDER BY at LIMIT ?", DRAIN_BATCH).toArray();
      if (rows.length === 0) {
        // Points may have accrued while D1 was being written: they wait for the next drain.
        this.#pending = this.#undrained();
        return;
      }
      const statements = rows.flatMap((r) => {
        if (r.kind === "badge") {
          const award: Award = { id: r.id, orgId, badgeId: r.badge_id!, agentId: r.agent, periodStart: r.period_start, points: r.points, reason: r.reason, awardedBy: "system", at: r.at };
          return awardStatements(db, award, r.label);
        }
        return [enterMovement(db, { orgId, key: r.key, agentId: r.agent, points: r.points, kind: "metric_rule", reason: r.reason, actor: "system", ref: r.ref, at: r.at })];
      });
      await db.batch(statements);
      this.sql.exec("UPDATE awards SET drained = 1 WHERE key IN (SELECT value FROM json_each(?))", JSON.stringify(rows.map((r) => r.key)));
    }
  }

  /** Forgets drained awards and marks from before `before` (a `first` badge's award, period 0, is kept). */
  prune(before: number): void {
    this.#taken.clear();
    this.sql.exec("DELETE FROM awards WHERE drained = 1 AND (kind = 'points' OR period_start > 0) AND at < ?", before);
    this.sql.exec("DELETE FROM recognition_marks WHERE at < ?", before);
    this.sql.exec("DELETE FROM goal_days WHERE day_start < ?", before - 400 * 86_400_000);
  }
}
