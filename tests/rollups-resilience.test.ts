import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Row } from "../protocol/index.ts";
import { rollupStub } from "../durable-objects/rollup-board.ts";
import { api, createKey, createOrg, createToken, event, eventually, idsAndScores, ingest, json, snapshot, travelTo } from "./helpers.ts";

/** Sales (t1: a1) and care (t3: c1); roll-ups of teams, agents, the org's agents, and a morning contest. */
async function org() {
  const { orgId, adminKey } = await createOrg();
  const post = async (path: string, body: object) => json(await api(adminKey, "POST", path, body), 201);
  await post("/v1/departments", { id: "sales", name: "Sales" });
  await post("/v1/departments", { id: "care", name: "Care" });
  await post("/v1/teams", { id: "t1", name: "T1", departmentId: "sales" });
  await post("/v1/teams", { id: "t3", name: "T3", departmentId: "care" });
  await json(await api(adminKey, "PUT", "/v1/agents", { agents: [{ id: "a1", name: "A1", teamId: "t1" }, { id: "c1", name: "C1", teamId: "t3" }] }), 200);
  await post("/v1/metrics", { key: "contacts", label: "Contacts", aggregation: "count" });
  await post("/v1/metrics", { key: "sales", label: "Sales", aggregation: "sum" });
  await post("/v1/boards", { id: "sales-teams", scope: "department", departmentId: "sales", ranks: "teams", teamScore: "total", metric: "contacts", period: "day" });
  await post("/v1/boards", { id: "care-agents", scope: "department", departmentId: "care", metric: "contacts", period: "day" });
  await post("/v1/boards", { id: "org-agents", scope: "org", metric: "contacts", period: "day" });
  await post("/v1/boards", { id: "contest", scope: "department", departmentId: "sales", metric: "contacts", period: "contest", startsAt: "2030-01-15T08:00:00Z", endsAt: "2030-01-15T12:00:00Z" });
  return { orgId, adminKey, ingestKey: await createKey(adminKey, ["ingest"]), readKey: await createKey(adminKey, ["read"]) };
}

type Period = { revision: number; rows: Row[] };
const history = async (key: string, board: string) => (await json<{ periods: Period[] }>(await api(key, "GET", `/v1/boards/${board}/history`), 200)).periods;
const revisions = (periods: Period[]) => periods.map((p) => [p.revision, idsAndScores(p.rows)]);
const rows = async (key: string, board: string) => idsAndScores((await snapshot(key, board)).snapshot.rows);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("roll-ups through restarts, redefinitions and moves", () => {
  afterEach(() => vi.useRealTimers());

  it("an object evicted before its period ended records that period when it wakes", async () => {
    travelTo("2030-01-15T10:00:00Z");
    const t = await org();
    await ingest(t.ingestKey, [event("a1", "contacts", 1, { occurredAt: "2030-01-15T09:00:00Z" })]);
    await eventually(async () => expect(await rows(t.readKey, "sales-teams")).toEqual([["t1", 1]]));
    const sales = rollupStub(env, t.orgId, { kind: "department", departmentId: "sales" });
    await evictDurableObject(sales);
    travelTo("2030-01-16T10:00:00Z");
    await runDurableObjectAlarm(sales);
    await runDurableObjectAlarm(sales);
    await eventually(async () => expect(revisions(await history(t.readKey, "sales-teams"))).toEqual([[1, [["t1", 1]]]]));
    expect(await rows(t.readKey, "sales-teams")).toEqual([]);
  });

  it("a late event into a contest that ended records its standings again", async () => {
    travelTo("2030-01-15T10:00:00Z");
    const t = await org();
    await ingest(t.ingestKey, [event("a1", "contacts", 1, { occurredAt: "2030-01-15T09:00:00Z" })]);
    await eventually(async () => expect(await rows(t.readKey, "contest")).toEqual([["a1", 1]]));
    travelTo("2030-01-15T13:00:00Z");
    const sales = rollupStub(env, t.orgId, { kind: "department", departmentId: "sales" });
    await runDurableObjectAlarm(sales);
    await eventually(async () => expect(revisions(await history(t.readKey, "contest"))).toEqual([[1, [["a1", 1]]]]));
    await ingest(t.ingestKey, [event("a1", "contacts", 1, { occurredAt: "2030-01-15T11:00:00Z" })]);
    await eventually(async () => expect(await rows(t.readKey, "contest")).toEqual([["a1", 2]]));
    await eventually(async () => {
      await runDurableObjectAlarm(sales);
      expect(revisions(await history(t.readKey, "contest"))).toEqual([[2, [["a1", 2]]]]);
    });
  });

  it("an org board redefined to another metric drops agents who have none of it", async () => {
    const t = await org();
    await ingest(t.ingestKey, [event("a1", "contacts", 1), event("c1", "contacts", 1), event("c1", "sales", 50)]);
    await eventually(async () => expect(await rows(t.readKey, "org-agents")).toHaveLength(2));
    await json(await api(t.adminKey, "PATCH", "/v1/boards/org-agents", { metric: "sales" }), 200);
    await eventually(async () => expect(await rows(t.readKey, "org-agents")).toEqual([["c1", 50]]));
  });

  it("a closed period recorded before a redefinition is not rewritten from partial entries after it", async () => {
    travelTo("2030-01-15T10:00:00Z");
    const t = await org();
    const at = (agent: string, n: number, occurredAt: string) => Array.from({ length: n }, () => event(agent, "contacts", 1, { occurredAt }));
    await ingest(t.ingestKey, [...at("a1", 3, "2030-01-15T09:00:00Z"), ...at("c1", 2, "2030-01-15T09:00:00Z")]);
    await eventually(async () => expect(await rows(t.readKey, "org-agents")).toHaveLength(2));
    travelTo("2030-01-16T10:00:00Z");
    const orgObject = rollupStub(env, t.orgId, { kind: "org" });
    await runDurableObjectAlarm(orgObject);
    await eventually(async () => expect(revisions(await history(t.readKey, "org-agents"))).toEqual([[1, [["a1", 3], ["c1", 2]]]]));
    // Redefined (count -> sum, same numbers); then a late event for the closed day.
    await json(await api(t.adminKey, "PATCH", "/v1/metrics/contacts", { aggregation: "sum" }), 200);
    await ingest(t.ingestKey, at("c1", 1, "2030-01-15T09:30:00Z"));
    await sleep(1500);
    await runDurableObjectAlarm(orgObject);
    expect(revisions(await history(t.readKey, "org-agents"))).toEqual([[1, [["a1", 3], ["c1", 2]]]]);
  });

  it("a department takes only its own teams' entries: a team that left it is not counted there again", async () => {
    const t = await org();
    await ingest(t.ingestKey, [event("c1", "contacts", 1)]);
    await eventually(async () => expect(await rows(t.readKey, "care-agents")).toEqual([["c1", 1]]));
    // Events keep arriving while the admin moves the team to sales.
    const pump = (async () => {
      for (let i = 0; i < 15; i++) {
        await ingest(t.ingestKey, [event("c1", "contacts", 1)]);
        await sleep(20);
      }
    })();
    await sleep(120);
    await json(await api(t.adminKey, "PATCH", "/v1/teams/t3", { departmentId: "sales" }), 200);
    await pump;
    await eventually(async () => {
      expect(await rows(t.readKey, "care-agents")).toEqual([]);
      expect(await rows(t.readKey, "org-agents")).toEqual([["c1", 16]]);
      expect(await rows(t.readKey, "sales-teams")).toEqual([["t3", 16]]);
    });
  });

  it("a deactivated agent who opted out leaves the roll-ups, never named by id", async () => {
    const t = await org();
    const c1 = await createToken(t.adminKey, { role: "agent", agentId: "c1" });
    await json(await api(c1.token, "PATCH", "/v1/me", { optedOut: true }), 200);
    await ingest(t.ingestKey, [event("c1", "contacts", 1)]);
    const wall = await createToken(t.adminKey, { role: "display", teamIds: ["t3"] });
    await eventually(async () => expect((await snapshot(wall.token, "care-agents")).snapshot.rows).toMatchObject([{ agent: null, label: "Agent #1" }]));
    await json(await api(t.adminKey, "DELETE", "/v1/agents/c1"), 200);
    await eventually(async () => expect((await snapshot(wall.token, "care-agents")).snapshot.rows).toEqual([]));
    await eventually(async () => expect(await rows(t.readKey, "org-agents")).toEqual([]));
  });
});
