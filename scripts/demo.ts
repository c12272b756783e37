// The demo org and its event feed, built only through Floorboard's public API.
// Used by `npm start` (scripts/start.ts), the bench harness and the browser tests.
import { randomUUID } from "node:crypto";
import type { TokenCreate } from "../protocol/index.ts";

export interface DemoOrg {
  orgId: string;
  adminKey: string;
  ingestKey: string;
  readKey: string;
  teams: { id: string; name: string; departmentId: string; agents: string[] }[];
  boards: { id: string; teamId: string; metric: string; period: "day" | "week" }[];
  /** Department and org boards (absent in demos seeded before roll-ups existed). */
  rollups?: { id: string; name: string }[];
  /** An Aircall webhook source: the Customer Care teams' calls arrive as Aircall's `call.ended` webhooks. */
  aircall?: { id: string; url: string; token: string };
}

const FIRST = ["Amira", "Ben", "Chloé", "Dawit", "Elin", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kavya", "Lars", "Maya", "Nils", "Olu", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zara", "Anders", "Bea", "Cyrus", "Dina", "Emil", "Fatima", "Gustav", "Hana", "Ivan", "Julia", "Karim", "Linnea", "Mateo", "Nour"];
const LAST = ["Lindqvist", "Okafor", "Tanaka", "Haddad", "Berg", "Rahman", "Novak", "Silva", "Andersson", "Kowalski"];

export const DEMO_METRICS = [
  { key: "contacts_handled", label: "Contacts handled", unit: "", aggregation: "count", direction: "higher" },
  { key: "handle_time_s", label: "Avg handle time", unit: "s", aggregation: "avg", direction: "lower" },
  { key: "csat", label: "CSAT", unit: "/5", aggregation: "avg", direction: "higher" },
  { key: "sales", label: "Sales", unit: "USD", aggregation: "sum", direction: "higher" },
] as const;

/** A request to Floorboard with a key or token; throws on an error status. */
export async function call<T>(baseUrl: string, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} -> ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Creates the demo org: 2 departments, 4 teams of 10 agents, 4 metrics, day and week boards. */
/**
 * `scorecardAndRollups` (default true): also a scorecard board per team and four roll-ups. The
 * bench of one team's object leaves them out, so that its figures measure the same boards over time
 * (bench/rollups.ts measures roll-ups).
 */
export async function seedDemo(
  baseUrl: string,
  bootstrapSecret: string,
  options: { agentsPerTeam?: number; scorecardAndRollups?: boolean; recognition?: boolean } = {},
): Promise<DemoOrg> {
  const perTeam = options.agentsPerTeam ?? 10;
  const { org, adminKey } = await call<{ org: { id: string }; adminKey: string }>(baseUrl, bootstrapSecret, "POST", "/v1/orgs", {
    name: "Northwind Contact Centre",
    timeZone: "Europe/Stockholm",
  });
  const admin = <T>(method: string, path: string, body?: unknown) => call<T>(baseUrl, adminKey, method, path, body);

  await admin("POST", "/v1/departments", { id: "sales", name: "Inbound Sales" });
  await admin("POST", "/v1/departments", { id: "care", name: "Customer Care" });
  const teams = [
    { id: "sales-north", name: "Sales North", departmentId: "sales" },
    { id: "sales-south", name: "Sales South", departmentId: "sales" },
    // The care shifts' goals are paced by their hours; the sales teams' by the whole day.
    { id: "care-day", name: "Care Day Shift", departmentId: "care", shift: { start: "08:00", end: "16:00" } },
    { id: "care-evening", name: "Care Evening Shift", departmentId: "care", shift: { start: "14:00", end: "22:00" } },
  ].map((team, t) => ({ ...team, agents: Array.from({ length: perTeam }, (_, i) => `agent-${t * perTeam + i + 1}`) }));
  for (const { agents: _, ...team } of teams) await admin("POST", "/v1/teams", team);

  const agents = teams.flatMap((team) =>
    team.agents.map((id, i) => {
      const n = Number(id.slice(6)) - 1;
      return {
        id,
        name: `${FIRST[n % FIRST.length]} ${LAST[(n + i) % LAST.length]}`,
        teamId: team.id,
        externalIds: { twilio: `WK${String(n + 1).padStart(32, "0")}`, aircall: String(100_000 + n) },
      };
    }),
  );
  // A bulk upsert takes up to 1,000 agents.
  for (let i = 0; i < agents.length; i += 1000) await admin("PUT", "/v1/agents", { agents: agents.slice(i, i + 1000) });
  for (const metric of DEMO_METRICS) await admin("POST", "/v1/metrics", metric);
  await admin("POST", "/v1/metrics", {
    key: "agent_scorecard",
    label: "Scorecard",
    aggregation: "scorecard",
    components: [
      { metric: "csat", weight: 40, target: 4.5 },
      { metric: "handle_time_s", weight: 30, target: 300 },
      { metric: "contacts_handled", weight: 30, target: 40 },
    ],
  });

  const boards: DemoOrg["boards"] = [];
  for (const team of teams) {
    const metrics = team.departmentId === "sales" ? ["contacts_handled", "sales", "handle_time_s", "csat"] : ["contacts_handled", "csat", "handle_time_s"];
    for (const metric of metrics) {
      for (const period of ["day", "week"] as const) {
        if (period === "week" && metric === "handle_time_s") continue;
        const id = `${team.id}-${metric.replaceAll("_", "-")}-${period}`;
        await admin("POST", "/v1/boards", { id, teamId: team.id, metric, period });
        boards.push({ id, teamId: team.id, metric, period });
      }
    }
  }
  const extras = options.scorecardAndRollups ?? true;
  for (const team of extras ? teams : []) {
    const id = `${team.id}-scorecard-day`;
    await admin("POST", "/v1/boards", { id, teamId: team.id, metric: "agent_scorecard", period: "day" });
    boards.push({ id, teamId: team.id, metric: "agent_scorecard", period: "day" });
  }
  const rollups = [
    { id: "sales-teams-contacts-day", name: "Sales: team against team", scope: "department", departmentId: "sales", ranks: "teams", teamScore: "total", metric: "contacts_handled", period: "day" },
    { id: "care-agents-csat-week", name: "Customer Care: CSAT this week", scope: "department", departmentId: "care", metric: "csat", period: "week" },
    { id: "org-departments-contacts-day", name: "Department against department", scope: "org", ranks: "departments", teamScore: "total", metric: "contacts_handled", period: "day" },
    { id: "org-agents-scorecard-day", name: "Whole floor: scorecard", scope: "org", metric: "agent_scorecard", period: "day" },
  ];
  for (const board of extras ? rollups : []) await admin("POST", "/v1/boards", board);
  if (options.recognition ?? true) await seedRecognition(admin, teams);
  const key = async (name: string, scopes: string[]) => (await admin<{ key: string }>("POST", "/v1/keys", { name, scopes })).key;
  // Aircall issues the webhook's token; the demo plays Aircall, so it makes one up.
  const aircallToken = randomUUID().replaceAll("-", "");
  const aircall = extras
    ? await admin<{ id: string; url: string }>("POST", "/v1/sources", { name: "Aircall (Customer Care)", platform: "aircall", secret: aircallToken })
    : undefined;
  return {
    orgId: org.id,
    adminKey,
    ingestKey: await key("demo feed", ["ingest"]),
    readKey: await key("demo viewer", ["read"]),
    teams,
    boards,
    rollups: extras ? rollups.map(({ id, name }) => ({ id, name })) : [],
    ...(aircall ? { aircall: { id: aircall.id, url: aircall.url, token: aircallToken } } : {}),
  };
}

/** Badges, goals, point rules and a rewards catalog, as a contact centre might start with. */
async function seedRecognition(admin: <T>(method: string, path: string, body?: unknown) => Promise<T>, teams: DemoOrg["teams"]): Promise<void> {
  const badges = [
    { id: "twenty-today", name: "Twenty in a shift", icon: "🔥", points: 50, rule: { kind: "threshold", metric: "contacts_handled", period: "day", value: 20 } },
    { id: "first-sale", name: "First sale", icon: "💰", points: 25, rule: { kind: "first", metric: "sales" } },
    { id: "five-day-streak", name: "Five days running", description: "Met the daily contacts goal five working days in a row", icon: "📅", points: 150, rule: { kind: "streak", metric: "contacts_handled", days: 5 } },
    { id: "customer-hero", name: "Customer hero", description: "Awarded by a lead for going the extra mile", icon: "🦸", points: 75, rule: { kind: "manual" } },
    ...teams.flatMap((team) => [
      { id: `${team.id}-top-of-the-day`, name: `Top of the day (${team.name})`, icon: "🏆", points: 100, rule: { kind: "rank", board: `${team.id}-contacts-handled-day`, rank: 1 } },
      { id: `${team.id}-fast-climber`, name: `Fast climber (${team.name})`, icon: "🚀", points: 40, rule: { kind: "climb", board: `${team.id}-contacts-handled-day` } },
    ]),
  ];
  for (const badge of badges) await admin("POST", "/v1/badges", badge);
  for (const team of teams) await admin("POST", "/v1/goals", { metric: "contacts_handled", period: "day", target: 30, teamId: team.id });
  for (const team of teams.filter((t) => t.departmentId === "care")) await admin("POST", "/v1/goals", { metric: "csat", period: "week", target: 4.5, teamId: team.id });
  await admin("POST", "/v1/point-rules", { id: "contact", metric: "contacts_handled", points: 1 });
  await admin("POST", "/v1/point-rules", { id: "top-csat", metric: "csat", points: 5, min: 5 });
  await admin("POST", "/v1/point-rules", { id: "sale", metric: "sales", points: 10 });
  const rewards = [
    { id: "extra-break", name: "15-minute extra break", category: "extra_break", cost: 300, perAgentLimit: { count: 1, per: "day" } },
    { id: "coffee", name: "Coffee voucher", category: "voucher", cost: 150, stock: 100, requiresApproval: false },
    { id: "course", name: "Online course of your choice", category: "learning", cost: 2000 },
    { id: "half-day", name: "Half a day off", category: "time_off", cost: 5000, perAgentLimit: { count: 1, per: "quarter" } },
  ];
  for (const reward of rewards) await admin("POST", "/v1/rewards", reward);
}

/** Issues a viewer token (`POST /v1/tokens`) with the admin key. */
export async function mintToken(baseUrl: string, adminKey: string, body: TokenCreate): Promise<{ id: string; token: string }> {
  return call(baseUrl, adminKey, "POST", "/v1/tokens", body);
}

/** Whether a saved demo org still exists in this local state (its admin key still works). */
export async function demoStillValid(baseUrl: string, demo: DemoOrg): Promise<boolean> {
  const response = await fetch(`${baseUrl}/v1/org`, { headers: { authorization: `Bearer ${demo.adminKey}` } });
  await response.body?.cancel();
  return response.ok;
}

/**
 * Posts realistic contact outcomes through `POST /v1/events` until the signal aborts: each agent
 * has a skill that shapes their handle time, CSAT and sales, so boards develop a believable spread.
 */
export async function runDemoFeed(
  baseUrl: string,
  demo: DemoOrg,
  options: { contactsPerSecond?: number; signal: AbortSignal; onError?: (error: unknown) => void },
): Promise<void> {
  const rate = options.contactsPerSecond ?? 4;
  const agents = demo.teams.flatMap((team) =>
    team.agents.map((id) => ({ id, aircallId: 100_000 + Number(id.slice(6)) - 1, sales: team.departmentId === "sales", skill: 0.5 + random(id) })),
  );
  let sequence = 0;
  const runId = Date.now().toString(36);
  while (!options.signal.aborted) {
    const started = Date.now();
    const events = [];
    const calls: string[] = [];
    const contacts = Math.max(1, Math.round(rate * (0.5 + Math.random())));
    for (let c = 0; c < contacts; c++) {
      const agent = agents[Math.floor(Math.random() * agents.length)]!;
      const occurredAt = new Date().toISOString();
      const id = (metric: string) => `demo-${runId}-${++sequence}-${metric}`;
      const handleTime = Math.round((180 + 420 * Math.random()) / agent.skill);
      if (!agent.sales && demo.aircall) calls.push(aircallCallEnded(demo.aircall.token, agent.aircallId, `demo-${runId}-${++sequence}`, handleTime));
      else {
        events.push({ id: id("c"), agent: agent.id, metric: "contacts_handled", value: 1, occurredAt });
        events.push({ id: id("h"), agent: agent.id, metric: "handle_time_s", value: handleTime, occurredAt });
      }
      if (Math.random() < 0.35) {
        const csat = Math.min(5, Math.max(1, Math.round(2.5 + 2.5 * agent.skill * Math.random() + Math.random())));
        events.push({ id: id("s"), agent: agent.id, metric: "csat", value: csat, occurredAt });
      }
      if (agent.sales && Math.random() < 0.25 * agent.skill) {
        events.push({ id: id("$"), agent: agent.id, metric: "sales", value: Math.round(20 + 480 * Math.random()), occurredAt });
      }
    }
    try {
      await Promise.all([
        events.length > 0 ? call(baseUrl, demo.ingestKey, "POST", "/v1/events", { events }) : undefined,
        // The source's id, not its saved URL: a later run may listen on another port.
        ...calls.map((body) => postWebhook(`${baseUrl}/v1/webhooks/${demo.aircall!.id}`, body)),
      ]);
    } catch (error) {
      options.onError?.(error);
    }
    await sleep(Math.max(0, 1000 - (Date.now() - started)), options.signal);
  }
}

/** Aircall's `call.ended` webhook for an answered inbound call of `talkSeconds` that just ended. */
function aircallCallEnded(token: string, userId: number, callId: string, talkSeconds: number): string {
  const endedAt = Math.floor(Date.now() / 1000);
  const answeredAt = endedAt - talkSeconds;
  return JSON.stringify({
    resource: "call",
    event: "call.ended",
    timestamp: endedAt,
    token,
    data: {
      id: callId,
      direction: "inbound",
      status: "done",
      started_at: answeredAt - 20,
      answered_at: answeredAt,
      ended_at: endedAt,
      duration: talkSeconds + 20,
      user: { id: userId, name: null },
      tags: [],
    },
  });
}

async function postWebhook(url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${new URL(url).pathname} -> ${response.status}: ${text}`);
}

/** A stable pseudo-random number in [0, 1) per agent id, so skills survive restarts. */
function random(seed: string): number {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return ((h >>> 0) % 1000) / 1000;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
