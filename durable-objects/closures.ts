/**
 * Closed periods' final standings, kept in a board object's SQLite until D1 history has their
 * latest revision. Shared by every object that serves boards (a team's, a department's, the org's).
 * A revision of a period already in history is written with an audit row (before and after).
 */
import type { LiveBoard } from "./live-board.ts";
import type { Period } from "./periods.ts";

type ClosureRow = {
  board: string;
  period_start: number;
  period_end: number;
  kind: string;
  metric: string;
  direction: string;
  standings: string;
  revision: number;
  closed_at: number;
};

/** [member, rank, place, score] per ranked member. */
export type RecordedStanding = [string, number, number, number];

export class ClosureLog {
  /** Contest windows (board|start|end) already recorded by this object. */
  #closedContests = new Set<string>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`
      CREATE TABLE IF NOT EXISTS closed_periods (
        board TEXT NOT NULL, period_start INTEGER NOT NULL, period_end INTEGER NOT NULL, kind TEXT NOT NULL,
        metric TEXT NOT NULL, direction TEXT NOT NULL, standings TEXT NOT NULL,
        revision INTEGER NOT NULL, archived_revision INTEGER NOT NULL, closed_at INTEGER NOT NULL,
        PRIMARY KEY (board, period_start)
      ) WITHOUT ROWID;
    `);
  }

  /**
   * Closes the board's period once it has ended (`settleMs` after its end): records its final
   * standings and returns the period to start next. Null while it has not ended, and for a contest,
   * which keeps its final standings on the board (recorded once per window: an extended contest
   * that ends again is recorded again).
   */
  closeIfEnded(board: LiveBoard, now: number, settleMs = 0): Period | null {
    if (now < board.period.end + settleMs) return null;
    const next = board.periodAfter(now);
    if (!next) {
      const key = `${board.config.id}|${board.period.start}|${board.period.end}`;
      if (!this.#closedContests.has(key) && !this.has(board.config.id, board.period.start, board.period.end)) this.record(board);
      this.#closedContests.add(key);
      return null;
    }
    this.record(board);
    return next;
  }

  /** Records the board's current standings as its period's final ones (again, as the next revision, if already recorded). */
  record(board: LiveBoard): void {
    const standings: RecordedStanding[] = board.ranking.entries().map((s) => [s.member, s.rank, s.place, s.score]);
    if (standings.length === 0 && board.qualifying.size === 0) return;
    const { id, metric } = board.config;
    this.sql.exec(
      `INSERT INTO closed_periods (board, period_start, period_end, kind, metric, direction, standings, revision, archived_revision, closed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0, ?)
       ON CONFLICT (board, period_start) DO UPDATE SET standings = excluded.standings, period_end = excluded.period_end,
         revision = closed_periods.revision + 1, closed_at = excluded.closed_at`,
      id, board.period.start, board.period.end, board.period.kind, metric.key, metric.direction, JSON.stringify(standings), Date.now(),
    );
  }

  /** Whether the period starting then was recorded as closed (ending at `end`, if given). */
  has(boardId: string, periodStart: number, end?: number): boolean {
    return (
      this.sql
        .exec("SELECT 1 FROM closed_periods WHERE board = ? AND period_start = ? AND (? IS NULL OR period_end = ?)", boardId, periodStart, end ?? null, end ?? null)
        .toArray().length > 0
    );
  }

  /** The standings recorded for the period starting then, if any. */
  standings(boardId: string, periodStart: number): RecordedStanding[] {
    const row = this.sql.exec<{ standings: string }>("SELECT standings FROM closed_periods WHERE board = ? AND period_start = ?", boardId, periodStart).toArray()[0];
    return row ? (JSON.parse(row.standings) as RecordedStanding[]) : [];
  }

  /** Final ranks of the board's period that ended at `end`. */
  finalRanks(boardId: string, end: number): Map<string, number> {
    const row = this.sql.exec<{ standings: string }>("SELECT standings FROM closed_periods WHERE board = ? AND period_end = ?", boardId, end).toArray()[0];
    return new Map(row ? (JSON.parse(row.standings) as RecordedStanding[]).map(([member, rank]) => [member, rank]) : []);
  }

  hasPending(): boolean {
    return this.sql.exec("SELECT 1 FROM closed_periods WHERE revision > archived_revision LIMIT 1").toArray().length > 0;
  }

  /** Forgets closures that D1 has and that lie before `before`. */
  prune(before: number): void {
    this.sql.exec("DELETE FROM closed_periods WHERE archived_revision = revision AND period_end < ?", before);
  }

  /**
   * Writes pending closures to D1 (`ownerId`: the team, or "" for a roll-up), replacing an earlier
   * revision; each leaves the outbox once D1 committed the revision it was sent at. Throws on the
   * first failure (what was not written stays pending).
   */
  async drain(db: D1Database, orgId: string, ownerId: string): Promise<void> {
    const pending = this.sql.exec<ClosureRow>("SELECT * FROM closed_periods WHERE revision > archived_revision ORDER BY period_start LIMIT 20").toArray();
    for (const c of pending) {
      const standings = JSON.parse(c.standings) as RecordedStanding[];
      const key = [orgId, c.board, c.period_start] as const;
      const after = JSON.stringify(standings.map(([member, rank, , score]) => [member, rank, score]));
      await db.batch([
        // A revision of a period already in history is audited: its standings before and after.
        db
          .prepare(
            `INSERT INTO settings_audit (org_id, at, actor, target, before, after)
             SELECT ?1, ?4, 'late events and corrections', 'history:' || ?2 || '@' || strftime('%Y-%m-%dT%H:%M:%fZ', ?3 / 1000.0, 'unixepoch'),
                    (SELECT json_group_array(json_array(agent_id, rank, score))
                       FROM (SELECT agent_id, rank, score FROM period_standings WHERE org_id = ?1 AND board_id = ?2 AND period_start = ?3 ORDER BY place)),
                    ?5
             WHERE EXISTS (SELECT 1 FROM period_closures WHERE org_id = ?1 AND board_id = ?2 AND period_start = ?3 AND revision < ?6)`,
          )
          .bind(...key, Date.now(), after, c.revision),
        db
          .prepare(
            `INSERT INTO period_closures (org_id, board_id, period_start, period_end, kind, team_id, metric_key, direction, ranked, revision, closed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT DO UPDATE SET period_end = excluded.period_end, ranked = excluded.ranked, revision = excluded.revision,
               closed_at = excluded.closed_at
             WHERE excluded.revision > period_closures.revision`,
          )
          .bind(...key, c.period_end, c.kind, ownerId, c.metric, c.direction, standings.length, c.revision, c.closed_at),
        db.prepare("DELETE FROM period_standings WHERE org_id = ?1 AND board_id = ?2 AND period_start = ?3").bind(...key),
        db
          .prepare(
            `INSERT INTO period_standings (org_id, board_id, period_start, agent_id, rank, place, score)
             SELECT ?1, ?2, ?3, s.value ->> 0, s.value ->> 1, s.value ->> 2, s.value ->> 3 FROM json_each(?4) AS s WHERE true`,
          )
          .bind(...key, c.standings),
      ]);
      this.sql.exec("UPDATE closed_periods SET archived_revision = ? WHERE board = ? AND period_start = ?", c.revision, c.board, c.period_start);
    }
  }
}
