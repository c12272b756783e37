import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, BASE, createTeam, event, ingest, json, snapshot } from "./helpers.ts";

const post = (key: string, body: string, contentType = "application/json") =>
  SELF.fetch(`${BASE}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": contentType }, body });

describe("POST /v1/events", () => {
  it("answers 202 with the count of accepted events", async () => {
    const t = await createTeam(3);
    const result = await ingest(t.ingestKey, [event("a1", "contacts_handled", 1), event("a2", "csat", 5)]);
    expect(result).toEqual({ accepted: 2, duplicates: 0, late: 0 });
  });

  it("posting the same batch again counts nothing twice", async () => {
    const t = await createTeam(3);
    const batch = [event("a1", "contacts_handled", 1), event("a2", "contacts_handled", 1), event("a2", "contacts_handled", 1)];
    await ingest(t.ingestKey, batch);
    const before = await snapshot(t.readKey, t.boards.contacts);
    expect(await ingest(t.ingestKey, batch)).toEqual({ accepted: 0, duplicates: 3, late: 0 });
    expect((await snapshot(t.readKey, t.boards.contacts)).snapshot.rows).toEqual(before.snapshot.rows);
  });

  it("an id repeated inside one batch is counted once", async () => {
    const t = await createTeam(1);
    const e = event("a1", "contacts_handled", 1);
    expect(await ingest(t.ingestKey, [e, e, e])).toEqual({ accepted: 1, duplicates: 2, late: 0 });
    expect((await snapshot(t.readKey, t.boards.contacts)).snapshot.rows[0]!.score).toBe(1);
  });

  it("accepts a batch of 1,000 events", async () => {
    const t = await createTeam(10);
    const batch = Array.from({ length: 1000 }, (_, i) => event(`a${(i % 10) + 1}`, "contacts_handled", 1));
    expect(await ingest(t.ingestKey, batch)).toEqual({ accepted: 1000, duplicates: 0, late: 0 });
    const rows = (await snapshot(t.readKey, t.boards.contacts)).snapshot.rows;
    expect(rows.map((r) => r.score)).toEqual(Array(10).fill(100));
    expect(rows.map((r) => r.rank)).toEqual(Array(10).fill(1));
  });

  it("refuses a batch of 1,001 events, naming the field", async () => {
    const t = await createTeam(1);
    const batch = Array.from({ length: 1001 }, () => event("a1", "contacts_handled", 1));
    const refused = await json(await api(t.ingestKey, "POST", "/v1/events", { events: batch }), 422);
    expect(refused.errors[0].path).toBe("/events");
  });

  it("routes events for agents on different teams to each team's board", async () => {
    const t = await createTeam(2);
    await json(await api(t.adminKey, "POST", "/v1/teams", { id: "t2", name: "Two", departmentId: "sales" }), 201);
    await json(await api(t.adminKey, "POST", "/v1/agents", { id: "b1", name: "Bea", teamId: "t2" }), 201);
    await json(await api(t.adminKey, "POST", "/v1/boards", { id: "t2-contacts", teamId: "t2", metric: "contacts_handled", period: "day" }), 201);
    expect(await ingest(t.ingestKey, [event("a1", "contacts_handled", 1), event("b1", "contacts_handled", 1)])).toEqual({ accepted: 2, duplicates: 0, late: 0 });
    expect((await snapshot(t.readKey, t.boards.contacts)).snapshot.rows.map((r) => r.agent!.id)).toEqual(["a1"]);
    expect((await snapshot(t.readKey, "t2-contacts")).snapshot.rows.map((r) => r.agent!.id)).toEqual(["b1"]);
  });

  describe("bad input gets a clear error and changes nothing", () => {
    async function expectNothingRecorded(t: Awaited<ReturnType<typeof createTeam>>) {
      expect((await snapshot(t.readKey, t.boards.contacts)).snapshot.rows).toEqual([]);
    }

    it("malformed JSON is a 400 problem", async () => {
      const t = await createTeam(1);
      const response = await post(t.ingestKey, '{"events": [');
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await json(response, 400)).toMatchObject({ status: 400, title: "Malformed JSON" });
      await expectNothingRecorded(t);
    });

    it("a wrong type is a 422 naming the field", async () => {
      const t = await createTeam(1);
      const bad = { ...event("a1", "contacts_handled", 1), value: "3" };
      const refused = await json(await post(t.ingestKey, JSON.stringify({ events: [event("a1", "contacts_handled", 1), bad] })), 422);
      expect(refused.errors.map((e: { path: string }) => e.path)).toEqual(["/events/1/value"]);
      await expectNothingRecorded(t);
    });

    it("an unknown field is refused", async () => {
      const t = await createTeam(1);
      const refused = await json(await post(t.ingestKey, JSON.stringify({ events: [{ ...event("a1", "contacts_handled", 1), bonus: 1 }] })), 422);
      expect(refused.errors[0].path).toBe("/events/0");
      expect(refused.errors[0].message).toContain("bonus");
      await expectNothingRecorded(t);
    });

    it("a value too large for a number is refused", async () => {
      const t = await createTeam(1);
      const refused = await json(await post(t.ingestKey, '{"events":[{"id":"x","agent":"a1","metric":"contacts_handled","value":1e999,"occurredAt":"2026-01-01T00:00:00Z"}]}'), 422);
      expect(refused.errors[0].path).toBe("/events/0/value");
      await expectNothingRecorded(t);
    });

    it("an occurredAt that is not an ISO 8601 instant is refused", async () => {
      const t = await createTeam(1);
      const refused = await json(await post(t.ingestKey, JSON.stringify({ events: [event("a1", "contacts_handled", 1, { occurredAt: "yesterday" })] })), 422);
      expect(refused.errors[0].path).toBe("/events/0/occurredAt");
    });

    it("an event from the future is refused", async () => {
      const t = await createTeam(1);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const refused = await json(await post(t.ingestKey, JSON.stringify({ events: [event("a1", "contacts_handled", 1, { occurredAt: future })] })), 422);
      expect(refused.errors[0]).toEqual({ path: "/events/0/occurredAt", message: "is in the future" });
      await expectNothingRecorded(t);
    });

    it("an event from before 2000 (an epoch of 0, seconds read as milliseconds) is refused", async () => {
      const t = await createTeam(1);
      for (const occurredAt of ["1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1999-12-31T23:59:59+00:00"]) {
        const refused = await json(await post(t.ingestKey, JSON.stringify({ events: [event("a1", "contacts_handled", 1), event("a1", "contacts_handled", 1, { occurredAt })] })), 422);
        expect(refused.errors).toEqual([{ path: "/events/1/occurredAt", message: "is before 2000-01-01T00:00:00.000Z" }]);
      }
      await expectNothingRecorded(t);
    });

    it("ids starting with src_ are reserved for webhook sources", async () => {
      const t = await createTeam(1);
      const refused = await json(await post(t.ingestKey, JSON.stringify({ events: [event("a1", "contacts_handled", 1, { id: "src_AAAAAAAAAAAAAAAA:CA1:contacts_handled" })] })), 422);
      expect(refused.errors.map((e: { path: string }) => e.path)).toEqual(["/events/0/id"]);
      await expectNothingRecorded(t);
    });

    it("an unknown agent is a 422 naming the agent, and the valid events beside it are not recorded", async () => {
      const t = await createTeam(1);
      const refused = await json(await post(t.ingestKey, JSON.stringify({ events: [event("a1", "contacts_handled", 1), event("ghost", "contacts_handled", 1)] })), 422);
      expect(refused.errors).toEqual([{ path: "/events/1/agent", message: "unknown agent 'ghost'" }]);
      expect(refused.detail).toContain("ghost");
      await expectNothingRecorded(t);
    });

    it("an unknown metric is a 422 naming the metric", async () => {
      const t = await createTeam(1);
      const refused = await json(await post(t.ingestKey, JSON.stringify({ events: [event("a1", "revenue", 1)] })), 422);
      expect(refused.errors).toEqual([{ path: "/events/0/metric", message: "unknown metric 'revenue'" }]);
    });

    it("a body over 1 MiB is a 413", async () => {
      const t = await createTeam(1);
      const huge = JSON.stringify({ events: [{ ...event("a1", "contacts_handled", 1), id: "x".repeat(1024 * 1024) }] });
      expect(await json(await post(t.ingestKey, huge), 413)).toMatchObject({ status: 413 });
      await expectNothingRecorded(t);
    });

    it("a body that is not JSON by content type is a 415", async () => {
      const t = await createTeam(1);
      expect(await json(await post(t.ingestKey, "events=1", "application/x-www-form-urlencoded"), 415)).toMatchObject({ status: 415 });
    });

    it("an empty batch is refused", async () => {
      const t = await createTeam(1);
      expect((await json(await post(t.ingestKey, '{"events":[]}'), 422)).errors[0].path).toBe("/events");
    });
  });

  describe("authentication", () => {
    it("a missing key is a 401", async () => {
      const response = await SELF.fetch(`${BASE}/v1/events`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
      expect(await json(response, 401)).toMatchObject({ status: 401, errors: [{ path: "header/authorization", message: "missing" }] });
    });

    it("an invalid key is a 401", async () => {
      expect(await json(await post("fb_not-a-real-key", "{}"), 401)).toMatchObject({ status: 401 });
    });

    it("a key without the ingest scope is a 403", async () => {
      const t = await createTeam(1);
      const refused = await json(await post(t.readKey, JSON.stringify({ events: [event("a1", "contacts_handled", 1)] })), 403);
      expect(refused.detail).toContain("ingest");
      await expect(snapshot(t.readKey, t.boards.contacts)).resolves.toMatchObject({ snapshot: { rows: [] } });
    });

    it("an ingest key cannot change configuration", async () => {
      const t = await createTeam(1);
      expect(await json(await api(t.ingestKey, "POST", "/v1/departments", { name: "Nope" }), 403)).toMatchObject({ status: 403 });
      for (const [method, path] of [["GET", "/v1/metrics"], ["POST", "/v1/metrics"], ["GET", "/v1/metrics/contacts_handled"], ["GET", "/v1/sources"]] as const) {
        for (const key of [t.ingestKey, t.readKey]) expect((await api(key, method, path, method === "POST" ? { key: "nope", name: "Nope" } : undefined)).status, path).toBe(403);
      }
    });

    it("a revoked key is refused", async () => {
      const t = await createTeam(1);
      const { id, key } = await json<{ id: string; key: string }>(await api(t.adminKey, "POST", "/v1/keys", { name: "to revoke", scopes: ["ingest"] }), 201);
      await ingest(key, [event("a1", "contacts_handled", 1)]);
      await json(await api(t.adminKey, "DELETE", `/v1/keys/${id}`), 200);
      expect(await json(await post(key, JSON.stringify({ events: [event("a1", "contacts_handled", 1)] })), 401)).toMatchObject({ status: 401 });
    });

    it("keys start with fb_, are shown once and stored only as a hash", async () => {
      const t = await createTeam(1);
      expect(t.adminKey).toMatch(/^fb_[A-Za-z0-9_-]{43}$/);
      const rows = await env.DB.prepare("SELECT * FROM api_keys WHERE org_id = ?").bind(t.orgId).all();
      const stored = JSON.stringify(rows.results);
      expect(stored).not.toContain(t.adminKey);
      expect(stored).not.toContain(t.ingestKey);
      const listed = JSON.stringify(await json(await api(t.adminKey, "GET", "/v1/keys"), 200));
      expect(listed).not.toContain(t.ingestKey);
    });

    it("an unknown route is a 404 problem whatever the key", async () => {
      const t = await createTeam(1);
      expect(await json(await api(t.readKey, "GET", "/v1/nope"), 404)).toMatchObject({ status: 404 });
      expect(await json(await SELF.fetch(`${BASE}/v1/nope`), 404)).toMatchObject({ status: 404 });
    });

    it("bootstrap refuses a wrong secret", async () => {
      const response = await SELF.fetch(`${BASE}/v1/orgs`, {
        method: "POST",
        headers: { authorization: "Bearer wrong", "content-type": "application/json" },
        body: JSON.stringify({ name: "X", timeZone: "UTC" }),
      });
      expect(await json(response, 401)).toMatchObject({ status: 401 });
      expect(await env.DB.prepare("SELECT count(*) AS n FROM orgs WHERE name = 'X'").first()).toEqual({ n: 0 });
    });
  });
});
