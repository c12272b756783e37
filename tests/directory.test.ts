import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createOrg, createTeam, json } from "./helpers.ts";

describe("directory and configuration API", () => {
  it("creates, lists, reads, updates and deactivates a department", async () => {
    const { adminKey } = await createOrg();
    const created = await json(await api(adminKey, "POST", "/v1/departments", { id: "support", name: "Support" }), 201);
    expect(created).toMatchObject({ id: "support", name: "Support", active: true });
    expect((await json(await api(adminKey, "GET", "/v1/departments"), 200)).departments).toHaveLength(1);
    expect(await json(await api(adminKey, "PATCH", "/v1/departments/support", { name: "Customer Support" }), 200)).toMatchObject({ name: "Customer Support" });
    expect(await json(await api(adminKey, "GET", "/v1/departments/support"), 200)).toMatchObject({ name: "Customer Support" });
    expect(await json(await api(adminKey, "DELETE", "/v1/departments/support"), 200)).toMatchObject({ active: false });
  });

  it("creates a team only inside an existing active department", async () => {
    const { adminKey } = await createOrg();
    const refused = await json(await api(adminKey, "POST", "/v1/teams", { name: "Night", departmentId: "nope" }), 422);
    expect(refused.errors[0].path).toBe("/departmentId");
    await json(await api(adminKey, "POST", "/v1/departments", { id: "d", name: "D" }), 201);
    const team = await json(await api(adminKey, "POST", "/v1/teams", { name: "Night", departmentId: "d" }), 201);
    expect(team.id).toMatch(/^team_/);
    expect((await json(await api(adminKey, "GET", "/v1/teams?departmentId=d"), 200)).teams).toHaveLength(1);
    expect(await json(await api(adminKey, "PATCH", `/v1/teams/${team.id}`, { name: "Nights" }), 200)).toMatchObject({ name: "Nights" });
    expect(await json(await api(adminKey, "DELETE", `/v1/teams/${team.id}`), 200)).toMatchObject({ active: false });
  });

  it("creates, reads, updates and deactivates a metric", async () => {
    const { adminKey } = await createOrg();
    const metric = await json(await api(adminKey, "POST", "/v1/metrics", { key: "sales", label: "Sales", unit: "SEK", aggregation: "sum" }), 201);
    expect(metric).toMatchObject({ key: "sales", direction: "higher", aggregation: "sum", active: true });
    expect(await json(await api(adminKey, "PATCH", "/v1/metrics/sales", { direction: "lower" }), 200)).toMatchObject({ direction: "lower" });
    expect(await json(await api(adminKey, "GET", "/v1/metrics/sales"), 200)).toMatchObject({ direction: "lower", unit: "SEK" });
    expect((await json(await api(adminKey, "GET", "/v1/metrics"), 200)).metrics).toHaveLength(1);
    expect(await json(await api(adminKey, "DELETE", "/v1/metrics/sales"), 200)).toMatchObject({ active: false });
  });

  it("refuses a second metric with the same key with 409", async () => {
    const { adminKey } = await createOrg();
    await json(await api(adminKey, "POST", "/v1/metrics", { key: "csat", label: "CSAT", aggregation: "avg" }), 201);
    const refused = await json(await api(adminKey, "POST", "/v1/metrics", { key: "csat", label: "Again", aggregation: "sum" }), 409);
    expect(refused.errors[0].path).toBe("/key");
  });

  it("creates, lists, updates and deactivates a board", async () => {
    const t = await createTeam(2);
    const listed = await json(await api(t.adminKey, "GET", "/v1/boards?teamId=t1"), 200);
    expect(listed.boards.map((b: { id: string }) => b.id).sort()).toEqual(["aht-day", "contacts-day", "csat-day"]);
    const week = await json(await api(t.adminKey, "POST", "/v1/boards", { teamId: "t1", metric: "csat", period: "week" }), 201);
    expect(week).toMatchObject({ name: "CSAT · week", period: "week", metric: "csat", active: true });
    expect(await json(await api(t.adminKey, "PATCH", `/v1/boards/${week.id}`, { name: "CSAT this week" }), 200)).toMatchObject({ name: "CSAT this week" });
    expect(await json(await api(t.adminKey, "DELETE", `/v1/boards/${week.id}`), 200)).toMatchObject({ active: false });
  });

  it("refuses a board on an unknown metric, naming the field", async () => {
    const t = await createTeam(1);
    const refused = await json(await api(t.adminKey, "POST", "/v1/boards", { teamId: "t1", metric: "nope", period: "day" }), 422);
    expect(refused.errors).toEqual([{ path: "/metric", message: "unknown metric 'nope'" }]);
  });

  it("bulk-upserts 500 agents in one call and replaces them on a second call", async () => {
    const t = await createTeam(0);
    await json(await api(t.adminKey, "POST", "/v1/teams", { id: "t2", name: "Team Two", departmentId: "sales" }), 201);
    const agents = Array.from({ length: 500 }, (_, i) => ({ id: `bulk-${i}`, name: `Bulk ${i}`, teamId: "t1", externalIds: { twilio: `WK${i}` } }));
    expect((await json(await api(t.adminKey, "PUT", "/v1/agents", { agents }), 200)).count).toBe(500);
    const moved = agents.map((a, i) => ({ ...a, name: `Renamed ${i}`, teamId: i % 2 ? "t2" : "t1" }));
    await json(await api(t.adminKey, "PUT", "/v1/agents", { agents: moved }), 200);
    const count = await env.DB.prepare("SELECT team_id, count(*) AS n FROM agents WHERE org_id = ? GROUP BY team_id ORDER BY team_id").bind(t.orgId).all();
    expect(count.results).toEqual([{ team_id: "t1", n: 250 }, { team_id: "t2", n: 250 }]);
    const one = await json(await api(t.adminKey, "GET", "/v1/agents/bulk-7"), 200);
    expect(one).toMatchObject({ name: "Renamed 7", teamId: "t2", externalIds: { twilio: "WK7" } });
  });

  it("pages through agents with a cursor", async () => {
    const t = await createTeam(7);
    const first = await json(await api(t.adminKey, "GET", "/v1/agents?limit=4"), 200);
    expect(first.agents).toHaveLength(4);
    const second = await json(await api(t.adminKey, "GET", `/v1/agents?limit=4&cursor=${first.nextCursor}`), 200);
    expect(second.agents).toHaveLength(3);
    expect(second.nextCursor).toBeNull();
  });

  it("a bulk upsert with one agent on an unknown team changes nothing", async () => {
    const t = await createTeam(0);
    const agents = [
      { id: "ok-1", name: "Fine", teamId: "t1" },
      { id: "bad-1", name: "Lost", teamId: "nowhere" },
    ];
    const refused = await json(await api(t.adminKey, "PUT", "/v1/agents", { agents }), 422);
    expect(refused.errors[0].path).toBe("/agents/1/teamId");
    const row = await env.DB.prepare("SELECT count(*) AS n FROM agents WHERE org_id = ?").bind(t.orgId).first();
    expect(row).toEqual({ n: 0 });
  });

  it("an external id already held by another agent is refused with 409", async () => {
    const t = await createTeam(0);
    await json(await api(t.adminKey, "POST", "/v1/agents", { id: "x1", name: "X", teamId: "t1", externalIds: { aircall: "42" } }), 201);
    const refused = await json(await api(t.adminKey, "POST", "/v1/agents", { id: "x2", name: "Y", teamId: "t1", externalIds: { aircall: "42" } }), 409);
    expect(refused.errors[0].path).toBe("/externalIds/aircall");
    expect(await json(await api(t.adminKey, "GET", "/v1/agents/x2"), 404)).toMatchObject({ status: 404 });
  });

  it("updates an agent's name and team and deactivates it", async () => {
    const t = await createTeam(1);
    await json(await api(t.adminKey, "POST", "/v1/teams", { id: "t2", name: "Team Two", departmentId: "sales" }), 201);
    expect(await json(await api(t.adminKey, "PATCH", "/v1/agents/a1", { name: "Ada", teamId: "t2" }), 200)).toMatchObject({ name: "Ada", teamId: "t2" });
    expect(await json(await api(t.adminKey, "DELETE", "/v1/agents/a1"), 200)).toMatchObject({ active: false });
  });

  it("reads and updates the org, refusing an unknown time zone by field", async () => {
    const { adminKey } = await createOrg("Acme", "UTC");
    expect(await json(await api(adminKey, "GET", "/v1/org"), 200)).toMatchObject({ name: "Acme", timeZone: "UTC" });
    const refused = await json(await api(adminKey, "PATCH", "/v1/org", { timeZone: "Mars/Olympus" }), 422);
    expect(refused.errors[0].path).toBe("/timeZone");
    expect(await json(await api(adminKey, "PATCH", "/v1/org", { timeZone: "Asia/Kuala_Lumpur" }), 200)).toMatchObject({ timeZone: "Asia/Kuala_Lumpur" });
  });

  it("refuses unknown fields, naming them", async () => {
    const { adminKey } = await createOrg();
    const refused = await json(await api(adminKey, "POST", "/v1/departments", { name: "D", colour: "red" }), 422);
    expect(refused.errors[0]).toMatchObject({ path: "" });
    expect(refused.errors[0].message).toContain("colour");
  });

  it("keeps one org's directory invisible to another org's key", async () => {
    const a = await createTeam(1);
    const b = await createOrg("Other");
    expect(await json(await api(b.adminKey, "GET", "/v1/agents/a1"), 404)).toMatchObject({ status: 404 });
    expect((await json(await api(b.adminKey, "GET", "/v1/boards"), 200)).boards).toEqual([]);
    expect(await json(await api(b.adminKey, "GET", `/v1/boards/${a.boards.contacts}`), 404)).toMatchObject({ status: 404 });
  });
});
