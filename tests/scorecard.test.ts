import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Aggregate, emptyAggregate, addSample, foldParts, type FoldableEvent } from "../durable-objects/aggregation.ts";
import { LiveBoard, type ScoreEntry } from "../durable-objects/live-board.ts";
import { attainment, explainScorecard, type Scorecard, scorecardScore } from "../durable-objects/scorecard.ts";
import type { ScoreExplanation } from "../protocol/index.ts";
import { api, createTeam, createToken, event, idsAndScores, ingest, json, snapshot } from "./helpers.ts";

/** CSAT (avg, higher, target 4.5), handle time (avg, lower, target 300 s), contacts (count, higher, target 40). */
const CARD: Scorecard = {
  cap: 120,
  components: [
    { key: "csat", label: "CSAT", unit: "", aggregation: "avg", direction: "higher", minVolume: 0, weight: 40, target: 4.5 },
    { key: "handle_time_s", label: "Handle time", unit: "s", aggregation: "avg", direction: "lower", minVolume: 0, weight: 30, target: 300 },
    { key: "contacts_handled", label: "Contacts", unit: "", aggregation: "count", direction: "higher", minVolume: 0, weight: 30, target: 40 },
  ],
};

const samples = (...values: number[]): Aggregate => values.reduce((a, v, i) => addSample(a, v, i), emptyAggregate());

describe("scorecard formula", () => {
  it("measures each metric against its target, inverting lower-is-better ones, capped, weighted", () => {
    const parts = new Map([
      ["csat", samples(4.5, 4.5)], // 100% of target
      ["handle_time_s", samples(200, 400)], // avg 300 s: 100%
      ["contacts_handled", samples(...Array(20).fill(1))], // 20 of 40: 50%
    ]);
    const { score, components } = explainScorecard(CARD, parts);
    expect(components.map((c) => [c.metric, c.value, c.attainment, c.points])).toEqual([
      ["csat", 4.5, 100, 40],
      ["handle_time_s", 300, 100, 30],
      ["contacts_handled", 20, 50, 15],
    ]);
    expect(score).toBe(85);

    // A faster handle time beats the target (lower is better), but only up to the cap.
    expect(attainment(CARD.components[1]!, 250, 120)).toBe(120);
    expect(attainment(CARD.components[1]!, 285, 120)).toBeCloseTo(105.263, 3);
    expect(attainment(CARD.components[1]!, 0, 120)).toBe(120);
    expect(attainment(CARD.components[0]!, 9, 120)).toBe(120);
    // A component with no value yet attains nothing; an agent with no value at all has no score.
    expect(explainScorecard(CARD, new Map([["csat", samples(4.5)]])).score).toBe(40);
    expect(scorecardScore(CARD, new Map())).toBeNull();
  });

  it("adds up its explanation, stays within 0 and the cap, and moves the right way with each metric (property)", () => {
    const valueArb = fc.option(fc.double({ min: 0, max: 2000, noNaN: true }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({ csat: valueArb, aht: valueArb, contacts: valueArb, cap: fc.integer({ min: 100, max: 300 }), bump: fc.double({ min: 0.001, max: 500, noNaN: true }) }),
        ({ csat, aht, contacts, cap, bump }) => {
          const card = { ...CARD, cap };
          const parts = new Map<string, Aggregate>();
          if (csat !== undefined) parts.set("csat", samples(csat));
          if (aht !== undefined) parts.set("handle_time_s", samples(aht));
          if (contacts !== undefined) parts.set("contacts_handled", samples(...Array(Math.round(contacts) % 80).fill(1)));
          const { score, components } = explainScorecard(card, parts);
          if (score === null) {
            expect(components.every((c) => c.value === null)).toBe(true);
            return;
          }
          expect(score).toBeGreaterThanOrEqual(0);
          expect(score).toBeLessThanOrEqual(cap);
          expect(Math.abs(components.reduce((n, c) => n + c.points, 0) - score)).toBeLessThan(1e-3);
          // More CSAT never lowers the score; more handle time never raises it.
          const better = scorecardScore(card, new Map([...parts, ["csat", samples((csat ?? 0) + bump)]]))!;
          expect(better).toBeGreaterThanOrEqual(score);
          if (aht !== undefined) {
            const slower = scorecardScore(card, new Map([...parts, ["handle_time_s", samples(aht + bump)]]))!;
            expect(slower).toBeLessThanOrEqual(score);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("folds a stream across its metrics, with corrections, to what adding events one by one gives (property)", () => {
    const board = new LiveBoard(
      {
        id: "b",
        name: "b",
        period: "day",
        metric: { key: "card", label: "Card", unit: "%", aggregation: "scorecard", direction: "higher", scorecard: CARD },
        visibility: { mode: "everyone", n: 3, k: 1, showScores: true, anonymise: false },
      },
      "UTC",
      0,
      new Map([["a", { name: "A", spans: [[0, null]] }]]),
    );
    const metricArb = fc.constantFrom("csat", "handle_time_s", "contacts_handled");
    fc.assert(
      fc.property(
        fc.array(fc.record({ metric: metricArb, value: fc.integer({ min: 0, max: 600 }), correct: fc.constantFrom(null, null, null, "set", "void"), pick: fc.nat() }), { maxLength: 40 }),
        (drafts) => {
          const events: FoldableEvent[] = [];
          drafts.forEach((d, i) => {
            const earlier = events.filter((e) => e.kind === "add" && e.metric === d.metric);
            if (d.correct && earlier.length > 0) {
              events.push({ seq: i + 1, id: `e${i}`, metric: d.metric, kind: d.correct as "set" | "void", value: d.correct === "void" ? 0 : d.value, ref: earlier[d.pick % earlier.length]!.id, part: "numerator", occurredAt: i });
            } else {
              events.push({ seq: i + 1, id: `e${i}`, metric: d.metric, kind: "add", value: d.value, ref: null, part: "numerator", occurredAt: i });
            }
          });
          const folded = foldParts(events, (parts) => board.scoreOfParts(parts));
          // The model: each metric's effective samples (sets applied, voids removed), scored afresh.
          const effective = new Map<string, FoldableEvent>();
          for (const e of events) {
            if (e.kind === "add") effective.set(e.id, e);
            else if (e.kind === "set") effective.set(e.ref!, { ...effective.get(e.ref!)!, value: e.value });
            else effective.delete(e.ref!);
          }
          const model = new Map<string, Aggregate>();
          for (const e of effective.values()) model.set(e.metric!, addSample(model.get(e.metric!) ?? emptyAggregate(), e.value, e.occurredAt));
          expect(board.scoreOfParts(folded.parts)).toBe(scorecardScore(CARD, model));
          // Without corrections, the incremental path gives the same entry.
          const adds = events.filter((e) => e.kind === "add");
          let entry: ScoreEntry | undefined;
          for (const e of adds) entry = board.withEvent(entry, { metric: e.metric!, kind: "add", value: e.value, part: "numerator", occurredAt: e.occurredAt }, e.seq);
          const foldedAdds = foldParts(adds, (parts) => board.scoreOfParts(parts));
          if (entry) {
            expect(board.scoreOf(entry)).toBe(board.scoreOfParts(foldedAdds.parts));
            expect(entry.reachedSeq).toBe(foldedAdds.reachedSeq);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("scorecard boards", () => {
  async function scorecardTeam() {
    const t = await createTeam(3);
    await json(await api(t.adminKey, "PATCH", "/v1/metrics/csat", { minVolume: 2 }), 200);
    const card = await json(
      await api(t.adminKey, "POST", "/v1/metrics", {
        key: "agent_scorecard",
        label: "Scorecard",
        aggregation: "scorecard",
        components: [
          { metric: "csat", weight: 40, target: 4.5 },
          { metric: "handle_time_s", weight: 30, target: 300 },
          { metric: "contacts_handled", weight: 30, target: 4 },
        ],
      }),
      201,
    );
    expect(card).toMatchObject({ aggregation: "scorecard", direction: "higher", unit: "%", cap: 120 });
    await json(await api(t.adminKey, "POST", "/v1/boards", { id: "card-day", teamId: "t1", metric: "agent_scorecard", period: "day" }), 201);
    return t;
  }

  it("ranks the blend live, lists agents short of a component's minimum as qualifying, and explains each row", async () => {
    const t = await scorecardTeam();
    const contacts = (agent: string, n: number) => Array.from({ length: n }, () => event(agent, "contacts_handled", 1));
    await ingest(t.ingestKey, [
      // a1: CSAT 4.5 (100%), AHT 300 (100%), 2 of 4 contacts (50%): 40 + 30 + 15 = 85
      event("a1", "csat", 4), event("a1", "csat", 5), event("a1", "handle_time_s", 300), ...contacts("a1", 2),
      // a2: CSAT 3.6 (80%), AHT 240 (125% -> capped 120), 6 contacts (150% -> 120): 32 + 36 + 36 = 104
      event("a2", "csat", 3.6), event("a2", "csat", 3.6), event("a2", "handle_time_s", 240), ...contacts("a2", 6),
      // a3: one CSAT only: not yet qualified (needs 2)
      event("a3", "csat", 5), event("a3", "handle_time_s", 100),
    ]);
    const full = (await snapshot(t.readKey, "card-day")).snapshot;
    expect(idsAndScores(full.rows)).toEqual([["a2", 104], ["a1", 85]]);
    expect(full.header.metric).toMatchObject({ key: "agent_scorecard", aggregation: "scorecard", direction: "higher", minVolume: 2 });
    expect(full.qualifying).toEqual([{ agent: { id: "a3", name: "Agent 3" }, label: "Agent 3", volume: 1, required: 2 }]);

    const why = await json<ScoreExplanation>(await api(t.readKey, "GET", "/v1/boards/card-day/explain/a2"), 200);
    expect(why).toMatchObject({ agent: { id: "a2" }, rank: 1, score: 104, qualified: true });
    expect(why.formula).toContain("target");
    expect(why.components.map((c) => [c.metric, c.value, c.target, c.weight, c.attainment, c.points])).toEqual([
      ["csat", 3.6, 4.5, 40, 80, 32],
      ["handle_time_s", 240, 300, 30, 120, 36],
      ["contacts_handled", 6, 4, 30, 120, 36],
    ]);
    expect(why.components.reduce((n, c) => n + c.points!, 0)).toBeCloseTo(why.score!, 6);
    const a3 = await json<ScoreExplanation>(await api(t.readKey, "GET", "/v1/boards/card-day/explain/a3"), 200);
    expect(a3).toMatchObject({ rank: null, qualified: false, volume: 1, required: 2 });

    // A voided CSAT sample is re-folded exactly: a1's CSAT becomes 5 (capped at 111.1%).
    const csatEvent = event("a1", "csat", 2);
    await ingest(t.ingestKey, [csatEvent]);
    await ingest(t.ingestKey, [{ id: "void-1", agent: "a1", metric: "csat", kind: "void", ref: csatEvent.id, occurredAt: new Date().toISOString() }]);
    expect(idsAndScores((await snapshot(t.readKey, "card-day")).snapshot.rows)).toEqual([["a2", 104], ["a1", 85]]);

    // Reweighting re-ranks without new events: contacts now dominate.
    await json(
      await api(t.adminKey, "PATCH", "/v1/metrics/agent_scorecard", {
        components: [
          { metric: "csat", weight: 1, target: 4.5 },
          { metric: "contacts_handled", weight: 9, target: 4 },
        ],
        cap: 200,
      }),
      200,
    );
    // a2: 80% × 0.1 + 150% × 0.9 = 143; a1: 100% × 0.1 + 50% × 0.9 = 55
    expect(idsAndScores((await snapshot(t.readKey, "card-day")).snapshot.rows)).toEqual([["a2", 143], ["a1", 55]]);
  });

  it("lets an agent explain their own row only, and a wallboard none", async () => {
    const t = await scorecardTeam();
    await ingest(t.ingestKey, [event("a1", "csat", 5), event("a1", "csat", 5), event("a2", "csat", 4), event("a2", "csat", 4)]);
    const a1 = await createToken(t.adminKey, { role: "agent", agentId: "a1" });
    const own = await json<ScoreExplanation>(await api(a1.token, "GET", "/v1/boards/card-day/explain/a1"), 200);
    // CSAT 5 against 4.5 is 111.11% of target, × 40%.
    expect(own.score).toBe(44.4444);
    const other = await json(await api(a1.token, "GET", "/v1/boards/card-day/explain/a2"), 403);
    expect(JSON.stringify(other)).not.toContain("Agent 2");
    const display = await createToken(t.adminKey, { role: "display", teamIds: ["t1"] });
    await json(await api(display.token, "GET", "/v1/boards/card-day/explain/a1"), 403);
    await json(await api(t.readKey, "GET", "/v1/boards/card-day/explain/nobody"), 404);
    // A plain board explains itself as its one metric.
    const plain = await json<ScoreExplanation>(await api(a1.token, "GET", `/v1/boards/${t.boards.csat}/explain/a1`), 200);
    expect(plain.components).toEqual([{ metric: "csat", label: "CSAT", unit: "", direction: "higher", value: 5, volume: 2, minVolume: 2 }]);
  });

  it("refuses bad scorecards and events sent to one, naming the field, and keeps its components while in use", async () => {
    const t = await scorecardTeam();
    const create = (body: object) => api(t.adminKey, "POST", "/v1/metrics", { key: "card2", label: "Card 2", aggregation: "scorecard", ...body });
    const path = async (response: Response | Promise<Response>, status = 422) => (await json<{ errors: { path: string }[] }>(await response, status)).errors.map((e) => e.path);
    expect(await path(create({ components: [{ metric: "csat", weight: 1, target: 4 }, { metric: "nope", weight: 1, target: 1 }] }))).toEqual(["/components/1/metric"]);
    expect(await path(create({ components: [{ metric: "csat", weight: 1, target: 4 }, { metric: "csat", weight: 2, target: 4 }] }))).toEqual(["/components/1/metric"]);
    expect(await path(create({ components: [{ metric: "csat", weight: 1, target: 4 }, { metric: "agent_scorecard", weight: 1, target: 50 }] }))).toEqual(["/components/1/metric"]);
    expect(await path(create({ components: [{ metric: "csat", weight: 0, target: 4 }, { metric: "handle_time_s", weight: 1, target: 300 }] }))).toEqual(["/components/0/weight"]);
    expect(await path(create({ components: [{ metric: "csat", weight: 1, target: 4 }, { metric: "handle_time_s", weight: 1, target: 300 }], direction: "lower" }))).toEqual(["/direction"]);
    expect(await path(create({}))).toEqual(["/components"]);
    expect(await path(api(t.adminKey, "POST", "/v1/metrics", { key: "plain", label: "P", aggregation: "sum", cap: 150 }))).toEqual(["/cap"]);
    expect(await path(api(t.adminKey, "PATCH", "/v1/metrics/csat", { components: [] }))).toEqual(["/components"]);
    expect(await path(api(t.adminKey, "PATCH", "/v1/metrics/agent_scorecard", { aggregation: "sum" }))).toEqual(["/aggregation"]);
    await json(await api(t.adminKey, "GET", "/v1/metrics/card2"), 404);

    // Events go to the metrics a scorecard blends, never to the scorecard: the batch is refused whole.
    expect(await path(api(t.ingestKey, "POST", "/v1/events", { events: [event("a1", "csat", 5), event("a1", "agent_scorecard", 90)] }))).toEqual(["/events/1/metric"]);
    expect((await snapshot(t.readKey, "card-day")).snapshot.rows).toEqual([]);

    // A metric a scorecard blends cannot be retired from under it.
    expect(await path(api(t.adminKey, "DELETE", "/v1/metrics/handle_time_s"), 409)).toEqual([""]);
    expect((await json(await api(t.adminKey, "GET", "/v1/metrics/handle_time_s"), 200)).active).toBe(true);
  });
});
