// `npm run bench:wallboard`: does a wallboard page run in steady memory? A TV stays on for days;
// this compresses days of board changes into minutes and watches the page's memory.
//
// Starts the Worker the way `npm start` does (workerd, inspector off) on a fresh temporary state
// directory, seeds the demo org, and opens /wallboard.html with a display token for every demo team
// in Debian's Chromium, rotating every SOAK_ROTATE_S seconds. Events are posted at SOAK_EVENTS_PER_S
// across the demo agents (contacts, sales, handle time: podium changes, badges and celebrations),
// and every SOAK_DROP_EVERY_S the browser goes offline for SOAK_DROP_S (the SDK reconnects and
// resyncs). Every SOAK_SAMPLE_S it reads the page's own counters through the DevTools protocol
// (Performance.getMetrics: JS heap used after a forced GC, DOM nodes, event listeners) and prints
// them, then the growth from the first sample after warm-up to the last.
//
// Knobs (environment), with their defaults:
//   SOAK_MINUTES=10  SOAK_ROTATE_S=5  SOAK_EVENTS_PER_S=20  SOAK_SAMPLE_S=30
//   SOAK_DROP_EVERY_S=120  SOAK_DROP_S=8  SOAK_WARMUP_S=60
// Traffic goes to 127.0.0.1 only; the Worker and the browser are stopped at the end (also on error).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { mintToken, seedDemo } from "../scripts/demo.ts";
import { startLocalWorker } from "../scripts/local-worker.ts";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const MINUTES = env("SOAK_MINUTES", 10);
const ROTATE_S = env("SOAK_ROTATE_S", 5);
const EVENTS_PER_S = env("SOAK_EVENTS_PER_S", 20);
const SAMPLE_S = env("SOAK_SAMPLE_S", 30);
const DROP_EVERY_S = env("SOAK_DROP_EVERY_S", 120);
const DROP_S = env("SOAK_DROP_S", 8);
const WARMUP_S = env("SOAK_WARMUP_S", 60);
const CHROMIUM = "/usr/bin/chromium";
const BOOTSTRAP_SECRET = "soak-bootstrap";

if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  process.exit(1);
}

const stateDir = mkdtempSync(path.join(os.tmpdir(), "floorboard-soak-"));
const worker = await startLocalWorker({
  port: 0,
  persistTo: stateDir,
  logLevel: "warn",
  bindings: { BOOTSTRAP_SECRET, VIEWER_TOKEN_SECRET: "soak-viewer-token-secret-0123456789abcdef", SOURCE_SECRETS_KEY: "soak-source-secrets-key-0123456789abcdef" },
});
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--js-flags=--expose-gc"],
});
let stopping = false;
async function shutDown(code: number): Promise<never> {
  stopping = true;
  await browser.close().catch(() => {});
  await worker.stop().catch(() => {});
  rmSync(stateDir, { recursive: true, force: true });
  process.exit(code);
}
process.on("SIGINT", () => void shutDown(130));
process.on("SIGTERM", () => void shutDown(143));

try {
  const demo = await seedDemo(worker.url, BOOTSTRAP_SECRET);
  const { token } = await mintToken(worker.url, demo.adminKey, { role: "display", teamIds: demo.teams.map((t) => t.id), name: "soak wallboard" });
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${worker.url}/wallboard.html?rotate=${ROTATE_S}#token=${token}`);
  await page.locator("[data-testid=wall-status][data-status=live]").waitFor({ timeout: 30_000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");

  // The feed: contacts, sales and handle times for random demo agents, POSTed once a second.
  const agents = demo.teams.flatMap((t) => t.agents);
  let posted = 0;
  let failed = 0;
  const feed = setInterval(() => {
    const events = Array.from({ length: EVENTS_PER_S }, (_, i) => {
      const metric = (["contacts_handled", "contacts_handled", "sales", "handle_time_s"] as const)[i % 4]!;
      const value = metric === "sales" ? 50 + Math.round(Math.random() * 500) : metric === "handle_time_s" ? 120 + Math.round(Math.random() * 400) : 1;
      return { id: `soak-${Date.now()}-${posted + i}`, agent: agents[Math.floor(Math.random() * agents.length)]!, metric, value, occurredAt: new Date().toISOString() };
    });
    fetch(`${worker.url}/v1/events`, { method: "POST", headers: { authorization: `Bearer ${demo.ingestKey}`, "content-type": "application/json" }, body: JSON.stringify({ events }) })
      .then((response) => {
        if (response.status === 202) posted += events.length;
        else failed += events.length;
        return response.body?.cancel();
      })
      .catch(() => (failed += events.length));
  }, 1000);

  // Network drops: the browser goes offline for a while, then comes back.
  let drops = 0;
  const dropper = setInterval(() => {
    drops++;
    void context.setOffline(true).then(() => setTimeout(() => void context.setOffline(false), DROP_S * 1000));
  }, DROP_EVERY_S * 1000);

  type Sample = { at: number; heapMiB: number; nodes: number; listeners: number; status: string };
  const samples: Sample[] = [];
  const started = Date.now();
  console.log(`Wallboard soak: ${MINUTES} min, rotating every ${ROTATE_S} s, ${EVENTS_PER_S} events/s, offline ${DROP_S} s every ${DROP_EVERY_S} s`);
  console.log("   t(s)  heap MiB   DOM nodes  listeners  status");
  while (!stopping && Date.now() - started < MINUTES * 60_000) {
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_S * 1000));
    await cdp.send("HeapProfiler.collectGarbage");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
    const status = (await page.locator("[data-testid=wall-status]").getAttribute("data-status")) ?? "?";
    const sample: Sample = {
      at: Math.round((Date.now() - started) / 1000),
      heapMiB: metric("JSHeapUsedSize") / 1048576,
      nodes: metric("Nodes"),
      listeners: metric("JSEventListeners"),
      status,
    };
    samples.push(sample);
    console.log(`${String(sample.at).padStart(7)}  ${sample.heapMiB.toFixed(2).padStart(8)}  ${String(sample.nodes).padStart(10)}  ${String(sample.listeners).padStart(9)}  ${status}`);
  }
  clearInterval(feed);
  clearInterval(dropper);

  const steady = samples.filter((s) => s.at >= WARMUP_S);
  const first = steady[0];
  const last = steady.at(-1);
  console.log("");
  console.log(`events posted ${posted} (refused or lost ${failed}), network drops ${drops}, page errors ${errors.length}${errors.length ? `: ${errors.slice(0, 3).join(" | ")}` : ""}`);
  if (first && last && last !== first) {
    const hours = (last.at - first.at) / 3600;
    const max = (key: "heapMiB" | "nodes" | "listeners") => Math.max(...steady.map((s) => s[key]));
    console.log(`after warm-up (${first.at}–${last.at} s): heap ${first.heapMiB.toFixed(2)} → ${last.heapMiB.toFixed(2)} MiB (max ${max("heapMiB").toFixed(2)}, ${((last.heapMiB - first.heapMiB) / hours).toFixed(2)} MiB/h), DOM nodes ${first.nodes} → ${last.nodes} (max ${max("nodes")}), listeners ${first.listeners} → ${last.listeners} (max ${max("listeners")})`);
  } else {
    console.log("Too short to compare: raise SOAK_MINUTES above the warm-up.");
  }
  await shutDown(errors.length > 0 ? 1 : 0);
} catch (error) {
  console.error(error);
  await shutDown(1);
}
