// `npm start`: Floorboard on this machine, offline. Applies the local D1 migrations, starts the
// Worker in workerd (Durable Objects and D1 on disk under .wrangler/state, inspector off), seeds
// a demo org through the public API on first run, runs a demo event feed, and prints the URLs.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type DemoOrg, demoStillValid, mintToken, runDemoFeed, seedDemo } from "./demo.ts";
import { PROJECT_ROOT, startLocalWorker } from "./local-worker.ts";

const STATE_FILE = path.join(PROJECT_ROOT, ".wrangler", "demo.json");
const port = Number(process.env.PORT ?? 8787);
const contactsPerSecond = Number(process.env.DEMO_CONTACTS_PER_SECOND ?? 4);

type Saved = { bootstrapSecret: string; viewerTokenSecret?: string; sourceSecretsKey?: string; demo?: DemoOrg };
const saved: Saved = existsSync(STATE_FILE)
  ? (JSON.parse(readFileSync(STATE_FILE, "utf8")) as Saved)
  : { bootstrapSecret: randomBytes(24).toString("base64url") };
saved.viewerTokenSecret ??= randomBytes(32).toString("base64url");
saved.sourceSecretsKey ??= randomBytes(32).toString("base64url");
const save = () => {
  mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(saved, null, 2), { mode: 0o600 });
};
save();

console.log("Starting Floorboard locally…");
const worker = await startLocalWorker({
  port,
  via: "proxy",
  logLevel: "warn",
  bindings: { BOOTSTRAP_SECRET: saved.bootstrapSecret, VIEWER_TOKEN_SECRET: saved.viewerTokenSecret, SOURCE_SECRETS_KEY: saved.sourceSecretsKey },
});
const url = worker.url;

if (!saved.demo || !(await demoStillValid(url, saved.demo))) {
  console.log("Seeding the demo org (2 departments, 4 teams, 40 agents, 4 metrics and a scorecard, team boards and roll-ups)…");
  saved.demo = await seedDemo(url, saved.bootstrapSecret);
  save();
}
const demo = saved.demo;

const feed = new AbortController();
let feedErrors = 0;
const feeding = runDemoFeed(url, demo, {
  contactsPerSecond,
  signal: feed.signal,
  onError: (error) => {
    if (feedErrors++ % 30 === 0) console.error("demo feed:", error instanceof Error ? error.message : error);
  },
});

const board = demo.boards[0]!;
const team = demo.teams[0]!;
// Viewer tokens are short-lived, so each start issues fresh ones for the printed links.
const token = (body: Parameters<typeof mintToken>[2]) => mintToken(url, demo.adminKey, body).then((t) => t.token);
const agentToken = await token({ role: "agent", agentId: team.agents[0]!, name: "demo agent" });
const leadToken = await token({ role: "lead", teamIds: [team.id], name: "demo lead" });
const displayToken = await token({ role: "display", teamIds: [team.id], name: "demo wallboard", ttlSeconds: 7 * 86_400 });
const managerToken = await token({ role: "manager", departmentIds: [team.departmentId], name: "demo manager" });
const adminToken = await token({ role: "admin", name: "demo admin" });
console.log(`
  Floorboard is running at ${url}

  Agent view     ${url}/?board=${board.id}#token=${agentToken}
  Lead view      ${url}/?board=${board.id}#token=${leadToken}
  Wallboard (TV) ${url}/wallboard.html?rotate=20#token=${displayToken}
  Recognition    ${url}/rewards.html#token=${agentToken}   (the lead's: ${url}/rewards.html#token=${leadToken})
  Dashboard      ${url}/dashboard.html#token=${managerToken}   (a manager of ${team.departmentId})
  Admin console  ${url}/admin#token=${adminToken}
  (the agent is ${team.agents[0]} on ${team.name}; agent, lead, manager and admin links last 8 hours;
   every page also comes in Swedish, Malay and Arabic: lang=sv, ms or ar in a link's query, e.g. /?lang=ar&board=…)
${demo.rollups?.length ? `\n  Roll-ups (full view):\n${demo.rollups.map((r) => `  ${r.name.padEnd(34)} ${url}/?board=${r.id}#token=${adminToken}`).join("\n")}\n` : ""}
  Admin API key  ${demo.adminKey}
  Ingest key     ${demo.ingestKey}
  Read key       ${demo.readKey}

  Demo feed: about ${contactsPerSecond} contacts/s across ${demo.teams.length} teams (DEMO_CONTACTS_PER_SECOND to change).${
    demo.aircall ? `\n  Customer Care's calls arrive as Aircall webhooks: POST ${url}/v1/webhooks/${demo.aircall.id}` : ""
  }
  Try:  curl -H "Authorization: Bearer ${demo.readKey}" ${url}/v1/boards/${board.id}
  Local state: ${path.relative(process.cwd(), worker.persistDir) || "."} (delete it to start afresh). Ctrl-C stops.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  feed.abort();
  await feeding;
  await worker.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
