// `npx tsx bench/rollups.ts`: how fast team scores reach roll-up boards, and what roll-ups cost ingest.
//
// Starts the Worker as `npm start` does (workerd, inspector off, migrations applied) on a fresh
// temporary state directory and builds an org of BENCH_DEPARTMENTS departments x BENCH_TEAMS teams
// x BENCH_AGENTS agents, each team with a contacts day board. Then, for each case:
//   - "team boards only": no roll-ups;
//   - "with roll-ups": a department board of teams (total) per department, and org boards of
//     departments (total) and of all agents;
// it posts contacts at BENCH_RATE events/s for BENCH_SECONDS (one POST per 20 ms, random agents)
// and measures the ingest ack latency. With roll-ups, a marker agent gets one extra contact every
// 200 ms and the time from posting it to the org board of agents (a WebSocket, two levels up:
// team -> department -> org) showing the marker's new count is the propagation latency.
// Traffic goes to 127.0.0.1 only; the worker is stopped at the end.
//
// Knobs: BENCH_DEPARTMENTS=2 BENCH_TEAMS=10 BENCH_AGENTS=50 BENCH_RATE=500 BENCH_SECONDS=15
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import type { ServerFrame } from "../protocol/index.ts";
import { call } from "../scripts/demo.ts";
import { startLocalWorker } from "../scripts/local-worker.ts";
import { fmtInt, fmtMs, nowMs, sleep, summary } from "./lib/stats.ts";

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const DEPARTMENTS = num("BENCH_DEPARTMENTS", 2);
const TEAMS = num("BENCH_TEAMS", 10);
const AGENTS = num("BENCH_AGENTS", 50);
const RATE = num("BENCH_RATE", 500);
const SECONDS = num("BENCH_SECONDS", 15);
const TICK_MS = 20;
const MARKER_EVERY_MS = 200;

async function main(): Promise<void> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "floorboard-bench-rollups-"));
  const bootstrap = randomBytes(24).toString("base64url");
  const worker = await startLocalWorker({
    persistTo: stateDir,
    port: 0,
    logLevel: "warn",
    bindings: { BOOTSTRAP_SECRET: bootstrap, VIEWER_TOKEN_SECRET: randomBytes(32).toString("base64url"), SOURCE_SECRETS_KEY: randomBytes(32).toString("base64url") },
  });
  try {
    const url = worker.url;
    const rows: string[][] = [];
    for (const withRollups of [false, true]) {
      const org = await buildOrg(url, bootstrap, withRollups);
      rows.push(await runCase(url, org, withRollups));
    }
    console.log(
      `\nRoll-ups: ${DEPARTMENTS} departments x ${TEAMS} teams x ${AGENTS} agents (${fmtInt(DEPARTMENTS * TEAMS * AGENTS)} agents), ${fmtInt(RATE)} events/s for ${SECONDS} s\n`,
    );
    const header = ["case", "events posted", "ack p50 / p99 ms", "event -> org board p50 / p90 / p99 / max ms", "markers seen"];
    console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  } finally {
    await worker.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

interface Org {
  ingestKey: string;
  readKey: string;
  agents: string[];
}

async function buildOrg(url: string, bootstrap: string, withRollups: boolean): Promise<Org> {
  const { adminKey } = await call<{ adminKey: string }>(url, bootstrap, "POST", "/v1/orgs", { name: "Bench", timeZone: "Europe/Stockholm" });
  const admin = <T>(method: string, p: string, body?: unknown) => call<T>(url, adminKey, method, p, body);
  await admin("POST", "/v1/metrics", { key: "contacts_handled", label: "Contacts", aggregation: "count" });
  const agents: { id: string; name: string; teamId: string }[] = [];
  for (let d = 0; d < DEPARTMENTS; d++) {
    await admin("POST", "/v1/departments", { id: `d${d}`, name: `Department ${d}` });
    for (let t = 0; t < TEAMS; t++) {
      const team = `d${d}-t${t}`;
      await admin("POST", "/v1/teams", { id: team, name: `Team ${team}`, departmentId: `d${d}` });
      await admin("POST", "/v1/boards", { id: `${team}-contacts`, teamId: team, metric: "contacts_handled", period: "day" });
      for (let a = 0; a < AGENTS; a++) agents.push({ id: `${team}-a${a}`, name: `Agent ${team}-${a}`, teamId: team });
    }
  }
  for (let i = 0; i < agents.length; i += 1000) await admin("PUT", "/v1/agents", { agents: agents.slice(i, i + 1000) });
  if (withRollups) {
    for (let d = 0; d < DEPARTMENTS; d++) {
      await admin("POST", "/v1/boards", { id: `d${d}-teams`, scope: "department", departmentId: `d${d}`, ranks: "teams", teamScore: "total", metric: "contacts_handled", period: "day" });
    }
    await admin("POST", "/v1/boards", { id: "org-departments", scope: "org", ranks: "departments", teamScore: "total", metric: "contacts_handled", period: "day" });
    await admin("POST", "/v1/boards", { id: "org-agents", scope: "org", metric: "contacts_handled", period: "day" });
  }
  const key = async (scopes: string[]) => (await admin<{ key: string }>("POST", "/v1/keys", { name: scopes.join(","), scopes })).key;
  return { ingestKey: await key(["ingest"]), readKey: await key(["read"]), agents: agents.map((a) => a.id) };
}

async function runCase(url: string, org: Org, withRollups: boolean): Promise<string[]> {
  const marker = org.agents[0]!;
  // The org board of agents, two levels above the teams; the marker's count as it last showed.
  let shown = 0;
  const waiting = new Map<number, number>();
  const latencies: number[] = [];
  let socket: WebSocket | null = null;
  if (withRollups) {
    socket = new WebSocket(`${url.replace("http", "ws")}/v1/boards/org-agents/live?token=${encodeURIComponent(org.readKey)}`);
    socket.on("message", (data) => {
      const text = data.toString();
      if (text === '{"type":"pong"}') return;
      const frame = JSON.parse(text) as ServerFrame;
      const rows = frame.type === "snapshot" ? frame.rows : frame.type === "update" ? frame.changed : [];
      const row = rows.find((r) => r.agent?.id === marker);
      if (!row?.score || row.score <= shown) return;
      shown = row.score;
      const at = nowMs();
      for (const [count, sentAt] of waiting) if (count <= shown) (latencies.push(at - sentAt), waiting.delete(count));
    });
    await new Promise<void>((resolve, reject) => (socket!.once("open", () => resolve()), socket!.once("error", reject)));
  }

  const acks: number[] = [];
  let posted = 0;
  let markers = 0;
  let sequence = 0;
  const started = nowMs();
  let nextMarker = started;
  const inFlight = new Set<Promise<void>>();
  const post = (events: unknown[], onAck?: () => void) => {
    const sentAt = nowMs();
    const p = call(url, org.ingestKey, "POST", "/v1/events", { events })
      .then(() => {
        acks.push(nowMs() - sentAt);
        onAck?.();
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  for (let tick = 0; nowMs() - started < SECONDS * 1000; tick++) {
    const due = Math.round(((tick + 1) * TICK_MS * RATE) / 1000) - Math.round((tick * TICK_MS * RATE) / 1000);
    const occurredAt = new Date().toISOString();
    const events = Array.from({ length: due }, () => ({
      id: `e-${withRollups}-${++sequence}`,
      agent: org.agents[1 + Math.floor(Math.random() * (org.agents.length - 1))]!,
      metric: "contacts_handled",
      value: 1,
      occurredAt,
    }));
    if (events.length > 0) post(events);
    posted += events.length;
    if (withRollups && nowMs() >= nextMarker) {
      nextMarker += MARKER_EVERY_MS;
      const count = ++markers;
      waiting.set(count, nowMs());
      post([{ id: `marker-${count}`, agent: marker, metric: "contacts_handled", value: 1, occurredAt }]);
    }
    await sleep(Math.max(0, started + (tick + 1) * TICK_MS - nowMs()));
  }
  await Promise.all(inFlight);
  // Let the last markers arrive (bounded).
  const deadline = nowMs() + 10_000;
  while (waiting.size > 0 && nowMs() < deadline) await sleep(50);
  socket?.close();
  const ack = summary(acks);
  const prop = summary(latencies);
  return [
    withRollups ? "with roll-ups (3 levels)" : "team boards only",
    fmtInt(posted + markers),
    `${fmtMs(ack.p50)} / ${fmtMs(ack.p99)}`,
    withRollups ? `${fmtMs(prop.p50)} / ${fmtMs(prop.p90)} / ${fmtMs(prop.p99)} / ${fmtMs(prop.max)}` : "–",
    withRollups ? `${latencies.length} of ${markers}` : "–",
  ];
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
