/** Webhook sources as an admin sees them, and the limits every webhook and API caller meets. */
import { env, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, BASE, createKey, json, travelTo } from "./helpers.ts";
import { genericSample, signGeneric } from "./platforms/generic.ts";
import { allStandings, createSource, deliver, webhookOrg } from "./webhook-helpers.ts";

const input = (url: string, secret: string, agent = "700201") => ({ url, secret, agent, deliveryId: `s${Math.random().toString(36).slice(2)}`, now: Date.now() });

describe("webhook sources (admin)", () => {
  afterEach(() => vi.useRealTimers());

  it("creating a source answers its URL and a generated secret, shown once; lists never carry secrets; D1 holds it sealed", async () => {
    const org = await webhookOrg();
    const created = await createSource(org.adminKey, { name: "CRM", platform: "generic" });
    expect(created.id).toMatch(/^src_[A-Za-z0-9_-]{16}$/);
    expect(created.url).toBe(`${BASE}/v1/webhooks/${created.id}`);
    expect(created.secret.length).toBeGreaterThanOrEqual(43);
    const listed = await json<{ sources: Record<string, unknown>[] }>(await api(org.adminKey, "GET", "/v1/sources"), 200);
    expect(listed.sources).toHaveLength(1);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(listed.sources[0]).toMatchObject({ id: created.id, platform: "generic", externalIdSystem: "generic", unknownAgents: "refuse", active: true });
    const row = await env.DB.prepare("SELECT secret FROM webhook_sources WHERE id = ?").bind(created.id).first<{ secret: string }>();
    expect(row!.secret).not.toContain(created.secret);
    expect(row!.secret.startsWith("v1.")).toBe(true);
    // Shown again on request, and that showing is audited (without the secret).
    expect(await json(await api(org.adminKey, "GET", `/v1/sources/${created.id}/secret`), 200)).toEqual({ secret: created.secret });
    const audit = await json<{ entries: { target: string; after: unknown }[] }>(await api(org.adminKey, "GET", `/v1/audit?target=source:${created.id}`), 200);
    expect(audit.entries.map((e) => e.after)).toContainEqual({ secret: "shown" });
    expect(JSON.stringify(audit)).not.toContain(created.secret);
  });

  it("refuses bad sources with 422 naming the field, and creates nothing", async () => {
    const org = await webhookOrg();
    const cases: [Record<string, unknown>, string][] = [
      [{ name: "Twilio", platform: "twilio" }, "/secret"],
      [{ name: "Zendesk", platform: "zendesk" }, "/secret"],
      [{ name: "X", platform: "genesys" }, "/platform"],
      [{ name: "X", platform: "generic", unknownAgents: "ignore" }, "/unknownAgents"],
      [{ name: "X", platform: "generic", metrics: { contacts: "calls" } }, "/metrics"],
      [{ name: "X", platform: "generic", metrics: { contacts_handled: "Calls!" } }, "/metrics/contacts_handled"],
      [{ name: "X", platform: "amazon_connect", options: { apiKeyHeader: 42 } }, "/options/apiKeyHeader"],
      [{ name: "X", platform: "generic", options: { surprise: true } }, "/options"],
      [{ name: "X", platform: "generic", secret: "short" }, "/secret"],
      [{ name: "X", platform: "generic", id: "mine" }, ""],
    ];
    for (const [body, path] of cases) {
      const p = await json<{ errors: { path: string }[] }>(await api(org.adminKey, "POST", "/v1/sources", body), 422);
      expect(p.errors.map((e) => e.path).some((e) => e === path || (path === "" && e === "")), `${JSON.stringify(body)} -> ${JSON.stringify(p.errors)}`).toBe(true);
    }
    expect((await json<{ sources: unknown[] }>(await api(org.adminKey, "GET", "/v1/sources"), 200)).sources).toEqual([]);
  });

  it("is admin-only and invisible to other orgs", async () => {
    const org = await webhookOrg();
    const other = await webhookOrg();
    const created = await createSource(org.adminKey, { name: "CRM", platform: "generic" });
    const ingestKey = await createKey(org.adminKey, ["ingest"]);
    expect((await api(ingestKey, "GET", "/v1/sources")).status).toBe(403);
    expect((await api(ingestKey, "POST", "/v1/sources", { name: "X", platform: "generic" })).status).toBe(403);
    expect((await api(other.adminKey, "GET", `/v1/sources/${created.id}`)).status).toBe(404);
    expect((await api(other.adminKey, "GET", `/v1/sources/${created.id}/secret`)).status).toBe(404);
    expect((await api(other.adminKey, "DELETE", `/v1/sources/${created.id}`)).status).toBe(404);
  });

  it("rotating the secret keeps the previous one working for a day, then only the new one", async () => {
    const org = await webhookOrg({ a1: { generic: "700201" } });
    const created = await createSource(org.adminKey, { name: "CRM", platform: "generic" });
    const rotated = await json<{ secret: string; previousSecretUntil: string }>(await api(org.adminKey, "POST", `/v1/sources/${created.id}/secret`, {}), 200);
    expect(rotated.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.previousSecretUntil) - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect((await deliver(created.url, await genericSample.countable(input(created.url, created.secret)))).status).toBe(200);
    expect((await deliver(created.url, await genericSample.countable(input(created.url, rotated.secret)))).status).toBe(200);

    travelTo(Date.now() + 25 * 3600_000);
    expect((await deliver(created.url, await genericSample.countable(input(created.url, created.secret)))).status).toBe(401);
    expect((await deliver(created.url, await genericSample.countable(input(created.url, rotated.secret)))).status).toBe(200);
  });

  it("a deactivated source's URL answers 404 and records nothing; an unknown one too", async () => {
    const org = await webhookOrg({ a1: { generic: "700201" } });
    const created = await createSource(org.adminKey, { name: "CRM", platform: "generic" });
    await json(await api(org.adminKey, "DELETE", `/v1/sources/${created.id}`), 200);
    const before = await allStandings(org.readKey);
    const gone = await deliver(created.url, await genericSample.countable(input(created.url, created.secret)));
    expect(gone.status).toBe(404);
    expect(gone.headers.get("content-type")).toBe("application/problem+json");
    expect((await SELF.fetch(`${BASE}/v1/webhooks/src_AAAAAAAAAAAAAAAA`, { method: "POST", body: "{}" })).status).toBe(404);
    expect((await SELF.fetch(`${BASE}/v1/webhooks/not-a-source`, { method: "POST", body: "{}" })).status).toBe(404);
    expect(await allStandings(org.readKey)).toEqual(before);
  });

  it("edits are audited and take effect at once", async () => {
    const org = await webhookOrg();
    const created = await createSource(org.adminKey, { name: "CRM", platform: "generic" });
    const patched = await json(await api(org.adminKey, "PATCH", `/v1/sources/${created.id}`, { name: "CRM EU", unknownAgents: "provision", externalIdSystem: "crm" }), 200);
    expect(patched).toMatchObject({ name: "CRM EU", unknownAgents: "provision", externalIdSystem: "crm" });
    const audit = await json<{ entries: { before: { name: string }; after: { name: string } }[] }>(await api(org.adminKey, "GET", `/v1/audit?target=source:${created.id}`), 200);
    expect(audit.entries[0]).toMatchObject({ before: { name: "CRM" }, after: { name: "CRM EU" } });
    expect((await api(org.adminKey, "PATCH", `/v1/sources/${created.id}`, { platform: "twilio" })).status).toBe(422);
  });

  it("a PATCH changes only the settings it names; a deactivated source reopens with active: true", async () => {
    const org = await webhookOrg({ a1: { generic: "700201" } });
    const settings = { externalIdSystem: "crm", unknownAgents: "provision", unassignedTeamId: "new-starters", metrics: { sales: null } };
    const created = await createSource(org.adminKey, { name: "CRM", platform: "generic", ...settings });
    const renamed = await json(await api(org.adminKey, "PATCH", `/v1/sources/${created.id}`, { name: "CRM EU" }), 200);
    expect(renamed).toMatchObject({ name: "CRM EU", ...settings, active: true });
    expect(await json(await api(org.adminKey, "GET", `/v1/sources/${created.id}`), 200)).toMatchObject({ name: "CRM EU", ...settings });

    await json(await api(org.adminKey, "DELETE", `/v1/sources/${created.id}`), 200);
    expect((await deliver(created.url, await genericSample.countable(input(created.url, created.secret)))).status).toBe(404);
    expect(await json(await api(org.adminKey, "PATCH", `/v1/sources/${created.id}`, { active: true }), 200)).toMatchObject({ active: true, name: "CRM EU" });
    expect((await deliver(created.url, await genericSample.countable(input(created.url, created.secret, "700299")))).status).toBe(200);
    // active: false is what DELETE is for.
    const p = await json<{ errors: { path: string }[] }>(await api(org.adminKey, "PATCH", `/v1/sources/${created.id}`, { active: false }), 422);
    expect(p.errors.map((e) => e.path)).toEqual(["/active"]);
  });

  it("a leaked secret is revoked at once by a rotation with previousSecretValidSeconds 0", async () => {
    const org = await webhookOrg({ a1: { generic: "700201" } });
    const created = await createSource(org.adminKey, { name: "CRM", platform: "generic" });
    const rotated = await json<{ secret: string; previousSecretUntil: string | null }>(
      await api(org.adminKey, "POST", `/v1/sources/${created.id}/secret`, { previousSecretValidSeconds: 0 }),
      200,
    );
    expect(rotated.previousSecretUntil).toBeNull();
    expect((await deliver(created.url, await genericSample.countable(input(created.url, created.secret)))).status).toBe(401);
    expect((await deliver(created.url, await genericSample.countable(input(created.url, rotated.secret)))).status).toBe(200);
    const bad = await json<{ errors: { path: string }[] }>(await api(org.adminKey, "POST", `/v1/sources/${created.id}/secret`, { previousSecretValidSeconds: 90_000 }), 422);
    expect(bad.errors.map((e) => e.path)).toEqual(["/previousSecretValidSeconds"]);
  });
});

describe("webhook deliveries", () => {
  /** A generic delivery of one contact per (agent, time). */
  const contacts = (secret: string, items: { agent: string; occurredAt: string }[]) =>
    signGeneric(secret, JSON.stringify({ events: items.map((e, i) => ({ id: `c${i}-${Math.random().toString(36).slice(2)}`, metric: "contacts_handled", value: 1, ...e })) }), Date.now());
  const agentIds = async (adminKey: string) => (await json<{ agents: { id: string }[] }>(await api(adminKey, "GET", "/v1/agents"), 200)).agents.map((a) => a.id).sort();

  it("a delivery dated before 2000 or in the future is refused at its time field, and provisions nobody", async () => {
    const org = await webhookOrg({ a1: { generic: "700201" } });
    const source = await createSource(org.adminKey, { name: "CRM", platform: "generic", unknownAgents: "provision" });
    const agents = await agentIds(org.adminKey);
    const before = await allStandings(org.readKey);
    const now = new Date().toISOString();
    for (const bad of ["1970-01-01T00:00:00Z", "2000-01-01T00:30:00+01:00", new Date(Date.now() + 3_600_000).toISOString()]) {
      const delivery = await contacts(source.secret, [{ agent: "700201", occurredAt: now }, { agent: "799001", occurredAt: bad }]);
      const p = await json<{ errors: { path: string }[] }>(await deliver(source.url, delivery), 422);
      expect(p.errors.map((e) => e.path), bad).toEqual(["/events/1/occurredAt"]);
    }
    expect(await agentIds(org.adminKey)).toEqual(agents);
    expect(await allStandings(org.readKey)).toEqual(before);
    // An out-of-range time in a platform's own format is refused by the adapter.
    const far = await contacts(source.secret, [{ agent: "799001", occurredAt: "-271821-04-20T00:00:00.000Z" }]);
    expect((await json<{ errors: { path: string }[] }>(await deliver(source.url, far), 422)).errors.map((e) => e.path)).toEqual(["/events/0/occurredAt"]);
    expect(await agentIds(org.adminKey)).toEqual(agents);
  });

  it("one delivery provisions at most 50 new agents: more is refused whole", async () => {
    const org = await webhookOrg();
    const source = await createSource(org.adminKey, { name: "CRM", platform: "generic", unknownAgents: "provision" });
    const agents = await agentIds(org.adminKey);
    const now = new Date().toISOString();
    const many = Array.from({ length: 51 }, (_, i) => ({ agent: `8${String(i).padStart(5, "0")}`, occurredAt: now }));
    const p = await json<{ errors: { path: string }[] }>(await deliver(source.url, await contacts(source.secret, many)), 422);
    expect(p.errors.map((e) => e.path)).toEqual(["/events/50/agent"]);
    expect(await agentIds(org.adminKey)).toEqual(agents);
    const fifty = await json<{ accepted: number }>(await deliver(source.url, await contacts(source.secret, many.slice(0, 50))), 200);
    expect(fifty.accepted).toBe(50);
    expect(await agentIds(org.adminKey)).toHaveLength(agents.length + 50);
  });

  it("map standard metrics onto the org's own keys, and drop those mapped to null or not counted", async () => {
    const org = await webhookOrg({ a1: { generic: "700201" } });
    const source = await createSource(org.adminKey, { name: "CRM", platform: "generic", metrics: { contacts_handled: "calls", handle_time_s: null } });
    await json(await api(org.adminKey, "POST", "/v1/metrics", { key: "calls", label: "Calls", aggregation: "count" }), 201);
    await json(await api(org.adminKey, "POST", "/v1/boards", { id: "b-calls", teamId: "t1", metric: "calls", period: "day" }), 201);
    await json(await api(org.adminKey, "DELETE", "/v1/metrics/sales"), 200);
    const result = await json<{ accepted: number; ignored: number }>(await deliver(source.url, await genericSample.countable(input(source.url, source.secret))), 200);
    // handle_time_s is mapped to nothing, and the org no longer counts sales.
    expect(result).toMatchObject({ accepted: Object.keys(genericSample.expected).length - 2, ignored: 2 });
    const standings = await allStandings(org.readKey);
    expect(standings.contacts_handled).toEqual([]);
    expect(standings.handle_time_s).toEqual([]);
    expect(standings.talk_time_s).toEqual([["a1", 251]]);
    const calls = await json<{ snapshot: { rows: { agent: { id: string }; score: number }[] } }>(await api(org.readKey, "GET", "/v1/boards/b-calls"), 200);
    expect(calls.snapshot.rows.map((r) => [r.agent.id, r.score])).toEqual([["a1", 1]]);
  });

  it("a resolved-first-contact part counts as a resolved contact on a metric that is not a ratio", async () => {
    const org = await webhookOrg({ a1: { generic: "700201" } });
    const source = await createSource(org.adminKey, { name: "CRM", platform: "generic", metrics: { resolved_first_contact: "resolved" } });
    await json(await api(org.adminKey, "POST", "/v1/metrics", { key: "resolved", label: "Resolved", aggregation: "sum" }), 201);
    await json(await api(org.adminKey, "POST", "/v1/boards", { id: "b-resolved", teamId: "t1", metric: "resolved", period: "day" }), 201);
    await json(await deliver(source.url, await genericSample.countable(input(source.url, source.secret))), 200);
    const board = await json<{ snapshot: { rows: { agent: { id: string }; score: number }[] } }>(await api(org.readKey, "GET", "/v1/boards/b-resolved"), 200);
    expect(board.snapshot.rows.map((r) => [r.agent.id, r.score])).toEqual([["a1", 1]]);
  });
});

describe("abuse limits", () => {
  it("a webhook body over 256 KiB is a 413 problem and records nothing", async () => {
    const org = await webhookOrg({ a1: { generic: "700201" } });
    const created = await createSource(org.adminKey, { name: "CRM", platform: "generic" });
    const before = await allStandings(org.readKey);
    const body = JSON.stringify({ events: [], padding: "x".repeat(300 * 1024) });
    const response = await SELF.fetch(created.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await allStandings(org.readKey)).toEqual(before);
  });

  it("a source over its rate limit gets 429 problems with retry-after, forged deliveries included", async () => {
    const org = await webhookOrg();
    const created = await createSource(org.adminKey, { name: "CRM", platform: "generic" });
    const other = await createSource(org.adminKey, { name: "CRM 2", platform: "generic" });
    const post = (url: string) => SELF.fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const limited = await whenExhausted(env.SOURCE_RATE_LIMITER, `source:${created.id}`, () => post(created.url));
    expect(limited.headers.get("content-type")).toBe("application/problem+json");
    expect(limited.headers.get("retry-after")).toBe("10");
    expect((await limited.json<{ errors: { path: string }[] }>()).errors[0]!.path).toBe("path/sourceId");
    // Another source of the same org is not limited by it: its forged delivery is refused for what it is.
    expect((await post(other.url)).status).toBe(401);
  });

  it("an API key over its rate limit gets 429 problems; another key is not limited by it", async () => {
    const org = await webhookOrg();
    const created = await json<{ id: string; key: string }>(await api(org.adminKey, "POST", "/v1/keys", { name: "crm", scopes: ["ingest"] }), 201);
    const limited = await whenExhausted(env.CALLER_RATE_LIMITER, `key:${created.id}`, () => api(created.key, "POST", "/v1/events", { events: [] }));
    expect(limited.headers.get("retry-after")).toBe("10");
    expect((await limited.json<{ errors: { path: string }[] }>()).errors[0]!.path).toBe("header/authorization");
    expect((await api(org.adminKey, "GET", "/v1/metrics")).status).toBe(200);
  });
});

/**
 * Spends the limiter's whole budget for `key` in the current window (1,000 requests per 10 s, as in
 * wrangler.jsonc; windows are aligned to the wall clock), then sends one request through the Worker,
 * which must be refused with a 429. Spending starts early in a window, so that a loaded machine still
 * spends it all before the window rolls over; should it roll over anyway, this tries again.
 */
async function whenExhausted(limiter: RateLimit, key: string, send: () => Promise<Response>): Promise<Response> {
  const windowMs = 10_000;
  for (let attempt = 0; attempt < 3; attempt++) {
    const intoWindow = Date.now() % windowMs;
    if (intoWindow > windowMs / 2) await new Promise((resolve) => setTimeout(resolve, windowMs - intoWindow + 20));
    let spent = false;
    for (let i = 0; i < 1500 && !spent; i += 250) {
      const results = await Promise.all(Array.from({ length: 250 }, () => limiter.limit({ key })));
      spent = results.some((r) => !r.success);
    }
    if (!spent) continue;
    const response = await send();
    if (response.status === 429) return response;
    expect(response.status).toBeLessThan(500);
    await response.body?.cancel();
  }
  throw new Error("the request was never limited");
}
