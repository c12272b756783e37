/**
 * What the dashboard's parts share: the credential, the boards it may see, the board headers
 * learnt so far (names, metric labels and units come only from a board's snapshot), and how a
 * team's scores sum up into one figure.
 */
import type { AgentTrend, Board, BoardHeader, BoardHistory, Row, SnapshotFrame } from "../../../protocol/index.ts";

export type { AgentTrend, BoardHistory };
import { api } from "../page.ts";

export interface Session {
  readonly token: string;
  /** The active boards the credential sees. */
  readonly boards: readonly Board[];
  get<T>(path: string): Promise<T>;
  /** The board's header, from what a live connection brought or else from its REST snapshot (asked once). */
  header(boardId: string): Promise<BoardHeader | null>;
  knownHeader(boardId: string): BoardHeader | null;
  remember(header: BoardHeader): void;
}

export function createSession(token: string, boards: readonly Board[]): Session {
  const headers = new Map<string, BoardHeader>();
  const asked = new Map<string, Promise<BoardHeader | null>>();
  const session: Session = {
    token,
    boards,
    get: (path) => api(token, "GET", path),
    header(boardId) {
      const known = headers.get(boardId);
      if (known) return Promise.resolve(known);
      let pending = asked.get(boardId);
      if (!pending) {
        pending = session
          .get<{ snapshot: SnapshotFrame }>(`/v1/boards/${encodeURIComponent(boardId)}`)
          .then(({ snapshot }) => {
            session.remember(snapshot.header);
            return snapshot.header;
          })
          .catch(() => {
            asked.delete(boardId); // Asked again next time: the answer may have been lost.
            return null;
          });
        asked.set(boardId, pending);
      }
      return pending;
    },
    knownHeader: (boardId) => headers.get(boardId) ?? null,
    remember: (header) => void headers.set(header.id, header),
  };
  return session;
}

/** One figure for a team's (or a period's) scores. `best` is the first place's score, whichever way the metric ranks. */
export type Measure = "total" | "average" | "best";

export interface Figures {
  total: number;
  average: number | null;
  best: number | null;
  /** Rows with a score. */
  scored: number;
}

/** Rows come in board order, so the first scored row is the best. */
export function figuresOf(rows: readonly Pick<Row, "score">[]): Figures {
  const scores = rows.flatMap((r) => (r.score === undefined ? [] : [r.score]));
  const total = scores.reduce((sum, s) => sum + s, 0);
  return { total: round(total), average: scores.length === 0 ? null : round(total / scores.length), best: scores[0] ?? null, scored: scores.length };
}

export function measureOf(figures: Figures, measure: Measure): number | null {
  return measure === "total" ? (figures.scored === 0 ? null : figures.total) : figures[measure];
}

/**
 * The figure that fits a metric when nothing says otherwise: counts and sums add up across agents
 * (a team's total); averages, ratios, extremes, last values and scorecards do not, so they are averaged.
 */
export function fittingMeasure(metric: BoardHeader["metric"]): Measure {
  return metric.aggregation === "sum" || metric.aggregation === "count" ? "total" : "average";
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Whether `a` ranks ahead of `b` on a metric of this direction (nulls last). */
export function ahead(direction: "higher" | "lower", a: number | null, b: number | null): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  return direction === "higher" ? b - a : a - b;
}
