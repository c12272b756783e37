import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Aggregation, type FoldableEvent, foldEvents, scoreOf } from "../durable-objects/aggregation.ts";
import { LiveBoard } from "../durable-objects/live-board.ts";

const AGGREGATIONS: Aggregation[] = ["sum", "count", "avg", "ratio", "min", "max", "last"];

/** Random streams of samples and adjustments, with sets and voids naming earlier ones (or each other). */
const streamArb = fc
  .array(
    fc.record({
      kind: fc.constantFrom("add", "add", "add", "adjust", "set", "void"),
      value: fc.integer({ min: -20, max: 20 }),
      part: fc.constantFrom("numerator", "numerator", "denominator"),
      occurredAt: fc.integer({ min: 0, max: 50 }),
      refPick: fc.nat(),
    }),
    { maxLength: 40 },
  )
  .map((drafts) => {
    const events: FoldableEvent[] = [];
    drafts.forEach((d, i) => {
      const earlier = events.filter((e) => e.kind === "add" || e.kind === "adjust");
      const correction = d.kind === "set" || d.kind === "void";
      if (correction && earlier.length === 0) return;
      const kind = d.kind as FoldableEvent["kind"];
      events.push({
        seq: i + 1,
        id: `e${i}`,
        kind,
        value: kind === "void" ? 0 : kind === "add" && d.part === "denominator" ? Math.abs(d.value) : d.value,
        ref: correction ? earlier[d.refPick % earlier.length]!.id : null,
        part: kind === "add" ? (d.part as FoldableEvent["part"]) : "numerator",
        occurredAt: d.occurredAt,
      });
    });
    return events;
  });

/** The score as the definitions say, from the effective samples: each set's latest value, voids removed. */
function modelScore(events: readonly FoldableEvent[], aggregation: Aggregation): number | null {
  const values = new Map<string, { kind: "add" | "adjust"; value: number; part: string; occurredAt: number; seq: number }>();
  for (const e of events) {
    if (e.kind === "add" || e.kind === "adjust") values.set(e.id, { kind: e.kind, value: e.value, part: e.part, occurredAt: e.occurredAt, seq: e.seq });
    else if (e.kind === "set" && values.has(e.ref!)) values.get(e.ref!)!.value = e.value;
    else if (e.kind === "void") values.delete(e.ref!);
  }
  const all = [...values.values()];
  const numerators = all.filter((v) => v.kind === "add" && v.part === "numerator");
  const den = all.filter((v) => v.kind === "add" && v.part === "denominator").reduce((n, v) => n + v.value, 0);
  const adjust = all.filter((v) => v.kind === "adjust").reduce((n, v) => n + v.value, 0);
  const sum = numerators.reduce((n, v) => n + v.value, 0);
  const hasAdjust = all.some((v) => v.kind === "adjust");
  // The latest occurredAt wins; among equal instants, the later sample in ingest order.
  const last = [...numerators].sort((a, b) => a.occurredAt - b.occurredAt || a.seq - b.seq).at(-1);
  let base: number | null;
  switch (aggregation) {
    case "sum":
      base = numerators.length === 0 && (!hasAdjust || adjust === 0) ? null : sum;
      break;
    case "count":
      base = numerators.length === 0 && (!hasAdjust || adjust === 0) ? null : numerators.length;
      break;
    case "avg":
      base = numerators.length === 0 ? null : sum / numerators.length;
      break;
    case "ratio":
      base = den === 0 ? null : (100 * sum) / den;
      break;
    case "min":
      base = numerators.length === 0 ? null : Math.min(...numerators.map((v) => v.value));
      break;
    case "max":
      base = numerators.length === 0 ? null : Math.max(...numerators.map((v) => v.value));
      break;
    case "last":
      base = last === undefined ? null : last.value;
      break;
  }
  return base === null ? null : base + adjust;
}

describe("aggregation with corrections", () => {
  it.each(AGGREGATIONS)("folds %s exactly as the definition says, with sets, adjustments and voids", (aggregation) => {
    fc.assert(
      fc.property(streamArb, (events) => {
        const { aggregate } = foldEvents(events, aggregation);
        const folded = scoreOf(aggregate, aggregation);
        const expected = modelScore(events, aggregation);
        if (expected === null) expect(folded).toBeNull();
        else expect(folded).toBeCloseTo(expected, 9);
      }),
      { numRuns: 1500 },
    );
  });

  it("gives the same entry folding a stream as adding its samples and adjustments one by one", () => {
    fc.assert(
      fc.property(streamArb, fc.constantFrom(...AGGREGATIONS), (stream, aggregation) => {
        const events = stream.filter((e) => e.kind === "add" || e.kind === "adjust");
        const board = new LiveBoard(
          { id: "b", name: "b", period: "day", metric: { key: "m", label: "m", unit: "", aggregation, direction: "higher" }, visibility: { mode: "everyone", n: 3, k: 1, showScores: true, anonymise: false } },
          "UTC",
          0,
          new Map(),
        );
        let entry: ReturnType<typeof foldEvents> | undefined;
        for (const e of events) entry = board.withEvent(entry, { metric: "m", kind: e.kind as "add" | "adjust", value: e.value, part: e.part, occurredAt: e.occurredAt }, e.seq);
        const folded = foldEvents(events, aggregation);
        if (entry === undefined) expect(scoreOf(folded.aggregate, aggregation)).toBeNull();
        else expect(folded).toEqual(entry);
      }),
      { numRuns: 1500 },
    );
  });

  it("marks when the score was last reached, so ties go to whoever got there first", () => {
    const events: FoldableEvent[] = [
      { seq: 1, id: "a", kind: "add", value: 5, ref: null, part: "numerator", occurredAt: 1 },
      { seq: 2, id: "b", kind: "add", value: 3, ref: null, part: "numerator", occurredAt: 2 },
      { seq: 3, id: "c", kind: "set", value: 3, ref: "b", part: "numerator", occurredAt: 3 },
      { seq: 4, id: "d", kind: "void", value: 0, ref: "b", part: "numerator", occurredAt: 4 },
    ];
    // A set that changes nothing keeps the earlier moment; the void changes the sum.
    expect(foldEvents(events.slice(0, 3), "sum").reachedSeq).toBe(2);
    expect(foldEvents(events, "sum")).toMatchObject({ reachedSeq: 4, aggregate: { sum: 5, count: 1 } });
  });

  it("ranks exactly the agents at or above the minimum volume, as a plain sort of their folded scores would, after random corrections", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 7 }), streamArb), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...AGGREGATIONS),
        fc.constantFrom("higher" as const, "lower" as const),
        fc.integer({ min: 0, max: 4 }),
        (streams, aggregation, direction, minVolume) => {
          const agents = [...new Set(streams.map(([a]) => `agent-${a}`))];
          const board = new LiveBoard(
            { id: "b", name: "b", period: "day", metric: { key: "m", label: "m", unit: "", aggregation, direction, minVolume }, visibility: { mode: "everyone", n: 3, k: 1, showScores: true, anonymise: false } },
            "UTC",
            0,
            new Map(agents.map((a) => [a, { name: a, spans: [[0, null]] }])),
          );
          // Each agent's stream gets its own range of seqs, so reachedSeq orders them across agents.
          const entries = new Map<string, ReturnType<typeof foldEvents>>();
          streams.forEach(([a], i) => {
            const agent = `agent-${a}`;
            const events = streams.filter(([b]) => b === a).flatMap(([, events]) => events);
            const entry = foldEvents(events.map((e, j) => ({ ...e, id: `${e.id}-${j}`, ref: e.ref === null ? null : `${e.ref}-${events.findIndex((x) => x.id === e.ref)}`, seq: i * 1000 + j + 1 })), aggregation);
            entries.set(agent, entry);
            board.put(agent, entry);
          });
          const better = (x: number, y: number) => (direction === "higher" ? y - x : x - y);
          const expected = [...entries]
            .flatMap(([agent, entry]) => {
              const score = scoreOf(entry.aggregate, aggregation);
              const volume = aggregation === "ratio" ? entry.aggregate.den : entry.aggregate.count;
              return score === null || volume < minVolume ? [] : [{ agent, score, seq: entry.reachedSeq }];
            })
            .sort((x, y) => better(x.score, y.score) || x.seq - y.seq || (x.agent < y.agent ? -1 : 1));
          expect(board.ranking.entries().map((e) => e.member)).toEqual(expected.map((e) => e.agent));
          const qualifying = [...entries].filter(([, e]) => scoreOf(e.aggregate, aggregation) !== null && (aggregation === "ratio" ? e.aggregate.den : e.aggregate.count) < minVolume);
          expect(new Set(board.qualifying.keys())).toEqual(new Set(qualifying.map(([a]) => a)));
        },
      ),
      { numRuns: 1500 },
    );
  });
});
