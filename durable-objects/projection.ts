/**
 * What a viewer may see of a board. This is the only way board data leaves a Durable Object:
 * REST snapshots and WebSocket frames are both built from `projectViewFor`.
 */
import type { RankedBoard } from "./ranking.ts";

/** Who is looking. API keys with the `read` scope see whole boards. */
export type Viewer = { kind: "key"; keyId: string };

export interface ProjectedRow {
  rank: number;
  place: number;
  agent: { id: string; name: string };
  score: number;
}

export interface BoardView {
  rows: ProjectedRow[];
  total: number;
}

export interface ProjectableBoard {
  ranking: RankedBoard;
  nameOf(agentId: string): string;
}

/** Viewers that share a view key receive identical frames, so each view is projected once per tick. */
export function viewKeyOf(viewer: Viewer): string {
  switch (viewer.kind) {
    case "key":
      return "full";
  }
}

export function projectViewFor(viewer: Viewer, board: ProjectableBoard): BoardView {
  switch (viewer.kind) {
    case "key":
      return {
        rows: board.ranking.entries().map((s) => ({
          rank: s.rank,
          place: s.place,
          agent: { id: s.member, name: board.nameOf(s.member) },
          score: roundScore(s.score),
        })),
        total: board.ranking.size,
      };
  }
}

/** Averages are shown to 4 decimals; a frame never carries float noise like 4.199999999. */
function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}

/** Rows that are new or changed, and agents that left the view. Rows carry absolute values. */
export function diffRows(before: ProjectedRow[], after: ProjectedRow[]): { changed: ProjectedRow[]; removed: string[] } {
  const previous = new Map(before.map((r) => [r.agent.id, r]));
  const changed: ProjectedRow[] = [];
  for (const row of after) {
    const old = previous.get(row.agent.id);
    previous.delete(row.agent.id);
    if (!old || old.rank !== row.rank || old.place !== row.place || old.score !== row.score || old.agent.name !== row.agent.name) {
      changed.push(row);
    }
  }
  return { changed, removed: [...previous.keys()] };
}
