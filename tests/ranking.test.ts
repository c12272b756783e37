import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { RankedBoard, type Direction, type Standing } from "../durable-objects/ranking.ts";

interface Row {
  score: number;
  reachedSeq: number;
}

/** Reference implementation: sort a plain array and count strictly better scores naively. */
function modelEntries(rows: ReadonlyMap<string, Row>, direction: Direction): Standing[] {
  const better = (a: number, b: number): boolean => (direction === "higher" ? a > b : a < b);
  const list = [...rows].map(([member, row]) => ({ member, ...row }));
  list.sort((a, b) => {
    if (a.score !== b.score) return better(a.score, b.score) ? -1 : 1;
    if (a.reachedSeq !== b.reachedSeq) return a.reachedSeq - b.reachedSeq;
    return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
  });
  return list.map((row, i) => ({
    member: row.member,
    score: row.score,
    reachedSeq: row.reachedSeq,
    rank: 1 + list.filter((other) => better(other.score, row.score)).length,
    place: i + 1,
  }));
}

function members(standings: readonly Standing[]): string[] {
  return standings.map((s) => s.member);
}

function ranks(standings: readonly Standing[]): number[] {
  return standings.map((s) => s.rank);
}

function boardOf(direction: Direction, rows: ReadonlyArray<[string, number, number]>): RankedBoard {
  const board = new RankedBoard(direction);
  for (const [member, score, seq] of rows) board.set(member, score, seq);
  return board;
}

describe("RankedBoard", () => {
  it("ties share a rank and the next rank skips (1, 2, 2, 4)", () => {
    const board = boardOf("higher", [
      ["ana", 10, 1],
      ["bo", 8, 2],
      ["cy", 8, 3],
      ["di", 5, 4],
    ]);
    expect(ranks(board.entries())).toEqual([1, 2, 2, 4]);
    expect(board.entries().map((s) => s.place)).toEqual([1, 2, 3, 4]);
    expect(board.rankOf("cy")).toBe(2);
    expect(board.rankOf("di")).toBe(4);
    expect(board.placeOf("cy")).toBe(3);
  });

  it("a tie is ordered by who reached the score first", () => {
    const board = boardOf("higher", [
      ["zed", 7, 1],
      ["amy", 7, 5],
      ["kim", 7, 3],
    ]);
    expect(members(board.entries())).toEqual(["zed", "kim", "amy"]);
    expect(ranks(board.entries())).toEqual([1, 1, 1]);
  });

  it("members with the same score and reachedSeq are ordered by member id", () => {
    const board = boardOf("higher", [
      ["carol", 3, 9],
      ["alice", 3, 9],
      ["bob", 3, 9],
    ]);
    expect(members(board.entries())).toEqual(["alice", "bob", "carol"]);
  });

  it("a lower-is-better board ranks ascending", () => {
    const board = boardOf("lower", [
      ["slow", 300, 1],
      ["fast", 45, 2],
      ["mid", 120, 3],
      ["mid2", 120, 4],
    ]);
    expect(board.direction).toBe("lower");
    expect(members(board.entries())).toEqual(["fast", "mid", "mid2", "slow"]);
    expect(ranks(board.entries())).toEqual([1, 2, 2, 4]);
    expect(board.rankOf("slow")).toBe(4);
  });

  it("setting an existing member moves it and keeps one entry per member", () => {
    const board = boardOf("higher", [
      ["a", 1, 1],
      ["b", 2, 2],
      ["c", 3, 3],
    ]);
    board.set("a", 10, 4);
    expect(board.size).toBe(3);
    expect(members(board.entries())).toEqual(["a", "c", "b"]);
    expect(board.get("a")).toEqual({ score: 10, reachedSeq: 4 });
    board.set("a", 10, 4);
    expect(board.size).toBe(3);
    expect(board.placeOf("a")).toBe(1);
  });

  it("deleting a member closes the gap in places and ranks", () => {
    const board = boardOf("higher", [
      ["a", 9, 1],
      ["b", 5, 2],
      ["c", 5, 3],
      ["d", 1, 4],
    ]);
    expect(board.delete("a")).toBe(true);
    expect(board.delete("a")).toBe(false);
    expect(board.has("a")).toBe(false);
    expect(board.size).toBe(3);
    expect(board.entries().map((s) => [s.member, s.rank, s.place])).toEqual([
      ["b", 1, 1],
      ["c", 1, 2],
      ["d", 3, 3],
    ]);
  });

  it("a slice in the middle of a tie still reports the shared rank", () => {
    const board = boardOf("higher", [
      ["a", 9, 1],
      ["b", 5, 2],
      ["c", 5, 3],
      ["d", 5, 4],
      ["e", 1, 5],
    ]);
    expect(board.slice(3, 3).map((s) => [s.member, s.rank, s.place])).toEqual([
      ["c", 2, 3],
      ["d", 2, 4],
      ["e", 5, 5],
    ]);
  });

  it("slice clips its window to the board", () => {
    const board = boardOf("higher", [
      ["a", 3, 1],
      ["b", 2, 2],
      ["c", 1, 3],
    ]);
    expect(members(board.slice(0, 2))).toEqual(["a"]);
    expect(members(board.slice(2, 10))).toEqual(["b", "c"]);
    expect(board.slice(4, 2)).toEqual([]);
    expect(board.slice(1, 0)).toEqual([]);
    expect(board.slice(1, -3)).toEqual([]);
    expect(board.slice(Number.NaN, 2)).toEqual([]);
    expect(members(board.top(2))).toEqual(["a", "b"]);
    expect(members(board.top(99))).toEqual(["a", "b", "c"]);
    expect(board.top(0)).toEqual([]);
  });

  it("around returns the member with up to k neighbours each side, clipped at the ends", () => {
    const board = new RankedBoard("higher");
    for (let i = 0; i < 10; i++) board.set(`m${i}`, 100 - i, i);
    expect(members(board.around("m5", 2))).toEqual(["m3", "m4", "m5", "m6", "m7"]);
    expect(members(board.around("m0", 2))).toEqual(["m0", "m1", "m2"]);
    expect(members(board.around("m9", 3))).toEqual(["m6", "m7", "m8", "m9"]);
    expect(members(board.around("m4", 0))).toEqual(["m4"]);
    expect(board.around("m4", 1).map((s) => s.place)).toEqual([4, 5, 6]);
  });

  it("absent members have no score, rank, place or neighbours", () => {
    const board = boardOf("higher", [["a", 1, 1]]);
    expect(board.has("nobody")).toBe(false);
    expect(board.get("nobody")).toBeUndefined();
    expect(board.rankOf("nobody")).toBeUndefined();
    expect(board.placeOf("nobody")).toBeUndefined();
    expect(board.around("nobody", 3)).toEqual([]);
  });

  it("non-finite scores and sequence numbers are rejected without changing the board", () => {
    const board = boardOf("higher", [["a", 1, 1]]);
    expect(() => board.set("a", Number.NaN, 2)).toThrow(RangeError);
    expect(() => board.set("b", Number.POSITIVE_INFINITY, 2)).toThrow(RangeError);
    expect(() => board.set("b", 1, Number.NaN)).toThrow(RangeError);
    expect(board.size).toBe(1);
    expect(board.get("a")).toEqual({ score: 1, reachedSeq: 1 });
  });

  it("negative zero ties with zero and is stored as zero", () => {
    const board = boardOf("higher", [
      ["a", -0, 1],
      ["b", 0, 2],
    ]);
    expect(ranks(board.entries())).toEqual([1, 1]);
    expect(Object.is(board.get("a")?.score, 0)).toBe(true);
  });

  it("clear empties the board and it can be reused", () => {
    const board = boardOf("lower", [
      ["a", 1, 1],
      ["b", 2, 2],
    ]);
    board.clear();
    expect(board.size).toBe(0);
    expect(board.entries()).toEqual([]);
    expect(board.has("a")).toBe(false);
    board.set("c", 5, 3);
    expect(board.entries()).toEqual([{ member: "c", score: 5, reachedSeq: 3, rank: 1, place: 1 }]);
  });

  it("an empty board has no entries", () => {
    const board = new RankedBoard("higher");
    expect(board.size).toBe(0);
    expect(board.entries()).toEqual([]);
    expect(board.top(10)).toEqual([]);
    expect(board.slice(1, 5)).toEqual([]);
  });

  it("fifty thousand members inserted in board order keep exact places and ranks", () => {
    // Sorted insertion is the worst case for an unbalanced tree.
    const board = new RankedBoard("higher");
    const n = 50_000;
    for (let i = 0; i < n; i++) board.set(`m${i}`, n - Math.floor(i / 2), i);
    expect(board.size).toBe(n);
    expect(board.placeOf("m0")).toBe(1);
    expect(board.placeOf(`m${n - 1}`)).toBe(n);
    expect(board.rankOf("m30001")).toBe(30_001);
    expect(board.slice(30_001, 3).map((s) => [s.member, s.rank, s.place])).toEqual([
      ["m30000", 30_001, 30_001],
      ["m30001", 30_001, 30_002],
      ["m30002", 30_003, 30_003],
    ]);
    expect(members(board.around("m100", 1))).toEqual(["m99", "m100", "m101"]);
    for (let i = 0; i < n; i += 2) board.delete(`m${i}`);
    expect(board.size).toBe(n / 2);
    expect(board.placeOf("m30001")).toBe(15_001);
    expect(board.rankOf("m30001")).toBe(15_001);
  });

  describe("agrees with a sorted-array model over random operations", () => {
    const pool = [
      ...Array.from({ length: 24 }, (_, i) => `agent-${String(i).padStart(2, "0")}`),
      "",
      "Zoe",
      "zoe",
      "Ärne",
    ];
    const score = fc.constantFrom(-1, -0, 0, 1, 2, 2.5, 3, 100);
    const seq = fc.integer({ min: 0, max: 6 });
    const op = fc.oneof(
      { weight: 10, arbitrary: fc.record({ kind: fc.constant("set" as const), member: fc.constantFrom(...pool), score, seq }) },
      { weight: 6, arbitrary: fc.record({ kind: fc.constant("reset" as const), pick: fc.nat(), score, seq }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant("delete" as const), member: fc.constantFrom(...pool) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("deleteExisting" as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("clear" as const) }) },
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant("check" as const),
          n: fc.integer({ min: -1, max: pool.length + 2 }),
          from: fc.integer({ min: -2, max: pool.length + 3 }),
          count: fc.integer({ min: -1, max: pool.length + 3 }),
          k: fc.integer({ min: 0, max: 5 }),
        }),
      },
    );

    function checkAgainstModel(
      board: RankedBoard,
      rows: ReadonlyMap<string, Row>,
      direction: Direction,
      q: { n: number; from: number; count: number; k: number },
    ): void {
      const expected = modelEntries(rows, direction);
      expect(board.size).toBe(expected.length);
      expect(board.entries()).toEqual(expected);
      for (const member of pool) {
        const standing = expected.find((s) => s.member === member);
        expect(board.has(member)).toBe(standing !== undefined);
        expect(board.get(member)).toEqual(standing && { score: standing.score, reachedSeq: standing.reachedSeq });
        expect(board.rankOf(member)).toBe(standing?.rank);
        expect(board.placeOf(member)).toBe(standing?.place);
        const around =
          standing === undefined
            ? []
            : expected.filter((s) => Math.abs(s.place - standing.place) <= q.k);
        expect(board.around(member, q.k)).toEqual(around);
      }
      expect(board.top(q.n)).toEqual(expected.filter((s) => s.place <= q.n));
      expect(board.slice(q.from, q.count)).toEqual(
        expected.filter((s) => s.place >= q.from && s.place < q.from + q.count),
      );
    }

    for (const direction of ["higher", "lower"] as const) {
      it(`a ${direction}-is-better board matches the model after every checkpoint`, () => {
        fc.assert(
          fc.property(fc.array(op, { minLength: 1, maxLength: 300 }), (ops) => {
            const board = new RankedBoard(direction);
            const rows = new Map<string, Row>();
            for (const o of ops) {
              switch (o.kind) {
                case "set":
                  board.set(o.member, o.score, o.seq);
                  rows.set(o.member, { score: o.score === 0 ? 0 : o.score, reachedSeq: o.seq });
                  break;
                case "reset": {
                  const existing = [...rows.keys()];
                  const member = existing[o.pick % Math.max(1, existing.length)];
                  if (member === undefined) break;
                  board.set(member, o.score, o.seq);
                  rows.set(member, { score: o.score === 0 ? 0 : o.score, reachedSeq: o.seq });
                  break;
                }
                case "delete":
                  expect(board.delete(o.member)).toBe(rows.delete(o.member));
                  break;
                case "deleteExisting": {
                  const existing = [...rows.keys()];
                  const member = existing[o.pick % Math.max(1, existing.length)];
                  if (member === undefined) break;
                  expect(board.delete(member)).toBe(true);
                  rows.delete(member);
                  break;
                }
                case "clear":
                  board.clear();
                  rows.clear();
                  break;
                case "check":
                  checkAgainstModel(board, rows, direction, o);
                  break;
              }
              expect(board.size).toBe(rows.size);
            }
            checkAgainstModel(board, rows, direction, { n: 5, from: 2, count: 4, k: 2 });
          }),
          { numRuns: 200 },
        );
      });
    }
  });
});
