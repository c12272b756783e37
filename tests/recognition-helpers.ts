/** An org for recognition tests (two teams, people of every role) and the calls those tests share. */
import type { PointsAccount } from "../protocol/index.ts";
import { api, createOrg, createToken, json } from "./helpers.ts";
import { expect } from "vitest";

export interface Store {
  orgId: string;
  adminKey: string;
  /** Agents a1..a3 in team t1, b1..b2 in team t2, both in department d1. */
  agent: Record<string, string>;
  lead: string;
  otherLead: string;
  manager: string;
  display: string;
}

export async function storeOrg(): Promise<Store> {
  const { orgId, adminKey } = await createOrg();
  await json(await api(adminKey, "POST", "/v1/departments", { id: "d1", name: "Support" }), 201);
  await json(await api(adminKey, "POST", "/v1/teams", { id: "t1", name: "Team One", departmentId: "d1" }), 201);
  await json(await api(adminKey, "POST", "/v1/teams", { id: "t2", name: "Team Two", departmentId: "d1" }), 201);
  const people = [
    ["a1", "t1"],
    ["a2", "t1"],
    ["a3", "t1"],
    ["b1", "t2"],
    ["b2", "t2"],
  ] as const;
  await json(await api(adminKey, "PUT", "/v1/agents", { agents: people.map(([id, teamId]) => ({ id, name: `Agent ${id.toUpperCase()}`, teamId })) }), 200);
  const token = async (body: Parameters<typeof createToken>[1]) => (await createToken(adminKey, { ttlSeconds: 86_400, ...body })).token;
  const agent = Object.fromEntries(await Promise.all(people.map(async ([id]) => [id, await token({ role: "agent", agentId: id })] as const)));
  return {
    orgId,
    adminKey,
    agent,
    lead: await token({ role: "lead", teamIds: ["t1"] }),
    otherLead: await token({ role: "lead", teamIds: ["t2"] }),
    manager: await token({ role: "manager", departmentIds: ["d1"] }),
    display: await token({ role: "display", teamIds: ["t1"] }),
  };
}

export async function accountOf(key: string, agentId: string): Promise<PointsAccount> {
  return json<PointsAccount>(await api(key, "GET", `/v1/agents/${agentId}/points?limit=500`), 200);
}
export const grant = (key: string, agentId: string, body: Record<string, unknown>) => api(key, "POST", `/v1/agents/${agentId}/points`, body);
/** A fresh token for an agent (after travelling further than a token lives). */
export const agentToken = async (s: Store, agentId: string) => (await createToken(s.adminKey, { role: "agent", agentId })).token;
export const paths = (p: { errors?: { path: string }[] }) => (p.errors ?? []).map((e) => e.path);
export async function problem(response: Response, status: number): Promise<{ errors?: { path: string; message: string }[]; title: string }> {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return json(response, status);
}
