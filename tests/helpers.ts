import { SELF } from "cloudflare:test";
import { expect, vi } from "vitest";
import { type CelebrationFrame, type NudgeFrame, type Row, ServerFrame, type SnapshotFrame, type TokenCreate } from "../protocol/index.ts";

export const BASE = "https://floorboard.test";

export async function api(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  return SELF.fetch(BASE + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function json<T = any>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return JSON.parse(text) as T;
}

export async function createOrg(name = "Acme Support", timeZone = "Europe/Stockholm"): Promise<{ orgId: string; adminKey: string }> {
  const response = await SELF.fetch(`${BASE}/v1/orgs`, {
    method: "POST",
    headers: { authorization: "Bearer test-bootstrap-secret", "content-type": "application/json" },
    body: JSON.stringify({ name, timeZone }),
  });
  const body = await json<{ org: { id: string }; adminKey: string }>(response, 201);
  return { orgId: body.org.id, adminKey: body.adminKey };
}

export async function createKey(adminKey: string, scopes: string[]): Promise<string> {
  const body = await json<{ key: string }>(await api(adminKey, "POST", "/v1/keys", { name: scopes.join("+"), scopes }), 201);
  return body.key;
}

export interface TeamFixture {
  orgId: string;
  adminKey: string;
  ingestKey: string;
  readKey: string;
  teamId: string;
  agents: string[];
  boards: Record<"contacts" | "handleTime" | "csat", string>;
}

/** An org with one department, one team of `size` agents, three metrics and three day boards. */
export async function createTeam(size = 5, prefix = "a"): Promise<TeamFixture> {
  const { orgId, adminKey } = await createOrg();
  await json(await api(adminKey, "POST", "/v1/departments", { id: "sales", name: "Sales" }), 201);
  await json(await api(adminKey, "POST", "/v1/teams", { id: "t1", name: "Team One", departmentId: "sales" }), 201);
  const agents = Array.from({ length: size }, (_, i) => `${prefix}${i + 1}`);
  if (size > 0) {
    const body = { agents: agents.map((id, i) => ({ id, name: `Agent ${i + 1}`, teamId: "t1" })) };
    await json(await api(adminKey, "PUT", "/v1/agents", body), 200);
  }
  for (const metric of [
    { key: "contacts_handled", label: "Contacts", aggregation: "count", direction: "higher" },
    { key: "handle_time_s", label: "Handle time", unit: "s", aggregation: "avg", direction: "lower" },
    { key: "csat", label: "CSAT", aggregation: "avg", direction: "higher" },
  ]) {
    await json(await api(adminKey, "POST", "/v1/metrics", metric), 201);
  }
  const board = async (id: string, metric: string) =>
    (await json<{ id: string }>(await api(adminKey, "POST", "/v1/boards", { id, teamId: "t1", metric, period: "day" }), 201)).id;
  return {
    orgId,
    adminKey,
    ingestKey: await createKey(adminKey, ["ingest"]),
    readKey: await createKey(adminKey, ["read"]),
    teamId: "t1",
    agents,
    boards: {
      contacts: await board("contacts-day", "contacts_handled"),
      handleTime: await board("aht-day", "handle_time_s"),
      csat: await board("csat-day", "csat"),
    },
  };
}

let eventCounter = 0;
export function event(agent: string, metric: string, value: number, extra: { id?: string; occurredAt?: string } = {}) {
  return { id: extra.id ?? `ev-${++eventCounter}-${Math.random().toString(36).slice(2)}`, agent, metric, value, occurredAt: extra.occurredAt ?? new Date().toISOString() };
}

export async function ingest(key: string, events: unknown[]): Promise<{ accepted: number; duplicates: number }> {
  return json(await api(key, "POST", "/v1/events", { events }), 202);
}

export async function snapshot(key: string, boardId: string) {
  return json<{ board: unknown; snapshot: SnapshotFrame }>(await api(key, "GET", `/v1/boards/${boardId}`), 200);
}

/** A real WebSocket to the Worker, collecting parsed frames and checking each against the protocol. */
export async function connect(board: string, token: string) {
  const response = await SELF.fetch(`${BASE}/v1/boards/${board}/live?token=${encodeURIComponent(token)}`, { headers: { upgrade: "websocket" } });
  expect(response.status).toBe(101);
  const ws = response.webSocket!;
  /** The board's frames (snapshots, updates, settings, periods, errors). */
  const frames: ServerFrame[] = [];
  /** Celebrations and nudges: outside the board's sequence, kept apart. */
  const recognition: (CelebrationFrame | NudgeFrame)[] = [];
  /** Every frame exactly as it arrived, for checks that no text leaks in any field. */
  const raw: string[] = [];
  const waiters: (() => void)[] = [];
  let closed: { code: number } | null = null;
  ws.addEventListener("message", (m) => {
    raw.push(m.data as string);
    const frame = ServerFrame.parse(JSON.parse(m.data as string));
    if (frame.type === "notices") recognition.push(...frame.notices);
    else frames.push(frame);
    waiters.splice(0).forEach((w) => w());
  });
  ws.addEventListener("close", (e) => {
    closed = { code: e.code };
    waiters.splice(0).forEach((w) => w());
  });
  ws.accept();
  const until = async (predicate: () => boolean, ms = 5000) => {
    // performance.now, not Date.now: tests may fake the date.
    const deadline = performance.now() + ms;
    while (!predicate()) {
      if (performance.now() > deadline) throw new Error(`timed out; frames: ${JSON.stringify(frames)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return { ws, frames, recognition, raw, until, closed: () => closed, send: (data: unknown) => ws.send(typeof data === "string" ? data : JSON.stringify(data)) };
}


/** The rows a client holds after applying these frames in order: snapshots replace, updates patch by place. */
export function replay(frames: readonly ServerFrame[]): Row[] {
  const rows = new Map<number, Row>();
  for (const f of frames) {
    if (f.type === "snapshot") {
      rows.clear();
      f.rows.forEach((r) => rows.set(r.place, r));
    }
    if (f.type === "update") {
      f.removed.forEach((place) => rows.delete(place));
      f.changed.forEach((r) => rows.set(r.place, r));
    }
  }
  return [...rows.values()].sort((a, b) => a.place - b.place);
}

/** `[agent id, score]` per row of a full view. */
export const idsAndScores = (rows: readonly Row[]) => rows.map((r) => [r.agent?.id, r.score]);

export async function createToken(adminKey: string, body: TokenCreate): Promise<{ id: string; token: string }> {
  return json(await api(adminKey, "POST", "/v1/tokens", body), 201);
}

/** The Durable Objects run in the test's isolate, so faking Date moves their clocks too. Undo with `vi.useRealTimers()`. */
export function travelTo(instant: number | string) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(typeof instant === "string" ? Date.parse(instant) : instant);
}

/** Polls until `check` passes (roll-ups arrive within a few coalescing intervals). */
export async function eventually(check: () => Promise<void>, ms = 8000): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
