import { env } from "cloudflare:test";
import { sign } from "hono/jwt";
import { describe, expect, it } from "vitest";
import type { TokenCreate } from "../protocol/index.ts";
import { api, connect, createTeam, createToken, event, ingest, json, snapshot, type TeamFixture } from "./helpers.ts";

/** t1 (department sales, agents a1…a4) plus t2 (department care, agents b1, b2), each with a contacts board. */
async function twoTeams(): Promise<TeamFixture> {
  const t = await createTeam(4);
  await json(await api(t.adminKey, "POST", "/v1/departments", { id: "care", name: "Care" }), 201);
  await json(await api(t.adminKey, "POST", "/v1/teams", { id: "t2", name: "Team Two", departmentId: "care" }), 201);
  await json(
    await api(t.adminKey, "PUT", "/v1/agents", {
      agents: [
        { id: "b1", name: "Bea", teamId: "t2" },
        { id: "b2", name: "Bo", teamId: "t2" },
      ],
    }),
    200,
  );
  await json(await api(t.adminKey, "POST", "/v1/boards", { id: "t2-contacts", teamId: "t2", metric: "contacts_handled", period: "day" }), 201);
  await json(await api(t.adminKey, "PATCH", "/v1/org/visibility", { mode: "everyone" }), 200);
  // Contacts are counted: a1 handles 3, a2 1, b1 2.
  const contacts = (agent: string, n: number) => Array.from({ length: n }, () => event(agent, "contacts_handled", 1));
  await ingest(t.ingestKey, [...contacts("a1", 3), ...contacts("a2", 1), ...contacts("b1", 2)]);
  return t;
}

const SECRET = "test-viewer-token-secret-0123456789abcdef";
const b64url = (value: unknown) => btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const claimsOf = (token: string) => JSON.parse(atob(token.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/"))) as Record<string, unknown>;

async function refusedSocket(board: string, token: string) {
  const socket = await connect(board, token);
  await socket.until(() => socket.closed() !== null);
  return { frame: socket.frames[0], code: socket.closed()!.code };
}

describe("viewer tokens", () => {
  it("are issued by admins for each role, and listed without the token itself", async () => {
    const t = await twoTeams();
    const bodies: TokenCreate[] = [
      { role: "agent", agentId: "a1" },
      { role: "lead", teamIds: ["t1"] },
      { role: "manager", departmentIds: ["care"] },
      { role: "admin" },
      { role: "display", boardIds: [t.boards.contacts], name: "Floor TV" },
    ];
    for (const body of bodies) {
      const issued = await createToken(t.adminKey, body);
      const claims = claimsOf(issued.token);
      expect(claims).toMatchObject({ iss: "floorboard", jti: issued.id, org: t.orgId, role: body.role });
      const lifetime = (claims.exp as number) - (claims.iat as number);
      expect(lifetime).toBe(body.role === "display" ? 365 * 86_400 : 8 * 3600);
    }
    const list = await json<{ tokens: Record<string, unknown>[] }>(await api(t.adminKey, "GET", "/v1/tokens"), 200);
    expect(list.tokens).toHaveLength(5);
    expect(list.tokens.find((x) => x.role === "display")).toMatchObject({ name: "Floor TV", boardIds: [t.boards.contacts], revokedAt: null });
    expect(JSON.stringify(list)).not.toMatch(/eyJ/);
  });

  it("refuses a token request that names the wrong things for its role, naming the field", async () => {
    const t = await twoTeams();
    const cases: [unknown, string][] = [
      [{ role: "agent" }, "/agentId"],
      [{ role: "agent", agentId: "nobody" }, "/agentId"],
      [{ role: "lead", teamIds: ["t1", "t9"] }, "/teamIds/1"],
      [{ role: "lead", teamIds: ["t1"], departmentIds: ["care"] }, "/departmentIds"],
      [{ role: "manager", departmentIds: ["nope"] }, "/departmentIds/0"],
      [{ role: "display" }, "/boardIds"],
      [{ role: "display", boardIds: ["no-such-board"] }, "/boardIds/0"],
      [{ role: "agent", agentId: "a1", ttlSeconds: 7 * 86_400 }, "/ttlSeconds"],
      [{ role: "wizard" }, "/role"],
      [{ role: "admin", extra: true }, ""],
    ];
    for (const [body, path] of cases) {
      const problem = await json(await api(t.adminKey, "POST", "/v1/tokens", body), 422);
      expect(problem.errors.map((e: { path: string }) => e.path), JSON.stringify(body)).toContain(path);
    }
    expect((await json(await api(t.adminKey, "GET", "/v1/tokens"), 200)).tokens).toEqual([]);
    await json(await api(t.readKey, "POST", "/v1/tokens", { role: "admin" }), 403);
    const agent = await createToken(t.adminKey, { role: "agent", agentId: "a1" });
    await json(await api(agent.token, "POST", "/v1/tokens", { role: "admin" }), 403);
  });

  it("lets an agent see their own team's boards only: another team's board is 403 over REST and WebSocket", async () => {
    const t = await twoTeams();
    const { token } = await createToken(t.adminKey, { role: "agent", agentId: "a2" });
    const boards = await json<{ boards: { id: string; teamId: string }[] }>(await api(token, "GET", "/v1/boards"), 200);
    expect(new Set(boards.boards.map((b) => b.teamId))).toEqual(new Set(["t1"]));
    const view = (await snapshot(token, t.boards.contacts)).snapshot;
    expect(view.view).toBe("agent");
    expect(view.rows.find((r) => r.me)?.agent?.id).toBe("a2");

    const refused = await json(await api(token, "GET", "/v1/boards/t2-contacts"), 403);
    expect(refused.errors[0].path).toBe("header/authorization");
    expect(JSON.stringify(refused)).not.toContain("Bea");
    expect(await refusedSocket("t2-contacts", token)).toEqual({ frame: expect.objectContaining({ type: "error", code: "forbidden" }), code: 4403 });
    // Agent tokens read; they do not configure.
    await json(await api(token, "PATCH", `/v1/boards/${t.boards.contacts}/visibility`, { mode: "everyone" }), 403);
    await json(await api(token, "GET", "/v1/agents"), 403);
  });

  it("follows the agent to a new team, and refuses a deactivated agent", async () => {
    const t = await twoTeams();
    const { token } = await createToken(t.adminKey, { role: "agent", agentId: "a2" });
    await json(await api(t.adminKey, "PATCH", "/v1/agents/a2", { teamId: "t2" }), 200);
    await json(await api(token, "GET", `/v1/boards/${t.boards.contacts}`), 403);
    expect((await snapshot(token, "t2-contacts")).snapshot.view).toBe("agent");
    await json(await api(t.adminKey, "DELETE", "/v1/agents/a2"), 200);
    await json(await api(token, "GET", "/v1/boards/t2-contacts"), 403);
  });

  it("gives leads full boards of their teams and managers those of their departments, and nothing else", async () => {
    const t = await twoTeams();
    await json(await api(t.adminKey, "PATCH", "/v1/org/visibility", { mode: "only_me", anonymise: true }), 200);
    const lead = await createToken(t.adminKey, { role: "lead", teamIds: ["t1"] });
    const full = (await snapshot(lead.token, t.boards.contacts)).snapshot;
    expect(full.view).toBe("full");
    expect(full.rows.map((r) => [r.agent?.name, r.score])).toEqual([
      ["Agent 1", 3],
      ["Agent 2", 1],
    ]);
    await json(await api(lead.token, "GET", "/v1/boards/t2-contacts"), 403);

    const manager = await createToken(t.adminKey, { role: "manager", departmentIds: ["care"] });
    expect((await snapshot(manager.token, "t2-contacts")).snapshot.rows.map((r) => [r.agent?.name, r.score])).toEqual([["Bea", 2]]);
    await json(await api(manager.token, "GET", `/v1/boards/${t.boards.contacts}`), 403);
    // A team moved into the manager's department is covered at once.
    await json(await api(t.adminKey, "PATCH", "/v1/teams/t1", { departmentId: "care" }), 200);
    expect((await snapshot(manager.token, t.boards.contacts)).snapshot.view).toBe("full");

    const admin = await createToken(t.adminKey, { role: "admin" });
    expect((await snapshot(admin.token, "t2-contacts")).snapshot.view).toBe("full");
    await json(await api(admin.token, "PATCH", "/v1/boards/t2-contacts/visibility", { n: 5 }), 200);
  });

  it("gives a wallboard the public view of the boards it is allowed, with no 'me'", async () => {
    const t = await twoTeams();
    await json(await api(t.adminKey, "PATCH", `/v1/boards/${t.boards.contacts}/visibility`, { mode: "top_n_and_me", n: 1 }), 200);
    const display = await createToken(t.adminKey, { role: "display", boardIds: [t.boards.contacts] });
    const view = (await snapshot(display.token, t.boards.contacts)).snapshot;
    expect(view.view).toBe("display");
    expect(view.rows).toEqual([{ rank: 1, place: 1, agent: { id: "a1", name: "Agent 1" }, label: "Agent 1", score: 3 }]);
    await json(await api(display.token, "GET", `/v1/boards/${t.boards.csat}`), 403);
    await json(await api(display.token, "GET", "/v1/boards/t2-contacts"), 403);
    const byTeam = await createToken(t.adminKey, { role: "display", teamIds: ["t2"] });
    expect((await snapshot(byTeam.token, "t2-contacts")).snapshot.view).toBe("display");
  });

  describe("refuses tokens it should not trust", () => {
    it("an expired token", async () => {
      const t = await twoTeams();
      const issued = await createToken(t.adminKey, { role: "lead", teamIds: ["t1"] });
      const now = Math.floor(Date.now() / 1000);
      const expired = await sign({ ...claimsOf(issued.token), iat: now - 7200, exp: now - 60 }, SECRET, "HS256");
      const problem = await json(await api(expired, "GET", `/v1/boards/${t.boards.contacts}`), 401);
      expect(problem.errors[0]).toEqual({ path: "header/authorization", message: "invalid token" });
      expect(await refusedSocket(t.boards.contacts, expired)).toEqual({ frame: expect.objectContaining({ code: "unauthorized" }), code: 4401 });
    });

    it("a token signed with another key, or with its claims changed", async () => {
      const t = await twoTeams();
      const issued = await createToken(t.adminKey, { role: "agent", agentId: "a1" });
      const forged = await sign({ ...claimsOf(issued.token), role: "admin" }, "another-secret-that-is-long-enough-to-use", "HS256");
      await json(await api(forged, "GET", `/v1/boards/${t.boards.contacts}`), 401);
      const [header, , signature] = issued.token.split(".");
      const tampered = `${header}.${b64url({ ...claimsOf(issued.token), role: "admin" })}.${signature}`;
      await json(await api(tampered, "GET", `/v1/boards/${t.boards.contacts}`), 401);
      await json(await api(tampered, "GET", "/v1/tokens"), 401);
    });

    it("a token with `alg: none`, or signed with another algorithm", async () => {
      const t = await twoTeams();
      const issued = await createToken(t.adminKey, { role: "admin" });
      const unsigned = `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claimsOf(issued.token))}.`;
      await json(await api(unsigned, "GET", "/v1/tokens"), 401);
      const unsignedNoDot = `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claimsOf(issued.token))}.x`;
      await json(await api(unsignedNoDot, "GET", "/v1/tokens"), 401);
      const hs512 = await sign(claimsOf(issued.token), SECRET, "HS512");
      await json(await api(hs512, "GET", "/v1/tokens"), 401);
    });

    it("a token of a deleted issuance or another org", async () => {
      const t = await twoTeams();
      const issued = await createToken(t.adminKey, { role: "admin" });
      const ghost = await sign({ ...claimsOf(issued.token), jti: "tok_never_issued" }, SECRET, "HS256");
      await json(await api(ghost, "GET", "/v1/tokens"), 401);
      const other = await createTeam(1);
      const foreign = await createToken(other.adminKey, { role: "admin" });
      const list = await json(await api(foreign.token, "GET", "/v1/tokens"), 200);
      expect(list.tokens.map((x: { id: string }) => x.id)).toEqual([foreign.id]);
      await json(await api(foreign.token, "GET", "/v1/boards/t2-contacts"), 404);
    });
  });

  it("refuses a revoked token at once and closes the sockets it opened", async () => {
    const t = await twoTeams();
    const display = await createToken(t.adminKey, { role: "display", teamIds: ["t1"], name: "Floor TV" });
    const other = await createToken(t.adminKey, { role: "display", teamIds: ["t1"], name: "Other TV" });
    const sockets = [await connect(t.boards.contacts, display.token), await connect(t.boards.csat, display.token)];
    const bystander = await connect(t.boards.contacts, other.token);
    for (const s of [...sockets, bystander]) await s.until(() => s.frames.some((f) => f.type === "snapshot"));

    const revoked = await json(await api(t.adminKey, "DELETE", `/v1/tokens/${display.id}`), 200);
    expect(revoked.revokedAt).not.toBeNull();
    for (const s of sockets) {
      await s.until(() => s.closed() !== null, 3000);
      expect(s.closed()!.code).toBe(4401);
      expect(s.frames.at(-1)).toMatchObject({ type: "error", code: "token_revoked" });
    }
    await json(await api(display.token, "GET", `/v1/boards/${t.boards.contacts}`), 401);
    expect(await refusedSocket(t.boards.contacts, display.token)).toEqual({ frame: expect.objectContaining({ code: "unauthorized" }), code: 4401 });

    // Another wallboard's socket stays open and live.
    await ingest(t.ingestKey, [event("a4", "contacts_handled", 9)]);
    await bystander.until(() => bystander.frames.some((f) => f.type === "update"));
    expect(bystander.closed()).toBeNull();
    await json(await api(t.adminKey, "DELETE", "/v1/tokens/tok_nope"), 404);
    // Revoking twice keeps the first revocation's time.
    await json(await api(t.adminKey, "DELETE", `/v1/tokens/${display.id}`), 404);
    const listed = await json(await api(t.adminKey, "GET", "/v1/tokens"), 200);
    expect(listed.tokens.find((x: { id: string }) => x.id === display.id).revokedAt).toBe(revoked.revokedAt);
  });

  it("answers 503 with a clear reason when no signing secret is configured, and issues nothing", async () => {
    const t = await twoTeams();
    const saved = env.VIEWER_TOKEN_SECRET;
    env.VIEWER_TOKEN_SECRET = undefined;
    try {
      const problem = await json(await api(t.adminKey, "POST", "/v1/tokens", { role: "admin" }), 503);
      expect(problem.detail).toContain("VIEWER_TOKEN_SECRET");
    } finally {
      env.VIEWER_TOKEN_SECRET = saved;
    }
    expect((await json(await api(t.adminKey, "GET", "/v1/tokens"), 200)).tokens).toEqual([]);
  });
});
