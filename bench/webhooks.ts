// `npx tsx bench/webhooks.ts`: what a platform's webhook costs compared with POST /v1/events.
//
// Starts the Worker as `npm start` does (workerd, inspector off, migrations applied) on a fresh
// temporary state directory, with one team of BENCH_AGENTS agents carrying Twilio, Aircall and
// generic ids and a day board per metric. For each case it keeps BENCH_CONCURRENCY requests in
// flight for BENCH_SECONDS and reports deliveries acknowledged per second and the ack latency:
//   - POST /v1/events, one contact (2 events) per request, API key;
//   - Twilio TaskRouter `reservation.completed` (form post, HMAC-SHA1 signature over URL + params);
//   - Aircall `call.ended` (JSON, token in the body);
//   - generic signed JSON (HMAC-SHA256 with timestamp), one contact (2 events) per request.
// Each case spreads its load over BENCH_SOURCES sources or API keys (each may make 1,000 requests
// per 10 s), as several platform accounts or integrations would. Every delivery is a new contact. Traffic goes to
// 127.0.0.1 only; the worker is stopped at the end.
//
// Knobs: BENCH_AGENTS=200 BENCH_SECONDS=10 BENCH_CONCURRENCY=16 BENCH_SOURCES=8
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { call } from "../scripts/demo.ts";
import { startLocalWorker } from "../scripts/local-worker.ts";
import { fmtInt, fmtMs, nowMs, summary } from "./lib/stats.ts";

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const AGENTS = num("BENCH_AGENTS", 200);
const SECONDS = num("BENCH_SECONDS", 10);
const CONCURRENCY = num("BENCH_CONCURRENCY", 16);
const SOURCES = num("BENCH_SOURCES", 8);

type Request = { url: string; headers: Record<string, string>; body: string };
type Case = { name: string; next: (n: number) => Request };

async function main(): Promise<void> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "floorboard-bench-webhooks-"));
  const bootstrap = randomBytes(24).toString("base64url");
  const worker = await startLocalWorker({
    persistTo: stateDir,
    port: 0,
    logLevel: "warn",
    bindings: { BOOTSTRAP_SECRET: bootstrap, VIEWER_TOKEN_SECRET: randomBytes(32).toString("base64url"), SOURCE_SECRETS_KEY: randomBytes(32).toString("base64url") },
  });
  try {
    const url = worker.url;
    if (!new URL(url).hostname.startsWith("127.")) throw new Error(`expected a 127.0.0.1 URL, got ${url}`);
    const cases = await setUp(url, bootstrap);
    const rows: string[][] = [];
    for (const c of cases) {
      for (let i = 0; i < 20; i++) await send(c.next(-i - 1)); // warm caches
      rows.push(await run(c));
    }
    console.log(`\nWebhooks: ${AGENTS} agents in one team, ${CONCURRENCY} requests in flight for ${SECONDS} s per case\n`);
    const header = ["case", "acknowledged", "per second", "ack p50 / p90 / p99 ms", "refused"];
    console.log(`| ${header.join(" | ")} |\n|${header.map(() => "---").join("|")}|`);
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  } finally {
    await worker.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function setUp(url: string, bootstrap: string): Promise<Case[]> {
  const { adminKey } = await call<{ adminKey: string }>(url, bootstrap, "POST", "/v1/orgs", { name: "Bench webhooks", timeZone: "Europe/Stockholm" });
  const admin = <T>(method: string, route: string, body?: unknown) => call<T>(url, adminKey, method, route, body);
  await admin("POST", "/v1/departments", { id: "d1", name: "Support" });
  await admin("POST", "/v1/teams", { id: "t1", name: "Team", departmentId: "d1" });
  const agents = Array.from({ length: AGENTS }, (_, i) => ({
    id: `a${i}`,
    name: `Agent ${i}`,
    teamId: "t1",
    externalIds: { twilio: `WK${String(i).padStart(32, "0")}`, aircall: String(100_000 + i), generic: `crm-${i}` },
  }));
  await admin("PUT", "/v1/agents", { agents });
  for (const m of [
    { key: "contacts_handled", aggregation: "count" },
    { key: "handle_time_s", aggregation: "avg", direction: "lower" },
    { key: "talk_time_s", aggregation: "avg", direction: "lower" },
  ]) {
    await admin("POST", "/v1/metrics", { label: m.key, ...m });
    await admin("POST", "/v1/boards", { id: `b-${m.key}`, teamId: "t1", metric: m.key, period: "day" });
  }
  const keys = await Promise.all(Array.from({ length: SOURCES }, (_, i) => admin<{ key: string }>("POST", "/v1/keys", { name: `bench ${i}`, scopes: ["ingest"] })));
  const sources = async (platform: string, secret?: string) =>
    Promise.all(Array.from({ length: SOURCES }, (_, i) => admin<{ url: string; secret: string }>("POST", "/v1/sources", { name: `${platform} ${i}`, platform, ...(secret ? { secret } : {}) })));
  const twilio = await sources("twilio", randomBytes(16).toString("hex"));
  const aircall = await sources("aircall", randomBytes(16).toString("hex"));
  const generic = await sources("generic");
  const run = randomBytes(3).toString("hex");
  const now = () => new Date().toISOString();

  return [
    {
      name: "POST /v1/events (2 events)",
      next: (n) => ({
        url: `${url}/v1/events`,
        headers: { authorization: `Bearer ${keys[Math.abs(n) % SOURCES]!.key}`, "content-type": "application/json" },
        body: JSON.stringify({
          events: [
            { id: `${run}-e${n}-c`, agent: `a${Math.abs(n) % AGENTS}`, metric: "contacts_handled", value: 1, occurredAt: now() },
            { id: `${run}-e${n}-h`, agent: `a${Math.abs(n) % AGENTS}`, metric: "handle_time_s", value: 200 + (Math.abs(n) % 200), occurredAt: now() },
          ],
        }),
      }),
    },
    {
      name: "Twilio reservation.completed",
      next: (n) => {
        const source = twilio[Math.abs(n) % SOURCES]!;
        const i = Math.abs(n) % AGENTS;
        const params: Record<string, string> = {
          EventType: "reservation.completed",
          ReservationSid: `WR${run}${String(n).replace("-", "m").padStart(24, "0")}`,
          TaskSid: `WT${run}${String(n).replace("-", "m").padStart(24, "0")}`,
          WorkerSid: `WK${String(i).padStart(32, "0")}`,
          WorkerName: `Agent ${i}`,
          TimestampMs: String(Date.now()),
          TaskAttributes: JSON.stringify({ conversations: { talk_time: 180 + (i % 120), wrap_up_time: 30 } }),
        };
        const signed = source.url + Object.keys(params).sort().map((k) => k + params[k]).join("");
        const signature = createHmac("sha1", source.secret).update(signed).digest("base64");
        return { url: source.url, headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature }, body: new URLSearchParams(params).toString() };
      },
    },
    {
      name: "Aircall call.ended",
      next: (n) => {
        const source = aircall[Math.abs(n) % SOURCES]!;
        const ended = Math.floor(Date.now() / 1000);
        const body = {
          resource: "call",
          event: "call.ended",
          timestamp: ended,
          token: source.secret,
          data: { id: `${run}-${n}`, direction: "inbound", answered_at: ended - 240, ended_at: ended, user: { id: 100_000 + (Math.abs(n) % AGENTS), name: null }, tags: [] },
        };
        return { url: source.url, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
      },
    },
    {
      name: "generic signed JSON (2 events)",
      next: (n) => {
        const source = generic[Math.abs(n) % SOURCES]!;
        const agent = `crm-${Math.abs(n) % AGENTS}`;
        const body = JSON.stringify({
          events: [
            { id: `${run}-g${n}`, agent, metric: "contacts_handled", value: 1, occurredAt: now() },
            { id: `${run}-g${n}`, agent, metric: "handle_time_s", value: 300, occurredAt: now() },
          ],
        });
        const t = Math.floor(Date.now() / 1000);
        const v1 = createHmac("sha256", source.secret).update(`${t}.${body}`).digest("hex");
        return { url: source.url, headers: { "content-type": "application/json", "floorboard-signature": `t=${t},v1=${v1}` }, body };
      },
    },
  ];
}

async function send(request: Request): Promise<number> {
  const response = await fetch(request.url, { method: "POST", headers: request.headers, body: request.body });
  await response.arrayBuffer();
  return response.status;
}

async function run(c: Case): Promise<string[]> {
  const latencies: number[] = [];
  const refused = new Map<number, number>();
  let n = 0;
  const started = nowMs();
  const deadline = started + SECONDS * 1000;
  const lane = async () => {
    while (nowMs() < deadline) {
      const request = c.next(n++);
      const sentAt = nowMs();
      const status = await send(request);
      if (status < 300) latencies.push(nowMs() - sentAt);
      else refused.set(status, (refused.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const elapsed = (nowMs() - started) / 1000;
  const s = summary(latencies);
  return [
    c.name,
    fmtInt(s.n),
    fmtInt(s.n / elapsed),
    `${fmtMs(s.p50)} / ${fmtMs(s.p90)} / ${fmtMs(s.p99)}`,
    refused.size === 0 ? "0" : [...refused].map(([status, count]) => `${count} × ${status}`).join(", "),
  ];
}

await main();
