import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Row, SnapshotFrame } from "../protocol/index.ts";
import { addSample, emptyAggregate } from "../durable-objects/aggregation.ts";
import { Rollup } from "../durable-objects/rollup.ts";
import { rollupStub } from "../durable-objects/rollup-board.ts";
import type { RollupEntry } from "../durable-objects/rollup-outbox.ts";
import { api, connect, createKey, createOrg, createToken, event, eventually, idsAndScores, ingest, json, snapshot } from "./helpers.ts";

/**
 * Two departments: sales (teams t1, t2) and care (t3). Team boards per team (contacts, handle time)
 * and roll-ups: sales teams by total contacts and by average handle time, sales agents by handle
 * time, the org's departments by total contacts, and the org's agents by contacts.
 */
async function rollupOrg() {
  const { orgId, adminKey } = await createOrg();
  const post = async (path: string, body: object) => json(await api(adminKey, "POST", path, body), 201);
  await post("/v1/departments", { id: "sales", name: "Sales" });
  await post("/v1/departments", { id: "care", name: "Care" });
  const members: Record<string, string[]> = { t1: ["a1", "a2", "a3"], t2: ["b1", "b2"], t3: ["c1", "c2"] };
  for (const [team, department] of [["t1", "sales"], ["t2", "sales"], ["t3", "care"]] as const) {
    await post("/v1/teams", { id: team, name: `Team ${team}`, departmentId: department });
  }
  await json(
    await api(adminKey, "PUT", "/v1/agents", { agents: Object.entries(members).flatMap(([teamId, ids]) => ids.map((id) => ({ id, name: `Agent ${id}`, teamId }))) }),
    200,
  );
  await post("/v1/metrics", { key: "contacts_handled", label: "Contacts", aggregation: "count" });
  await post("/v1/metrics", { key: "handle_time_s", label: "Handle time", unit: "s", aggregation: "avg", direction: "lower", minVolume: 2 });
  for (const team of Object.keys(members)) {
    await post("/v1/boards", { id: `${team}-contacts`, teamId: team, metric: "contacts_handled", period: "day" });
    await post("/v1/boards", { id: `${team}-aht`, teamId: team, metric: "handle_time_s", period: "day" });
  }
  const rollups = {
    salesTeamsContacts: { id: "sales-teams-contacts", scope: "department", departmentId: "sales", ranks: "teams", teamScore: "total", metric: "contacts_handled", period: "day" },
    salesTeamsAht: { id: "sales-teams-aht", scope: "department", departmentId: "sales", ranks: "teams", metric: "handle_time_s", period: "day" },
    salesAgentsAht: { id: "sales-agents-aht", scope: "department", departmentId: "sales", metric: "handle_time_s", period: "day" },
    orgDepartmentsContacts: { id: "org-departments-contacts", scope: "org", ranks: "departments", teamScore: "total", metric: "contacts_handled", period: "day" },
    orgAgentsContacts: { id: "org-agents-contacts", scope: "org", metric: "contacts_handled", period: "day" },
  };
  for (const body of Object.values(rollups)) await post("/v1/boards", body);
  return { orgId, adminKey, ingestKey: await createKey(adminKey, ["ingest"]), readKey: await createKey(adminKey, ["read"]), members, rollups };
}

type Fixture = Awaited<ReturnType<typeof rollupOrg>>;

const rowsOf = async (key: string, board: string): Promise<Row[]> => (await snapshot(key, board)).snapshot.rows;
const scoreMap = (rows: readonly Row[]) => new Map(rows.map((r) => [r.agent!.id, r.score!]));
const sum = (rows: readonly Row[]) => rows.reduce((n, r) => n + r.score!, 0);

/** Every roll-up equals what the team boards, computed directly by each team's object, add up to. */
async function expectRollupsMatchTeams(t: Fixture): Promise<void> {
  const teams = Object.keys(t.members);
  const contacts = new Map(await Promise.all(teams.map(async (team) => [team, await rowsOf(t.readKey, `${team}-contacts`)] as const)));
  const aht = new Map(await Promise.all(teams.map(async (team) => [team, await rowsOf(t.readKey, `${team}-aht`)] as const)));
  // Frames carry scores to 4 decimals: the mean of rounded scores may differ from the rounded mean by that much.
  const close = (a: number, b: number) => Math.abs(a - b) < 1e-3;

  // Sales, team against team: each team's total contacts, and its agents' average handle time.
  const totals = scoreMap(await rowsOf(t.readKey, "sales-teams-contacts"));
  const expectedTotals = new Map(["t1", "t2"].filter((team) => contacts.get(team)!.length > 0).map((team) => [team, sum(contacts.get(team)!)]));
  expect(totals).toEqual(expectedTotals);
  const averages = scoreMap(await rowsOf(t.readKey, "sales-teams-aht"));
  const qualified = ["t1", "t2"].filter((team) => aht.get(team)!.length > 0);
  expect([...averages.keys()].sort()).toEqual(qualified.sort());
  for (const team of qualified) expect(close(averages.get(team)!, sum(aht.get(team)!) / aht.get(team)!.length)).toBe(true);

  // Sales, agents: exactly the ranked agents of t1 and t2 with their scores, in the board's order.
  const salesAgents = await rowsOf(t.readKey, "sales-agents-aht");
  expect(scoreMap(salesAgents)).toEqual(scoreMap([...aht.get("t1")!, ...aht.get("t2")!]));
  expect(salesAgents.map((r) => r.score)).toEqual([...salesAgents.map((r) => r.score!)].sort((a, b) => a - b));

  // The org: departments by total contacts, and every agent by contacts.
  const departmentTotal = (ts: string[]) => ts.reduce((n, team) => n + sum(contacts.get(team)!), 0);
  const expectedDepartments = new Map(
    ([["sales", ["t1", "t2"]], ["care", ["t3"]]] as const).filter(([, ts]) => ts.some((team) => contacts.get(team)!.length > 0)).map(([d, ts]) => [d, departmentTotal([...ts])]),
  );
  expect(scoreMap(await rowsOf(t.readKey, "org-departments-contacts"))).toEqual(expectedDepartments);
  expect(scoreMap(await rowsOf(t.readKey, "org-agents-contacts"))).toEqual(scoreMap(teams.flatMap((team) => contacts.get(team)!)));
}

describe("roll-up standings (pure)", () => {
  const visibility = { mode: "everyone" as const, n: 3, k: 1, showScores: true, anonymise: false };
  const config = (ranks: "agents" | "teams" | "departments", teamScore: "total" | "average", aggregation: "sum" | "avg", direction: "higher" | "lower", minVolume: number) => ({
    id: "r",
    name: "r",
    period: "day" as const,
    metric: { key: "m", label: "m", unit: "", aggregation, direction, minVolume },
    visibility,
    rollup: { scope: "org" as const, departmentId: null, ranks, teamScore },
  });

  it("after random reports, moves between departments and retractions, equals the sums and averages of its teams computed directly", () => {
    const reportArb = fc.record({
      team: fc.constantFrom("t1", "t2", "t3", "t4"),
      agent: fc.constantFrom("a", "b", "c", "d", "e"),
      samples: fc.option(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 4 }), { nil: null }),
      reachedAt: fc.nat({ max: 1000 }),
      department: fc.constantFrom("d1", "d2"),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(reportArb, { maxLength: 8 }), { maxLength: 8 }),
        fc.constantFrom("agents" as const, "teams" as const, "departments" as const),
        fc.constantFrom("total" as const, "average" as const),
        fc.constantFrom("sum" as const, "avg" as const),
        fc.constantFrom("higher" as const, "lower" as const),
        fc.integer({ min: 0, max: 2 }),
        (deltas, ranks, teamScore, aggregation, direction, minVolume) => {
          const rollup = new Rollup(config(ranks, teamScore, aggregation, direction, minVolume), "UTC", 0);
          const latest = new Map<string, RollupEntry>();
          for (const delta of deltas) {
            const entries = delta.map((r): RollupEntry => ({
              team: r.team,
              agent: r.agent,
              entry: r.samples === null ? null : { aggregate: r.samples.reduce((a, v) => addSample(a, v, 0), emptyAggregate()), reachedSeq: 0 },
              reachedAt: r.reachedAt,
              agentName: r.agent,
              optedOut: false,
              teamName: r.team,
              department: r.department,
              departmentName: r.department,
              configAt: 0,
            }));
            rollup.apply(entries);
            for (const e of entries) latest.set(`${e.team}/${e.agent}`, e);
          }
          // The model: from the latest report of each team and agent, directly.
          const present = [...latest.values()].filter((e) => e.entry !== null);
          const scoreOfSamples = (list: RollupEntry[]) => {
            const all = list.flatMap((e) => [e.entry!.aggregate]);
            const s = all.reduce((n, a) => n + a.sum, 0);
            const c = all.reduce((n, a) => n + a.count, 0);
            return { score: aggregation === "sum" ? (c === 0 ? null : s) : c === 0 ? null : s / c, volume: c };
          };
          const expected = new Map<string, number>();
          if (ranks === "agents") {
            for (const agent of new Set(present.map((e) => e.agent))) {
              const { score, volume } = scoreOfSamples(present.filter((e) => e.agent === agent));
              if (score !== null && volume >= minVolume) expected.set(agent, score);
            }
          } else {
            const groupOf = (e: RollupEntry) => (ranks === "teams" ? e.team : e.department);
            for (const group of new Set(present.map(groupOf))) {
              const inGroup = present.filter((e) => groupOf(e) === group);
              const scores = [...new Set(inGroup.map((e) => e.agent))].flatMap((agent) => {
                const { score, volume } = scoreOfSamples(inGroup.filter((e) => e.agent === agent));
                return score === null || (teamScore === "average" && volume < minVolume) ? [] : [score];
              });
              if (scores.length > 0) expected.set(group, teamScore === "total" ? scores.reduce((n, v) => n + v, 0) : scores.reduce((n, v) => n + v, 0) / scores.length);
            }
          }
          const actual = new Map(rollup.board.ranking.entries().map((s) => [s.member, s.score]));
          expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
          for (const [member, score] of expected) expect(actual.get(member)).toBeCloseTo(score, 9);
          // And in the metric's direction.
          const order = rollup.board.ranking.entries().map((s) => s.score);
          expect(order).toEqual([...order].sort((a, b) => (direction === "higher" ? b - a : a - b)));
        },
      ),
      { numRuns: 1500 },
    );
  });
});

describe("roll-ups", () => {
  it("rank teams within a department, departments and agents across the org, live from the teams' objects", async () => {
    const t = await rollupOrg();
    const calls = (agent: string, seconds: number[]) => seconds.map((s) => [event(agent, "contacts_handled", 1), event(agent, "handle_time_s", s)]).flat();
    await ingest(t.ingestKey, [...calls("a1", [200, 300]), ...calls("a2", [100]), ...calls("b1", [150, 150, 180, 160]), ...calls("c1", [400, 420])]);

    await eventually(async () => {
      const teams = (await snapshot(t.readKey, "sales-teams-contacts")).snapshot;
      expect(teams.rows.map((r) => [r.agent?.id, r.label, r.score, r.rank])).toEqual([
        ["t2", "Team t2", 4, 1],
        ["t1", "Team t1", 3, 2],
      ]);
      expect(teams.header).toMatchObject({ team: { id: "sales", name: "Sales" }, scope: "department", ranks: "teams", teamScore: "total" });
    });
    await eventually(async () => {
      // a2 has one call (minimum 2): not in t1's average, and listed as qualifying on the agents' board.
      expect(idsAndScores(await rowsOf(t.readKey, "sales-teams-aht"))).toEqual([["t2", 160], ["t1", 250]]);
      const agents = (await snapshot(t.readKey, "sales-agents-aht")).snapshot;
      expect(idsAndScores(agents.rows)).toEqual([["b1", 160], ["a1", 250]]);
      expect(agents.qualifying).toEqual([{ agent: { id: "a2", name: "Agent a2" }, label: "Agent a2", volume: 1, required: 2 }]);
      expect(idsAndScores(await rowsOf(t.readKey, "org-departments-contacts"))).toEqual([["sales", 7], ["care", 2]]);
    });
    await expectRollupsMatchTeams(t);

    // An agent sees the department board through its visibility; on the board of teams their row is their team.
    const a1 = await createToken(t.adminKey, { role: "agent", agentId: "a1" });
    const own = (await snapshot(a1.token, "sales-teams-contacts")).snapshot;
    expect(own.view).toBe("agent");
    expect(own.rows.find((r) => r.me)).toMatchObject({ agent: { id: "t1" } });
    // Anonymised, other teams are "Team #<place>".
    await json(await api(t.adminKey, "PATCH", "/v1/boards/sales-teams-contacts/visibility", { anonymise: true }), 200);
    const anonymous = (await snapshot(a1.token, "sales-teams-contacts")).snapshot;
    expect(anonymous.rows.map((r) => [r.label, r.me ?? false])).toEqual([["Team #1", false], ["Team t1", true]]);
    const c1 = await createToken(t.adminKey, { role: "agent", agentId: "c1" });
    await json(await api(c1.token, "GET", "/v1/boards/sales-teams-contacts"), 403);
    expect((await snapshot(c1.token, "org-departments-contacts")).snapshot.rows.find((r) => r.me)).toMatchObject({ agent: { id: "care" } });

    // Live: a socket on the org's board of agents hears a new event at a team two levels down.
    const socket = await connect("org-agents-contacts", t.readKey);
    await socket.until(() => socket.frames.length >= 1);
    await ingest(t.ingestKey, Array.from({ length: 5 }, () => event("c2", "contacts_handled", 1)));
    await socket.until(() => socket.frames.some((f) => f.type === "update" && f.changed.some((r) => r.agent?.id === "c2" && r.place === 1)));
    socket.ws.close();
    await expectRollupsMatchTeams(t);
  });

  it("after random event streams with corrections, every roll-up equals what its teams add up to (property)", async () => {
    const agentIds = ["a1", "a2", "a3", "b1", "b2", "c1", "c2"];
    const opArb = fc.record({
      agent: fc.constantFrom(...agentIds),
      metric: fc.constantFrom("contacts_handled", "handle_time_s"),
      value: fc.integer({ min: 30, max: 900 }),
      correct: fc.constantFrom(null, null, null, null, "set", "void"),
      pick: fc.nat(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(opArb, { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 4 }), async (batches) => {
        const t = await rollupOrg();
        const sent: { id: string; agent: string; metric: string }[] = [];
        for (const batch of batches) {
          const events = batch.map((op) => {
            const earlier = sent.filter((e) => e.agent === op.agent && e.metric === op.metric);
            if (op.correct && earlier.length > 0) {
              const ref = earlier[op.pick % earlier.length]!.id;
              return { id: `fix-${sent.length}-${Math.random().toString(36).slice(2)}`, agent: op.agent, metric: op.metric, kind: op.correct, ref, occurredAt: new Date().toISOString(), ...(op.correct === "set" ? { value: op.value } : {}) };
            }
            const e = event(op.agent, op.metric, op.metric === "contacts_handled" ? 1 : op.value);
            sent.push(e);
            return e;
          });
          // Corrections name events of earlier batches only (in-batch refs are covered elsewhere).
          const plain = events.filter((e) => !("ref" in e));
          const fixes = events.filter((e) => "ref" in e && sent.some((s) => s.id === (e as { ref: string }).ref && !plain.includes(s as never)));
          if (plain.length > 0) await ingest(t.ingestKey, plain);
          if (fixes.length > 0) await ingest(t.ingestKey, fixes);
        }
        await eventually(() => expectRollupsMatchTeams(t), 15_000);
      }),
      // A failing run reports its counterexample at once: shrinking would rebuild an org per step.
      { numRuns: 6, endOnFailure: true },
    );
    // Each run builds an org of 3 teams and 11 boards through the API: slow when files run in parallel.
  }, 180_000);

  it("reaches the org's object coalesced: far fewer messages than events, and never one per event", async () => {
    const t = await rollupOrg();
    const agents = Object.values(t.members).flat();
    // 120 single-event requests at once, across the three teams and both departments.
    await Promise.all(Array.from({ length: 120 }, (_, i) => ingest(t.ingestKey, [event(agents[i % agents.length]!, "contacts_handled", 1)])));
    await eventually(() => expectRollupsMatchTeams(t));
    const org = await rollupStub(env, t.orgId, { kind: "org" }).stats();
    const sales = await rollupStub(env, t.orgId, { kind: "department", departmentId: "sales" }).stats();
    // Every agent reached the org (one entry per changed agent per message), in few messages.
    expect(org.entries).toBeGreaterThanOrEqual(agents.length);
    expect(org.deltas).toBeLessThan(40);
    expect(sales.deltas).toBeLessThan(60);
  });

  it("refuses roll-up boards that do not add up, naming the field, and creates nothing", async () => {
    const t = await rollupOrg();
    const path = async (body: object) => (await json<{ errors: { path: string }[] }>(await api(t.adminKey, "POST", "/v1/boards", { id: "bad", metric: "contacts_handled", period: "day", ...body }), 422)).errors.map((e) => e.path);
    expect(await path({ scope: "department" })).toEqual(["/departmentId"]);
    expect(await path({ scope: "department", departmentId: "sales", teamId: "t1" })).toEqual(["/teamId"]);
    expect(await path({ scope: "department", departmentId: "nope" })).toEqual(["/departmentId"]);
    expect(await path({ scope: "org", ranks: "teams", departmentId: "sales" })).toEqual(["/departmentId"]);
    expect(await path({ scope: "department", departmentId: "sales", ranks: "departments" })).toEqual(["/ranks"]);
    expect(await path({ scope: "team", teamId: "t1", ranks: "teams" })).toEqual(["/ranks"]);
    expect(await path({ scope: "org", teamScore: "total" })).toEqual(["/teamScore"]);
    expect(await path({ scope: "org", ranks: "teams", teamScore: "total", metric: "handle_time_s" })).toEqual(["/teamScore"]);
    await json(await api(t.adminKey, "GET", "/v1/boards/bad"), 404);
    // Nor can a board or a metric be changed into one.
    expect((await json<{ errors: { path: string }[] }>(await api(t.adminKey, "PATCH", "/v1/boards/sales-teams-contacts", { metric: "handle_time_s" }), 422)).errors[0]!.path).toBe("/metric");
    expect((await json<{ errors: { path: string }[] }>(await api(t.adminKey, "PATCH", "/v1/metrics/contacts_handled", { aggregation: "avg" }), 422)).errors[0]!.path).toBe("/aggregation");
    expect((await json<{ aggregation: string }>(await api(t.adminKey, "GET", "/v1/metrics/contacts_handled"), 200)).aggregation).toBe("count");
    expect((await json<{ board: { metric: string } }>(await api(t.adminKey, "GET", "/v1/boards/sales-teams-contacts"), 200)).board.metric).toBe("contacts_handled");
    const listed = await json<{ boards: { id: string; scope: string; teamId: string | null; departmentId: string | null; ranks: string; teamScore: string | null }[] }>(await api(t.adminKey, "GET", "/v1/boards"), 200);
    expect(listed.boards.find((b) => b.id === "sales-teams-aht")).toMatchObject({ scope: "department", teamId: null, departmentId: "sales", ranks: "teams", teamScore: "average" });
  });

  it("counts a team that changes department in its new department from the current periods on", async () => {
    const t = await rollupOrg();
    await ingest(t.ingestKey, [event("c1", "contacts_handled", 1), event("a1", "contacts_handled", 1)]);
    // Equal totals: which department got there first depends on which team's object answered first.
    await eventually(async () => expect(scoreMap(await rowsOf(t.readKey, "org-departments-contacts"))).toEqual(new Map([["care", 1], ["sales", 1]])));
    // t3 joins sales: its agents now count for sales, in the org's board as in the department's.
    await json(await api(t.adminKey, "PATCH", "/v1/teams/t3", { departmentId: "sales" }), 200);
    await ingest(t.ingestKey, [event("c1", "contacts_handled", 1)]);
    await eventually(async () => {
      expect(idsAndScores(await rowsOf(t.readKey, "sales-teams-contacts"))).toEqual([["t3", 2], ["t1", 1]]);
      expect(idsAndScores(await rowsOf(t.readKey, "org-departments-contacts"))).toEqual([["sales", 3]]);
    });
  });

  it("records a roll-up's final standings in history when its period closes", async () => {
    const t = await rollupOrg();
    await ingest(t.ingestKey, [event("a1", "contacts_handled", 1), event("b1", "contacts_handled", 1), event("b1", "contacts_handled", 1)]);
    await eventually(async () => expect(idsAndScores(await rowsOf(t.readKey, "sales-teams-contacts"))).toEqual([["t2", 2], ["t1", 1]]));
    const snap: SnapshotFrame = (await snapshot(t.readKey, "sales-teams-contacts")).snapshot;
    // Move the clock past the period's end (and the settling delay): the next read closes it.
    const { travelTo } = await import("./helpers.ts");
    const { vi } = await import("vitest");
    try {
      travelTo(Date.parse(snap.period.end) + 10_000);
      await eventually(async () => {
        expect((await snapshot(t.readKey, "sales-teams-contacts")).snapshot.rows).toEqual([]);
      });
      await eventually(async () => {
        const history = await json<{ periods: { period: { start: string }; rows: Row[] }[] }>(await api(t.readKey, "GET", "/v1/boards/sales-teams-contacts/history"), 200);
        expect(history.periods[0]?.period.start).toBe(snap.period.start);
        expect(history.periods[0]?.rows.map((r) => [r.agent?.id, r.label, r.score])).toEqual([["t2", "Team t2", 2], ["t1", "Team t1", 1]]);
      });
    } finally {
      vi.useRealTimers();
    }
  });
});
