/**
 * What a viewer may see of a board. `projectViewFor` is the only way board data leaves a Durable
 * Object: REST snapshots and every WebSocket frame are built from its result, so a name, id or
 * score that it leaves out cannot reach the viewer through any other field.
 */
import type { QualifyingEntry, Row, ViewKind, Visibility } from "../protocol/index.ts";
import type { RankedBoard, Standing } from "./ranking.ts";

/**
 * Who is looking, as the Durable Object needs to know it. Leads, managers, admins and API keys
 * see whole boards (`full`); an agent sees the board through its visibility settings with their
 * own row; a wallboard (`display`) sees the public part, with no "me".
 */
export type Viewer = { kind: "full" } | { kind: "agent"; agentId: string } | { kind: "display" };

export interface BoardView {
  view: ViewKind;
  visibility: Visibility;
  rows: Row[];
  total: number | null;
  qualifying: QualifyingEntry[];
}

export interface ProjectableBoard {
  ranking: RankedBoard;
  visibility: Visibility;
  /** Members below the minimum volume (agent -> volume), and that minimum. */
  qualifying: ReadonlyMap<string, number>;
  minVolume: number;
  /** Places moved with the latest events, and final ranks in the previous period (live boards only). */
  movement?: ReadonlyMap<string, number>;
  previousRanks?: ReadonlyMap<string, number>;
  nameOf(agentId: string): string;
  /** What a row is, for anonymous labels ("Team #2"); "Agent" when absent. */
  memberNoun?: string;
  /** The agent asked not to be named to colleagues and wallboards. */
  isOptedOut(agentId: string): boolean;
}

/** Viewers with the same view key receive identical frames, so each view is projected once per tick. */
export function viewKeyOf(viewer: Viewer): string {
  switch (viewer.kind) {
    case "full":
      return "full";
    case "display":
      return "display";
    case "agent":
      return `agent:${viewer.agentId}`;
  }
}

/**
 * What `viewer` may see of `board`. Pass the same `shared` map to every call of one tick: agents'
 * views in the top and `everyone` modes are the wallboard's rows with their own row put in, so the
 * shared rows are projected once per tick and reused (the same row objects) by every agent's view.
 */
export function projectViewFor(viewer: Viewer, board: ProjectableBoard, shared?: Map<string, BoardView>): BoardView {
  const { ranking, visibility } = board;
  if (viewer.kind === "full") {
    return {
      view: "full",
      visibility,
      rows: ranking.entries().map((s) => ({
        rank: s.rank,
        place: s.place,
        agent: { id: s.member, name: board.nameOf(s.member) },
        label: board.nameOf(s.member),
        score: roundScore(s.score),
        ...comparisons(board, s.member),
        ...(board.isOptedOut(s.member) ? { optedOut: true as const } : {}),
      })),
      total: ranking.size,
      qualifying: [...board.qualifying]
        .sort(([a, va], [b, vb]) => vb - va || (a < b ? -1 : 1))
        .map(([agent, volume]) => ({ agent: { id: agent, name: board.nameOf(agent) }, label: board.nameOf(agent), volume, required: board.minVolume })),
    };
  }
  const total = visibility.mode === "hidden" ? null : ranking.size;
  if (viewer.kind === "display") {
    let view = shared?.get("display");
    if (!view) {
      view = { view: "display", visibility, rows: visibleStandings(ranking, visibility, null).map((s) => rowFor(board, s, null)), total, qualifying: [] };
      shared?.set("display", view);
    }
    return view;
  }
  const me = viewer.agentId;
  const { mode, n } = visibility;
  if (mode === "everyone" || mode === "top_n" || mode === "top_n_and_me") {
    // The wallboard shows these modes' shared part: every place, or the first n.
    const common = projectViewFor({ kind: "display" }, board, shared).rows;
    const place = ranking.placeOf(me);
    const own = () => rowFor(board, ranking.slice(place!, 1)[0]!, me);
    let rows = common;
    if (place !== undefined && place <= common.length) rows = common.map((row) => (row.place === place ? own() : row));
    else if (place !== undefined && mode === "top_n_and_me" && place > n) rows = [...common, own()];
    return { view: "agent", visibility, rows, total, qualifying: ownQualifying(board, me) };
  }
  return { view: "agent", visibility, rows: visibleStandings(ranking, visibility, me).map((s) => rowFor(board, s, me)), total, qualifying: ownQualifying(board, me) };
}

/** An agent sees their own progress towards the minimum volume (unless the board is hidden), nobody else's. */
function ownQualifying(board: ProjectableBoard, me: string): QualifyingEntry[] {
  const volume = board.qualifying.get(me);
  if (volume === undefined || board.visibility.mode === "hidden") return [];
  return [{ agent: { id: me, name: board.nameOf(me) }, label: board.nameOf(me), volume, required: board.minVolume, me: true }];
}

/** One row as an agent (`me`) or a wallboard (`me` null) may see it. */
function rowFor(board: ProjectableBoard, s: Standing, me: string | null): Row {
  const isMe = s.member === me;
  const named = isMe || (!board.visibility.anonymise && !board.isOptedOut(s.member));
  const row: Row = {
    rank: s.rank,
    place: s.place,
    agent: named ? { id: s.member, name: board.nameOf(s.member) } : null,
    label: named ? board.nameOf(s.member) : anonymousLabel(s.place, board.memberNoun),
  };
  if (isMe || board.visibility.showScores) row.score = roundScore(s.score);
  // Movement and last period's rank tell where an agent stood: only the agent's own, or on a board
  // that shows everyone by name anyway (an anonymous row could otherwise be followed).
  if (isMe || (named && board.visibility.mode === "everyone")) Object.assign(row, comparisons(board, s.member));
  if (isMe) row.me = true;
  return row;
}

function comparisons(board: ProjectableBoard, agent: string): Pick<Row, "change" | "previousRank"> {
  const change = board.movement?.get(agent);
  const previousRank = board.previousRanks?.get(agent);
  return { ...(change ? { change } : {}), ...(previousRank === undefined ? {} : { previousRank }) };
}

/** Whether the board's wallboard view names this agent: their place is among those it shows, and they are not anonymous there. */
export function namedOnWallboard(board: ProjectableBoard & { isOptedOut(agentId: string): boolean }, agent: string): boolean {
  if (board.visibility.anonymise || board.isOptedOut(agent)) return false;
  return visibleStandings(board.ranking, board.visibility, null).some((s) => s.member === agent);
}

/** The places a mode shows to a wallboard (`me` null), or to an agent in the personal modes. */
function visibleStandings(ranking: RankedBoard, { mode, n, k }: Visibility, me: string | null): Standing[] {
  switch (mode) {
    case "everyone":
      return ranking.entries();
    case "top_n":
    case "top_n_and_me":
      return ranking.top(n);
    case "me_and_neighbours":
      return me === null ? [] : ranking.around(me, k);
    case "only_me":
      return me === null ? [] : ranking.around(me, 0);
    case "hidden":
      return [];
  }
}

/** Anonymous rows are named by place, so a label says nothing about who holds it. */
export function anonymousLabel(place: number, noun = "Agent"): string {
  return `${noun} #${place}`;
}

/** Averages are shown to 4 decimals; a frame never carries float noise like 4.199999999. */
function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}

/** Rows that are new or differ from the row last sent at their place, and places that left the view. */
export function diffRows(before: readonly Row[], after: readonly Row[]): { changed: Row[]; removed: number[] } {
  const previous = new Map(before.map((r) => [r.place, r]));
  const changed: Row[] = [];
  for (const row of after) {
    const old = previous.get(row.place);
    previous.delete(row.place);
    if (!old || (old !== row && !sameRow(old, row))) changed.push(row);
  }
  return { changed, removed: [...previous.keys()] };
}

function sameRow(a: Row, b: Row): boolean {
  return (
    a.rank === b.rank &&
    a.score === b.score &&
    a.label === b.label &&
    a.change === b.change &&
    a.previousRank === b.previousRank &&
    a.agent?.id === b.agent?.id &&
    a.agent?.name === b.agent?.name &&
    a.me === b.me &&
    a.optedOut === b.optedOut
  );
}
