import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Row, type Visibility, VisibilityMode } from "../protocol/index.ts";
import { serialiseFrame } from "../durable-objects/frames.ts";
import { type BoardView, diffRows, type ProjectableBoard, projectViewFor, type Viewer, viewKeyOf } from "../durable-objects/projection.ts";
import { RankedBoard } from "../durable-objects/ranking.ts";

/**
 * Ids and names are fixed-width and distinctive, so "does agent 7's id or name occur anywhere in
 * this view?" is a plain substring search over the serialised view: no field can hide a leak.
 */
const idOf = (i: number) => `agt-${String(i).padStart(3, "0")}`;
const nameOf = (id: string) => `Person-${id.slice(4)}`;

interface Scenario {
  /** `qualifying`: below the minimum volume, so listed with progress instead of ranked. */
  members: { score: number; optedOut: boolean; qualifying: boolean }[];
  direction: "higher" | "lower";
  visibility: Visibility;
  viewer: Viewer;
}

const visibilityArb = fc.record({
  mode: fc.constantFrom(...VisibilityMode.options),
  n: fc.integer({ min: 1, max: 12 }),
  k: fc.integer({ min: 0, max: 4 }),
  showScores: fc.boolean(),
  anonymise: fc.boolean(),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    // Few distinct scores, so ties (shared ranks) are common.
    members: fc.array(fc.record({ score: fc.integer({ min: 0, max: 8 }), optedOut: fc.boolean(), qualifying: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }), {
      minLength: 0,
      maxLength: 40,
    }),
    direction: fc.constantFrom("higher" as const, "lower" as const),
    visibility: visibilityArb,
    viewerKind: fc.constantFrom("agent", "agent", "display", "full"),
    // An agent who may or may not be on the board (index past the end: not ranked yet).
    viewerIndex: fc.nat({ max: 45 }),
  })
  .map(({ members, direction, visibility, viewerKind, viewerIndex }) => ({
    members,
    direction,
    visibility,
    viewer:
      viewerKind === "agent" ? { kind: "agent", agentId: idOf(viewerIndex) } : viewerKind === "display" ? { kind: "display" } : { kind: "full" },
  }));

const MIN_VOLUME = 10;

function boardFor(s: Scenario): ProjectableBoard {
  const ranking = new RankedBoard(s.direction);
  const qualifying = new Map<string, number>();
  s.members.forEach((m, i) => (m.qualifying ? qualifying.set(idOf(i), m.score) : ranking.set(idOf(i), m.score, i)));
  const optedOut = new Set(s.members.flatMap((m, i) => (m.optedOut ? [idOf(i)] : [])));
  // Every other agent moved and had a rank last period, so rows carry comparisons often.
  const movement = new Map(s.members.flatMap((m, i) => (i % 2 === 0 ? [[idOf(i), (m.score % 3) - 1] as const] : [])));
  const previousRanks = new Map(s.members.flatMap((m, i) => (i % 3 === 0 ? [[idOf(i), 1 + (m.score % 5)] as const] : [])));
  return { ranking, visibility: s.visibility, nameOf, isOptedOut: (id) => optedOut.has(id), qualifying, minVolume: MIN_VOLUME, movement, previousRanks };
}

/** The places a mode shows, worked out from the mode's definition rather than the code under test. */
function allowedPlaces(s: Scenario, board: ProjectableBoard): Set<number> {
  const size = board.ranking.size;
  const all = Array.from({ length: size }, (_, i) => i + 1);
  if (s.viewer.kind === "full") return new Set(all);
  const me = s.viewer.kind === "agent" ? board.ranking.placeOf(s.viewer.agentId) : undefined;
  const { mode, n, k } = s.visibility;
  const top = all.filter((p) => p <= n);
  switch (mode) {
    case "everyone":
      return new Set(all);
    case "top_n":
      return new Set(top);
    case "top_n_and_me":
      return new Set(me === undefined ? top : [...top, me]);
    case "me_and_neighbours":
      return new Set(me === undefined ? [] : all.filter((p) => Math.abs(p - me) <= k));
    case "only_me":
      return new Set(me === undefined ? [] : [me]);
    case "hidden":
      return new Set();
  }
}

describe("the privacy projection", () => {
  it("shows exactly the places each mode allows, to agents, wallboards and leads", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const board = boardFor(s);
        const view = projectViewFor(s.viewer, board);
        expect(new Set(view.rows.map((r) => r.place))).toEqual(allowedPlaces(s, board));
        expect(view.rows.map((r) => r.place)).toEqual([...view.rows.map((r) => r.place)].sort((a, b) => a - b));
        for (const row of view.rows) {
          const truth = board.ranking.slice(row.place, 1)[0]!;
          expect(row.rank).toBe(truth.rank);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it.each(VisibilityMode.options)("in %s mode, never puts a hidden agent's name or id in any field of an agent's or wallboard's view", (mode) => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        fc.pre(scenario.viewer.kind !== "full");
        const s = { ...scenario, visibility: { ...scenario.visibility, mode } };
        const board = boardFor(s);
        const view = projectViewFor(s.viewer, board);
        const text = JSON.stringify(view);
        const me = s.viewer.kind === "agent" ? s.viewer.agentId : null;
        const shownPlaces = allowedPlaces(s, board);
        for (const standing of board.ranking.entries()) {
          const id = standing.member;
          const mayBeNamed = id === me || (shownPlaces.has(standing.place) && !s.visibility.anonymise && !board.isOptedOut(id));
          if (!mayBeNamed) {
            expect(text).not.toContain(id);
            expect(text).not.toContain(nameOf(id));
          }
        }
        // Agents still qualifying are shown to no one but themselves.
        for (const id of board.qualifying.keys()) {
          if (id === me) continue;
          expect(text).not.toContain(id);
          expect(text).not.toContain(nameOf(id));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("names the viewer's own row and marks it, even when they opted out or the board is anonymised", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        fc.pre(s.viewer.kind === "agent");
        const board = boardFor(s);
        const view = projectViewFor(s.viewer, board);
        const mine = view.rows.filter((r) => r.me);
        const agentId = (s.viewer as { agentId: string }).agentId;
        const place = board.ranking.placeOf(agentId);
        expect(mine.length).toBe(place !== undefined && allowedPlaces(s, board).has(place) ? 1 : 0);
        for (const row of mine) {
          expect(row.agent).toEqual({ id: agentId, name: nameOf(agentId) });
          expect(row.score).toBe(board.ranking.get(agentId)!.score);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("shows other agents' scores only when the board shows scores, and totals only when it is not hidden", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        fc.pre(s.viewer.kind !== "full");
        const board = boardFor(s);
        const view = projectViewFor(s.viewer, board);
        for (const row of view.rows) expect("score" in row).toBe(row.me === true || s.visibility.showScores);
        expect(view.total).toBe(s.visibility.mode === "hidden" ? null : board.ranking.size);
      }),
      { numRuns: 2000 },
    );
  });

  it("labels anonymous rows by place only, and never tells colleagues who opted out", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        fc.pre(s.viewer.kind !== "full");
        const view = projectViewFor(s.viewer, boardFor(s));
        for (const row of view.rows) {
          expect(Row.strict().safeParse(row).success).toBe(true);
          expect(row).not.toHaveProperty("optedOut");
          if (row.agent === null) {
            expect(row.label).toBe(`Agent #${row.place}`);
            // Movement and last period's rank would let a viewer follow an anonymous row.
            expect(row).not.toHaveProperty("change");
            expect(row).not.toHaveProperty("previousRank");
          } else {
            expect(row.label).toBe(row.agent.name);
            // Where an agent stood is shown only for the viewer's own row, or where everyone is shown by name.
            const compared = row.me === true || s.visibility.mode === "everyone";
            expect(row.previousRank).toBe(compared ? boardFor(s).previousRanks!.get(row.agent.id) : undefined);
            expect(row.change).toBe(compared ? boardFor(s).movement!.get(row.agent.id) || undefined : undefined);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("lists agents below the minimum volume with their progress: all of them to leads, only their own to an agent, none to a wallboard", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const board = boardFor(s);
        const view = projectViewFor(s.viewer, board);
        const me = s.viewer.kind === "agent" ? s.viewer.agentId : null;
        const expected =
          s.viewer.kind === "full"
            ? [...board.qualifying.keys()].sort((a, b) => board.qualifying.get(b)! - board.qualifying.get(a)! || (a < b ? -1 : 1))
            : me !== null && board.qualifying.has(me) && s.visibility.mode !== "hidden"
              ? [me]
              : [];
        expect(view.qualifying.map((q) => q.agent?.id)).toEqual(expected);
        for (const q of view.qualifying) expect(q).toMatchObject({ volume: board.qualifying.get(q.agent!.id), required: MIN_VOLUME });
        // Nobody qualifying is ranked.
        for (const row of view.rows) expect(board.qualifying.has(row.agent?.id ?? "")).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it("gives leads, managers and admins the whole board, named, with scores and opt-outs marked", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const board = boardFor(s);
        const view = projectViewFor({ kind: "full" }, board);
        expect(view.rows.map((r) => r.agent?.id)).toEqual(board.ranking.entries().map((e) => e.member));
        for (const row of view.rows) {
          expect(row.score).toBe(board.ranking.get(row.agent!.id)!.score);
          expect(row.optedOut === true).toBe(board.isOptedOut(row.agent!.id));
        }
        expect(view.total).toBe(board.ranking.size);
      }),
      { numRuns: 1000 },
    );
  });

  it("diffs by place: applying an update's changes and removals to the old rows gives the new rows", () => {
    fc.assert(
      fc.property(scenarioArb, visibilityArb, fc.array(fc.tuple(fc.nat({ max: 45 }), fc.integer({ min: 0, max: 8 })), { maxLength: 20 }), (s, nextVisibility, moves) => {
        const board = boardFor(s);
        const before = projectViewFor(s.viewer, board).rows;
        moves.forEach(([i, score], j) => board.ranking.set(idOf(i), score, 1000 + j));
        const after = projectViewFor(s.viewer, { ...board, visibility: nextVisibility }).rows;
        const { changed, removed } = diffRows(before, after);
        const applied = new Map(before.map((r) => [r.place, r]));
        removed.forEach((p) => applied.delete(p));
        changed.forEach((r) => applied.set(r.place, r));
        expect([...applied.values()].sort((a, b) => a.place - b.place)).toEqual(after);
      }),
      { numRuns: 1000 },
    );
  });

  it("projects the same views when a tick shares the wallboard's rows among agents as when each view is projected alone", () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.nat({ max: 45 }), { maxLength: 12 }), (s, agents) => {
        const board = boardFor(s);
        const viewers: Viewer[] = [{ kind: "display" }, ...agents.map((i) => ({ kind: "agent" as const, agentId: idOf(i) })), { kind: "full" }];
        const shared = new Map<string, BoardView>();
        for (const viewer of viewers) {
          const together = projectViewFor(viewer, board, shared);
          shared.set(viewKeyOf(viewer), together);
          expect(together).toEqual(projectViewFor(viewer, board));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("serialises frames with shared rows to the same JSON value as JSON.stringify", () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat({ max: 45 }), (s, i) => {
        const board = boardFor(s);
        const shared = new Map<string, BoardView>();
        const period = { kind: "day" as const, start: "2026-11-23T00:00:00.000Z", end: "2026-11-24T00:00:00.000Z" };
        for (const viewer of [{ kind: "display" } as const, { kind: "agent" as const, agentId: idOf(i) }]) {
          const view = projectViewFor(viewer, board, shared);
          const update = { type: "update" as const, board: "b", period, seq: 3, changed: view.rows, removed: [7], total: view.total };
          expect(JSON.parse(serialiseFrame(update))).toEqual(JSON.parse(JSON.stringify(update)));
          const header = { id: "b", name: "B", team: { id: "t", name: "T" }, metric: { key: "m", label: "M", unit: "", aggregation: "sum" as const, direction: "higher" as const, minVolume: 0 }, timeZone: "UTC" };
          const snapshot = { type: "snapshot" as const, board: "b", period, seq: 0, header, ...view };
          expect(JSON.parse(serialiseFrame(snapshot))).toEqual(JSON.parse(JSON.stringify(snapshot)));
        }
      }),
      { numRuns: 500 },
    );
  });
});
