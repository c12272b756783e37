// `npm run bench`: load and latency of ONE team Durable Object, end to end through the Worker.
//
// Starts the Worker the way `npm start` does (startLocalWorker: workerd, inspector off, migrations
// applied) on a fresh temporary state directory, seeds a demo org, and measures one team's
// TeamBoard DO (team sales-north, BENCH_AGENTS agents, board sales-north-contacts-handled-day):
//   1. ingest: events/s accepted and ack latency, single-event and 100-event POST /v1/events,
//      closed loop with bounded concurrency, bounded time;
//   2. live: N WebSocket viewers on the board (held by worker threads), events posted at a fixed
//      rate, latency from posting an event to the LAST viewer receiving a frame that shows it;
//   3. views: how the cost grows with viewers and with distinct views. On a fresh Worker per case,
//      a team of BENCH_VIEWS_AGENTS agents whose board shows the top 3 and "me" (top_n_and_me, n = 3),
//      watched by wallboards (one shared view), by agents with their own tokens (one view each), or
//      by agents under `everyone` (one full-size view each), at the same event rate;
//   4. workerd memory (RSS) and CPU (whole process and busiest thread) per phase.
// Prints a table and writes bench/results/latest.md. Traffic goes to 127.0.0.1 only; the worker
// is always stopped at the end (also on error and SIGINT/SIGTERM).
//
// Knobs (environment), with their defaults:
//   BENCH_AGENTS=40  BENCH_INGEST_SECONDS=10  BENCH_SINGLE_CONCURRENCY=16  BENCH_BATCH_CONCURRENCY=8
//   BENCH_BATCH_SIZE=100  BENCH_SKIP_INGEST=0
//   BENCH_LIVE="1000:500,5000:200"  stages as viewers:events_per_second (viewers are added stage by stage)
//   BENCH_LIVE_DEFLATE="1000:500"   extra stages, on a fresh Worker, whose viewers offer
//                                   permessage-deflate as browsers do ("" = none)
//   BENCH_DEFLATE=0                 1 = the BENCH_LIVE viewers offer permessage-deflate too
//   BENCH_LIVE_SECONDS=15  BENCH_LIVE_WARMUP_SECONDS=2  BENCH_LIVE_BATCH_MS=20 (one POST per 20 ms
//                                   carrying the events due; 0 = one POST per event)
//   BENCH_VIEWER_THREADS=1  BENCH_VIEWER_THREADS_DEFLATE=2  BENCH_OPEN_CONCURRENCY=32
//   BENCH_PERF=0                    1 = `perf record` workerd during each phase (bench/results/perf-*)
//   BENCH_QUIET_CORES=0.15  BENCH_QUIET_MAX_SECONDS=60  before each phase, wait (bounded) until other
//                                   processes on the machine use less than this share of a core
//   BENCH_VIEWS="display,agent,everyone"  the view cases of phase 3, each on a fresh Worker ("" = none)
//   BENCH_VIEWS_LIVE="250:500,1000:500"    their stages, viewers:events_per_second
//   BENCH_VIEWS_AGENTS=1000  BENCH_VIEWS_SECONDS=10  BENCH_VIEWER_THREADS_VIEWS=1
//   BENCH_RECOGNITION=1             0 = the demo org gets no badges, goals or point rules
//   BENCH_KEEP_STATE=0  BENCH_MAX_SECONDS=1200
// Only the views series:  BENCH_SKIP_INGEST=1 BENCH_LIVE= BENCH_LIVE_DEFLATE= npm run bench
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { SnapshotFrame, VisibilityMode } from "../protocol/index.ts";
import { call, type DemoOrg, mintToken, seedDemo } from "../scripts/demo.ts";
import { type LocalWorker, startLocalWorker } from "../scripts/local-worker.ts";
import { EventPoster, eventsBody } from "./lib/http.ts";
import {
  type CpuDelta,
  type CpuSample,
  cpuDelta,
  cpuOf,
  findOwnWorkerd,
  isAlive,
  machineCpu,
  ownWorkerdPids,
  type MemInfo,
  memOf,
  type WorkerdProcess,
} from "./lib/proc.ts";
import { fmtInt, fmtMiB, fmtMs, fmtPct, nowMs, sleep, summary } from "./lib/stats.ts";
import type { ViewerCommand, ViewerInit, ViewerReply, ViewerTarget, WindowResult } from "./viewer-protocol.ts";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.join(BENCH_DIR, "results");

const env = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, not '${raw}'`);
  return value;
};
function parseStages(spec: string, name: string): { viewers: number; rate: number }[] {
  return spec
    .split(",")
    .filter(Boolean)
    .map((s) => {
      const [viewers, rate] = s.split(":").map(Number);
      if (!viewers || !rate) throw new Error(`${name} entries are viewers:events_per_second, not '${s}'`);
      return { viewers, rate };
    })
    .sort((a, b) => a.viewers - b.viewers);
}

/** Phase 3's cases: who watches the team's board, and the board's visibility mode. */
const VIEW_CASES = {
  display: { role: "display", mode: "top_n_and_me", title: "wallboards (display tokens), top_n_and_me n=3", others: "" },
  agent: { role: "agent", mode: "top_n_and_me", title: "agents (own tokens), top_n_and_me n=3", others: "own row → that agent" },
  everyone: { role: "agent", mode: "everyone", title: "agents (own tokens), everyone", others: "other rows → last viewer" },
} as const satisfies Record<string, { role: "display" | "agent"; mode: VisibilityMode; title: string; others: string }>;
type ViewCase = keyof typeof VIEW_CASES;
function parseViewCases(spec: string): ViewCase[] {
  return spec
    .split(",")
    .filter(Boolean)
    .map((name) => {
      if (!(name in VIEW_CASES)) throw new Error(`BENCH_VIEWS entries are ${Object.keys(VIEW_CASES).join("|")}, not '${name}'`);
      return name as ViewCase;
    });
}

const CONFIG = {
  agents: env("BENCH_AGENTS", 40),
  ingestSeconds: env("BENCH_INGEST_SECONDS", 10),
  singleConcurrency: env("BENCH_SINGLE_CONCURRENCY", 16),
  batchConcurrency: env("BENCH_BATCH_CONCURRENCY", 8),
  batchSize: env("BENCH_BATCH_SIZE", 100),
  live: parseStages(process.env.BENCH_LIVE ?? "1000:500,5000:200", "BENCH_LIVE"),
  liveSeconds: env("BENCH_LIVE_SECONDS", 15),
  /** Posting starts this long before the measured window (same rate; its events are reported apart). */
  liveWarmupSeconds: env("BENCH_LIVE_WARMUP_SECONDS", 2),
  /**
   * Viewer threads. One holds 5,000 plain viewers at ~50% of its event loop; a second thread only
   * adds runnable threads that take CPU from workerd on a 2-core machine (measured: p99 worse).
   * Inflating permessage-deflate frames costs about twice as much, so those series get two.
   */
  viewerThreads: Math.max(1, env("BENCH_VIEWER_THREADS", 1)),
  viewerThreadsDeflate: Math.max(1, env("BENCH_VIEWER_THREADS_DEFLATE", 2)),
  deflate: env("BENCH_DEFLATE", 0) !== 0,
  liveDeflate: parseStages(process.env.BENCH_LIVE_DEFLATE ?? "1000:500", "BENCH_LIVE_DEFLATE"),
  openConcurrency: env("BENCH_OPEN_CONCURRENCY", 32),
  livePostConcurrency: 64,
  skipIngest: env("BENCH_SKIP_INGEST", 0) !== 0,
  perf: env("BENCH_PERF", 0) !== 0,
  quiesceMaxSeconds: 120,
  /** Waiting for other tenants of the machine to calm down before each phase. */
  quietCores: env("BENCH_QUIET_CORES", 0.15),
  quietMaxSeconds: env("BENCH_QUIET_MAX_SECONDS", 60),
  /** Live stages post one request every this many ms carrying the events due (0 = one request per event). */
  liveBatchMs: env("BENCH_LIVE_BATCH_MS", 20),
  views: parseViewCases(process.env.BENCH_VIEWS ?? "display,agent,everyone"),
  viewsLive: parseStages(process.env.BENCH_VIEWS_LIVE ?? "250:500,1000:500", "BENCH_VIEWS_LIVE"),
  viewsAgents: env("BENCH_VIEWS_AGENTS", 1000),
  viewsSeconds: env("BENCH_VIEWS_SECONDS", 10),
  viewerThreadsViews: Math.max(1, env("BENCH_VIEWER_THREADS_VIEWS", 1)),
  drainMaxSeconds: 10,
  maxSeconds: env("BENCH_MAX_SECONDS", 1200),
  /** Keep the temporary state directory (D1 and DO SQLite files) for inspection. */
  keepState: env("BENCH_KEEP_STATE", 0) !== 0,
  recognition: env("BENCH_RECOGNITION", 1) !== 0,
};
const METRIC = "contacts_handled";
const TARGETS = { ingestBatchEventsPerSec: 10_000, live: new Map([[1000, 250], [5000, 500]]) };

// ---------------------------------------------------------------------------------------------
// Lifecycle: everything started here is stopped here, whatever happens.

let worker: LocalWorker | null = null;
let workerd: WorkerdProcess[] = [];
let persistDir: string | null = null;
const threads: Worker[] = [];
const posters: EventPoster[] = [];
let aborted: string | null = null;
let cleaning: Promise<void> | null = null;

/** Stops the current worker and makes sure its workerd processes are gone; removes its state. */
async function stopWorker(): Promise<void> {
  const current = worker;
  const procs = workerd;
  const dir = persistDir;
  worker = null;
  if (current) await Promise.race([current.stop().catch((e) => console.error("worker stop:", e)), sleep(15_000)]);
  // The workerd processes are our children; make sure none outlives the bench.
  const deadline = Date.now() + 5_000;
  while (procs.some((p) => isAlive(p.pid)) && Date.now() < deadline) await sleep(100);
  for (const p of procs) {
    if (isAlive(p.pid)) {
      console.error(`workerd ${p.pid} still running after stop; killing it`);
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
  }
  // Also any workerd child not yet identified (e.g. interrupted while starting).
  for (const pid of ownWorkerdPids()) {
    console.error(`workerd ${pid} (our child) still running; killing it`);
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  workerd = [];
  persistDir = null;
  if (dir && !CONFIG.keepState) rmSync(dir, { recursive: true, force: true });
  else if (dir) console.error(`state kept in ${dir}`);
}

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const p of posters) p.close();
    await Promise.allSettled(threads.map((t) => t.terminate()));
    await stopWorker();
  })();
  return cleaning;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (aborted) return;
    aborted = signal;
    console.error(`\n${signal}: stopping the worker…`);
    void cleanup().finally(() => process.exit(130));
  });
}
const globalTimer = setTimeout(() => {
  aborted = "timeout";
  console.error(`bench exceeded ${CONFIG.maxSeconds} s; stopping`);
  void cleanup().finally(() => process.exit(2));
}, CONFIG.maxSeconds * 1000);
globalTimer.unref();

const log = (...args: unknown[]) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);
function checkAborted(): void {
  if (aborted) throw new Error(`aborted (${aborted})`);
}

// ---------------------------------------------------------------------------------------------
// Resource accounting per phase

interface Resources {
  at: number;
  worker: CpuSample | null;
  proxy: CpuSample | null;
  node: CpuSample | null;
  machine: ReturnType<typeof machineCpu>;
  mem: { worker: MemInfo | null; proxy: MemInfo | null };
}
interface ResourceDelta {
  seconds: number;
  worker: CpuDelta | null;
  proxy: CpuDelta | null;
  node: CpuDelta | null;
  /** Cores busy machine-wide; irq/softirq (mostly loopback TCP); the rest not explained by workerd + this Node process + irq. */
  machineCores: number;
  irqCores: number;
  stealCores: number;
  otherCores: number;
  memBefore: Resources["mem"];
  memAfter: Resources["mem"];
}

const pidOf = (role: WorkerdProcess["role"]) => workerd.find((p) => p.role === role)?.pid;
function resources(): Resources {
  const w = pidOf("worker");
  const p = pidOf("proxy");
  return {
    at: nowMs(),
    worker: w ? cpuOf(w) : null,
    proxy: p ? cpuOf(p) : null,
    node: cpuOf(process.pid),
    machine: machineCpu(),
    mem: { worker: w ? memOf(w) : null, proxy: p ? memOf(p) : null },
  };
}
function delta(a: Resources, b: Resources): ResourceDelta {
  const seconds = (b.at - a.at) / 1000;
  const worker = cpuDelta(a.worker, b.worker);
  const proxy = cpuDelta(a.proxy, b.proxy);
  const node = cpuDelta(a.node, b.node);
  const machineCores = (b.machine.busy - a.machine.busy) / seconds;
  const irqCores = (b.machine.irq - a.machine.irq) / seconds;
  const stealCores = (b.machine.steal - a.machine.steal) / seconds;
  const mine = (worker?.cores ?? 0) + (proxy?.cores ?? 0) + (node?.cores ?? 0);
  return {
    seconds,
    worker,
    proxy,
    node,
    machineCores,
    irqCores,
    stealCores,
    otherCores: Math.max(0, machineCores - mine - irqCores),
    memBefore: a.mem,
    memAfter: b.mem,
  };
}

/** Waits until the user workerd is idle (< 5% of a core over 1 s), e.g. while the outbox drains to D1. */
async function quiesce(label: string): Promise<number> {
  const pid = pidOf("worker");
  if (!pid) return 0;
  const started = nowMs();
  while ((nowMs() - started) / 1000 < CONFIG.quiesceMaxSeconds) {
    checkAborted();
    const a = cpuOf(pid);
    await sleep(1000);
    const d = cpuDelta(a, cpuOf(pid));
    if (!d || d.cores < 0.05) break;
  }
  const seconds = (nowMs() - started) / 1000;
  if (seconds > 2) log(`${label}: workerd busy for ${seconds.toFixed(0)} s after the load stopped (history outbox draining to D1)`);
  return seconds;
}

/**
 * This machine may be shared: before a phase, wait (bounded) until processes other than ours use
 * less than BENCH_QUIET_CORES of a core over 2 s. Returns the other load seen last.
 */
async function waitForQuietMachine(label: string): Promise<number> {
  const started = nowMs();
  let other = 0;
  let warned = false;
  while ((nowMs() - started) / 1000 < CONFIG.quietMaxSeconds) {
    checkAborted();
    const a = resources();
    await sleep(2000);
    other = delta(a, resources()).otherCores;
    if (other < CONFIG.quietCores) break;
    if (!warned) {
      log(`${label}: other processes use ${fmtPct(other)} of a core; waiting up to ${CONFIG.quietMaxSeconds} s for a quieter machine…`);
      warned = true;
    }
  }
  if (other >= CONFIG.quietCores) log(`${label}: machine still busy (${fmtPct(other)} of a core by others); measuring anyway`);
  return other;
}

// ---------------------------------------------------------------------------------------------
// Phase 1: ingest throughput

interface IngestResult {
  name: string;
  batchSize: number;
  concurrency: number;
  seconds: number;
  requests: number;
  accepted: number;
  duplicates: number;
  failed: number;
  failures: Map<string, number>;
  eventsPerSec: number;
  ack: ReturnType<typeof summary>;
  res: ResourceDelta;
  quiesceSeconds: number;
  perfReport: string | null;
  /** Load by other processes on the machine just before the phase (cores). */
  otherBefore: number;
}

/**
 * Keys the load is spread over: each API key may make 1,000 requests per 10 s, and the ingest
 * series posts several hundred requests a second (as many integrations of one org would), and the
 * views series mints a thousand viewer tokens in a few seconds.
 */
let ingestKeys: string[] = [];
let adminKeys: string[] = [];
async function mintKeys(baseUrl: string, adminKey: string, count: number, scope: "ingest" | "admin"): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${baseUrl}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: `bench ${scope} ${i + 1}`, scopes: [scope] }),
    });
    if (response.status !== 201) throw new Error(`POST /v1/keys -> ${response.status}: ${await response.text()}`);
    keys.push(((await response.json()) as { key: string }).key);
  }
  return keys;
}

let eventCounter = 0;
const runId = randomBytes(4).toString("hex");
const nextEventId = (tag: string) => `bench-${runId}-${tag}-${++eventCounter}`;

async function ingestPhase(demo: DemoOrg, agents: string[], name: string, batchSize: number, concurrency: number, seconds: number): Promise<IngestResult> {
  checkAborted();
  const otherBefore = await waitForQuietMachine(`ingest ${name}`);
  log(`ingest ${name}: ${batchSize} event(s)/request, concurrency ${concurrency}, ${seconds} s`);
  const poster = new EventPoster(worker!.url, ingestKeys, concurrency);
  posters.push(poster);
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  const perf = CONFIG.perf && pidOf("worker") ? perfRecord(pidOf("worker")!, Math.max(1, seconds - 1), `ingest-${name}`) : null;
  let requests = 0;
  let accepted = 0;
  let duplicates = 0;
  let failed = 0;
  let agentCursor = 0;
  const before = resources();
  const started = nowMs();
  const deadline = started + seconds * 1000;
  const lane = async () => {
    while (nowMs() < deadline && !aborted) {
      const occurredAt = new Date().toISOString();
      const events = [];
      for (let i = 0; i < batchSize; i++) {
        events.push({ id: nextEventId(name), agent: agents[agentCursor++ % agents.length]!, metric: METRIC, value: 1, occurredAt });
      }
      const body = eventsBody(events);
      const t0 = nowMs();
      requests++;
      try {
        const res = await poster.post(body);
        const t1 = nowMs();
        if (res.status === 202) {
          const r = JSON.parse(res.body) as { accepted: number; duplicates: number };
          accepted += r.accepted;
          duplicates += r.duplicates;
          latencies.push(t1 - t0);
        } else {
          failed++;
          const key = `HTTP ${res.status} ${res.body.slice(0, 80)}`;
          failures.set(key, (failures.get(key) ?? 0) + 1);
        }
      } catch (error) {
        failed++;
        const key = error instanceof Error ? error.message : String(error);
        failures.set(key, (failures.get(key) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const elapsed = (nowMs() - started) / 1000;
  const after = resources();
  poster.close();
  const perfReport = perf ? await perf : null;
  const quiesceSeconds = await quiesce(`ingest ${name}`);
  const result: IngestResult = {
    name,
    batchSize,
    concurrency,
    seconds: elapsed,
    requests,
    accepted,
    duplicates,
    failed,
    failures,
    eventsPerSec: accepted / elapsed,
    ack: summary(latencies),
    res: delta(before, after),
    quiesceSeconds,
    perfReport,
    otherBefore,
  };
  log(
    `  ${fmtInt(result.eventsPerSec)} events/s, ack p50 ${fmtMs(result.ack.p50)} ms p99 ${fmtMs(result.ack.p99)} ms, ${failed} failed; ` +
      `workerd ${cpuCell(result.res.worker)}, node ${cpuCell(result.res.node)}`,
  );
  return result;
}

// ---------------------------------------------------------------------------------------------
// Phase 2: live fan-out

class ViewerThread {
  readonly #worker: Worker;
  readonly deflate: boolean;
  #pending: ((reply: ViewerReply) => void)[] = [];
  #failed: Error | null = null;

  constructor(init: ViewerInit) {
    this.deflate = init.deflate;
    this.#worker = new Worker(new URL("./viewers-thread.mjs", import.meta.url), { workerData: init });
    threads.push(this.#worker);
    this.#worker.on("message", (reply: ViewerReply) => this.#pending.shift()?.(reply));
    const fail = (error: Error) => {
      this.#failed ??= error;
      for (const pending of this.#pending.splice(0)) pending({ type: "failed", error: this.#failed.message });
    };
    this.#worker.on("error", (error) => fail(error));
    this.#worker.on("exit", (code) => fail(new Error(`viewer thread exited with code ${code}`)));
  }

  /** Commands are answered in order, one reply each. */
  ask<T extends ViewerReply["type"]>(command: ViewerCommand, timeoutMs = 120_000): Promise<Extract<ViewerReply, { type: T }>> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`viewer thread did not answer '${command.type}' within ${timeoutMs} ms`)), timeoutMs);
      this.#pending.push((reply) => {
        clearTimeout(timer);
        if (reply.type === "failed") reject(new Error(`viewer thread failed: ${reply.error}`));
        else resolve(reply as Extract<ViewerReply, { type: T }>);
      });
      this.#worker.postMessage(command);
    });
  }

  async terminate(): Promise<void> {
    this.#failed ??= new Error("terminated");
    await this.#worker.terminate();
  }
}

interface LiveResult {
  /** The audience's name: "" for the read-key series, else the view case (phase 3). */
  name: string;
  viewers: number;
  /** Distinct views among the viewers: how many projections the board makes per tick. */
  distinctViews: number;
  /** Viewers offered permessage-deflate (and workerd accepted it). */
  deflate: boolean;
  viewersOpen: number;
  /** Sockets opened in this stage (on top of the previous stage's). */
  opened: number;
  openFailed: number;
  openFailures: string[];
  openSeconds: number;
  staleAtStart: number;
  rate: number;
  postSeconds: number;
  posted: number;
  ok: number;
  postFailed: number;
  postFailures: Map<string, number>;
  scheduleSlipMaxMs: number;
  ack: ReturnType<typeof summary>;
  /**
   * Events posted after the warm-up, each timed to the last viewer that may see its agent's row;
   * `toLastAll` includes the warm-up's. Events no viewer may see are not measured (`unmeasured`).
   */
  toLast: ReturnType<typeof summary>;
  toLastAll: ReturnType<typeof summary>;
  toFirst: ReturnType<typeof summary>;
  /** `toLast` split: the tracked agents' events (the top 3, seen by every viewer) and the others'. */
  toLastTracked: ReturnType<typeof summary>;
  toLastOther: ReturnType<typeof summary>;
  unmeasured: number;
  incomplete: number;
  drainSeconds: number;
  windowSeconds: number;
  frames: ReturnType<typeof summary>;
  framesMin: number;
  framesTotal: number;
  snapshotsTotal: number;
  bytesTotal: number;
  errors: number;
  closes: number;
  gaps: number;
  regressions: number;
  unexpected: number;
  /** Viewers whose rows, replayed from their frames, differ at the end from what they may see of the board. */
  mismatched: number;
  mismatchSamples: string[];
  /** Frames the viewer threads' scanner could not read (JSON-parsed instead). */
  fallbacks: number;
  beyondCapacity: number;
  closeCodes: Record<string, number>;
  errorSamples: string[];
  threadElu: number[];
  threadLoopDelayP99: number[];
  memBeforeOpen: Resources["mem"];
  res: ResourceDelta;
  openRes: ResourceDelta;
  perfReport: string | null;
  otherBefore: number;
}

/** A request to the Worker with the given key; throws on an error status. */
function api<T>(key: string, method: string, route: string, body?: unknown): Promise<T> {
  return call<T>(worker!.url, key, method, route, body);
}

/** The whole board (read key: full view), as scores per agent and the agent and score at each place. */
async function boardState(setup: Setup): Promise<{ scores: number[]; agentAt: number[]; scoreAt: number[] }> {
  const { snapshot } = await api<{ snapshot: SnapshotFrame }>(setup.demo.readKey, "GET", `/v1/boards/${setup.boardId}`);
  const index = new Map(setup.agents.map((id, i) => [id, i]));
  const agentAt = new Array<number>(setup.agents.length + 1).fill(-1);
  const scoreAt = new Array<number>(setup.agents.length + 1).fill(NaN);
  const scores = new Array<number>(setup.agents.length).fill(0);
  for (const row of snapshot.rows) {
    const a = index.get(row.agent?.id ?? "");
    if (a === undefined || row.place >= agentAt.length) continue;
    agentAt[row.place] = a;
    scoreAt[row.place] = row.score ?? NaN;
    scores[a] = row.score ?? 0;
  }
  return { scores, agentAt, scoreAt };
}

async function openViewers(pool: ViewerThread[], targets: ViewerTarget[]) {
  const concurrency = Math.max(1, Math.ceil(CONFIG.openConcurrency / pool.length));
  const replies = await Promise.all(
    pool.map((t, i) => t.ask<"opened">({ type: "open", targets: targets.filter((_, j) => j % pool.length === i), concurrency, timeoutMs: 30_000 }, 600_000)),
  );
  return {
    ok: replies.reduce((n, r) => n + r.ok, 0),
    failed: replies.reduce((n, r) => n + r.failed, 0),
    failures: replies.flatMap((r) => r.failures),
    open: replies.reduce((n, r) => n + r.open, 0),
  };
}

/** Buckets for a flat `perf report` of workerd, so a phase can say where its CPU went. */
const PERF_BUCKETS: [string, RegExp][] = [
  ["kernel (syscalls, TCP)", /\[kernel|\[k\]/],
  ["zlib (permessage-deflate)", /deflate|inflate|zlib|adler32|crc32|longest_match|fill_window|compress_block|send_tree|build_tree|pqdownheap|_tr_/],
  ["SQLite", /sqlite3|pager|btree|vdbe/i],
  ["JS (JIT code, builtins, interpreter)", /\[JIT\]|Builtins_/],
  ["V8 GC", /v8::internal::(Heap|Scavenger|MarkCompact|Marking|Sweeper|Evacuat|MinorMark|Concurrent)|Scavenge|MarkCompact/],
  ["V8 runtime/compiler (other)", /v8::/],
  ["kj (event loop, async I/O, WebSocket framing)", /kj::/],
  ["workerd (bindings, WebSocket pump, RPC)", /workerd::|capnp::/],
  ["malloc", /tcmalloc|malloc|free/i],
];

function bucketPerf(text: string): string {
  const sums = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^\s*([\d.]+)%\s+(.*)$/.exec(line);
    if (!m) continue;
    const bucket = PERF_BUCKETS.find(([, re]) => re.test(m[2]!))?.[0] ?? "other";
    sums.set(bucket, (sums.get(bucket) ?? 0) + Number(m[1]));
  }
  return [...sums]
    .sort((a, b) => b[1] - a[1])
    .filter(([, v]) => v >= 0.5)
    .map(([k, v]) => `${v.toFixed(1).padStart(5)}%  ${k}`)
    .join("\n");
}

/** `perf record` of the user workerd for `seconds`; returns its CPU by bucket (see PERF_BUCKETS). */
function perfRecord(pid: number, seconds: number, label: string): Promise<string | null> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, `perf-${label}.data`);
  return new Promise((resolve) => {
    const rec = spawn("perf", ["record", "-F", "499", "-g", "-p", String(pid), "-o", out, "--", "sleep", String(seconds)], { stdio: "ignore" });
    const timer = setTimeout(() => rec.kill("SIGINT"), (seconds + 10) * 1000);
    rec.on("error", () => {
      clearTimeout(timer);
      resolve(null);
    });
    rec.on("close", () => {
      clearTimeout(timer);
      const rep = spawn("perf", ["report", "-i", out, "--stdio", "--no-children", "--sort", "dso,sym", "--percent-limit", "0", "-g", "none"], {
        stdio: ["ignore", "pipe", "ignore"],
      });
      let text = "";
      rep.stdout.on("data", (c: Buffer) => (text += c.toString()));
      const rtimer = setTimeout(() => rep.kill("SIGKILL"), 60_000);
      rep.on("close", () => {
        clearTimeout(rtimer);
        writeFileSync(path.join(RESULTS_DIR, `perf-${label}.txt`), text);
        resolve(text ? bucketPerf(text) : null);
      });
      rep.on("error", () => resolve(null));
    });
  });
}

async function liveStage(audience: Audience, pool: ViewerThread[], currentViewers: number, stage: { viewers: number; rate: number }): Promise<LiveResult> {
  checkAborted();
  const { setup } = audience;
  const { demo, agents } = setup;
  const A = agents.length;
  const memBeforeOpen = resources().mem;
  const openBefore = resources();
  const toOpen = stage.viewers - currentViewers;
  const tag = `${audience.name ? `${audience.name}-` : ""}${stage.viewers}${audience.deflate ? "-deflate" : ""}`;
  const label = `live ${stage.viewers} ${audience.name || "viewers"}${audience.deflate ? " (permessage-deflate)" : ""}`;
  log(`${label}: opening ${toOpen} more WebSocket(s) (concurrency ${CONFIG.openConcurrency})…`);
  const openStarted = nowMs();
  const opened = await openViewers(pool, audience.targets(currentViewers, stage.viewers));
  const openSeconds = (nowMs() - openStarted) / 1000;
  const openRes = delta(openBefore, resources());
  log(`  ${opened.ok} opened, ${opened.failed} failed in ${openSeconds.toFixed(1)} s; ${opened.open} open in total${opened.failures.length ? `; e.g. ${opened.failures[0]}` : ""}`);
  await quiesce("after opening viewers");
  const otherBefore = await waitForQuietMachine(label);
  checkAborted();

  const base = (await boardState(setup)).scores;
  const postSeconds0 = CONFIG.liveWarmupSeconds + audience.seconds;
  const total = Math.round(stage.rate * postSeconds0);
  const planned = new Int32Array(A);
  for (let n = 0; n < total; n++) planned[audience.agentOf(n)]!++;
  const cap = planned.reduce((m, v) => Math.max(m, v), 0) + 16;
  const starts = await Promise.all(pool.map((t) => t.ask<"started">({ type: "start", base, capacity: cap })));
  const staleAtStart = starts.reduce((n, r) => n + r.stale, 0);

  const poster = new EventPoster(worker!.url, ingestKeys, CONFIG.livePostConcurrency);
  posters.push(poster);
  const postAt = new Float64Array(A * cap).fill(NaN);
  const okAt = new Uint8Array(A * cap);
  const postedPerAgent = new Int32Array(A);
  const acceptedPerAgent = new Int32Array(A);
  const acks: number[] = [];
  const postFailures = new Map<string, number>();
  let ok = 0;
  let postFailed = 0;
  let inflight = 0;
  let slipMax = 0;
  const inflightDone: Promise<void>[] = [];

  log(
    `  posting ${stage.rate} events/s (${CONFIG.liveBatchMs > 0 ? `one request every ${CONFIG.liveBatchMs} ms with the events due` : "single-event requests"}) for ${CONFIG.liveWarmupSeconds} s warm-up + ${audience.seconds} s…`,
  );
  const perf = CONFIG.perf && pidOf("worker") ? perfRecord(pidOf("worker")!, Math.max(1, postSeconds0 - 2), tag) : null;
  const before = resources();
  const t0 = nowMs();
  let i = 0;
  const send = (ns: number[]) => {
    const occurredAt = new Date().toISOString();
    const slots: number[] = [];
    const events = ns.map((n) => {
      const a = audience.agentOf(n);
      slots.push(a * cap + postedPerAgent[a]!++);
      return { id: nextEventId(`live${stage.viewers}`), agent: agents[a]!, metric: setup.metric, value: 1, occurredAt };
    });
    const body = eventsBody(events);
    inflight++;
    const sentAt = nowMs();
    for (const j of slots) postAt[j] = sentAt;
    const fail = (key: string) => {
      postFailed += ns.length;
      postFailures.set(key, (postFailures.get(key) ?? 0) + ns.length);
    };
    inflightDone.push(
      poster.post(body, 15_000).then(
        (res) => {
          inflight--;
          const r = res.status === 202 ? (JSON.parse(res.body) as { accepted: number; duplicates: number }) : null;
          // A retried request (see EventPoster.post) may find its events already recorded.
          if (r && r.accepted + r.duplicates === ns.length) {
            ok += ns.length;
            acks.push(nowMs() - sentAt);
            for (const j of slots) {
              okAt[j] = 1;
              acceptedPerAgent[Math.floor(j / cap)]!++;
            }
          } else fail(`HTTP ${res.status} ${res.body.slice(0, 80)}`);
        },
        (error: unknown) => {
          inflight--;
          fail(error instanceof Error ? error.message : String(error));
        },
      ),
    );
  };
  const batchMs = CONFIG.liveBatchMs;
  while (i < total && !aborted) {
    const elapsed = nowMs() - t0;
    if (elapsed > postSeconds0 * 1000 + 10_000) break; // cannot keep up at all: stop anyway
    const due = Math.min(total, Math.floor((elapsed * stage.rate) / 1000) + 1);
    while (i < due && inflight < CONFIG.livePostConcurrency) {
      slipMax = Math.max(slipMax, nowMs() - (t0 + (i * 1000) / stage.rate));
      const n = batchMs > 0 ? Math.min(due - i, 1000) : 1;
      send(Array.from({ length: n }, (_, k) => i + k));
      i += n;
    }
    await sleep(batchMs > 0 ? batchMs : 1);
  }
  const postSeconds = (nowMs() - t0) / 1000;
  await Promise.all(inflightDone);

  // Let the last frames arrive: until every open viewer shows every accepted event, or a bound.
  const target = base.map((b, a) => b + acceptedPerAgent[a]!);
  const drainStarted = nowMs();
  while ((nowMs() - drainStarted) / 1000 < CONFIG.drainMaxSeconds && !aborted) {
    const replies = await Promise.all(pool.map((t) => t.ask<"progress">({ type: "progress", target })));
    if (replies.every((r) => r.behind === 0)) break;
    await sleep(100);
  }
  const drainSeconds = (nowMs() - drainStarted) / 1000;
  const after = resources();
  const windowSeconds = (nowMs() - t0) / 1000;
  // The end state: every viewer's rows as it may see them. A row's place can still move in a frame
  // after its score arrived (others passing it), so a mismatch is rechecked until the drain bound.
  const final = await boardState(setup);
  let verified: Extract<ViewerReply, { type: "verified" }>[] = [];
  for (;;) {
    verified = await Promise.all(pool.map((t) => t.ask<"verified">({ type: "verify", agentAt: final.agentAt, scoreAt: final.scoreAt })));
    if (verified.every((r) => r.mismatched === 0) || (nowMs() - drainStarted) / 1000 >= CONFIG.drainMaxSeconds || aborted) break;
    await sleep(100);
  }
  const ends = await Promise.all(pool.map((t) => t.ask<"ended">({ type: "end" })));
  poster.close();
  const perfReport = perf ? await perf : null;

  // Merge the threads' views: an event's latency is its latest first-sight over the viewers that may see its agent.
  const results: WindowResult[] = ends.map((e) => e.result);
  const viewersOpen = results.reduce((n, r) => n + r.open, 0);
  const visibleTo = new Int32Array(A);
  for (const r of results) for (let a = 0; a < A; a++) visibleTo[a]! += r.visibleTo[a]!;
  const tracked = new Set(audience.tracked);
  const toLast: number[] = [];
  const toLastTracked: number[] = [];
  const toLastOther: number[] = [];
  const toFirst: number[] = [];
  const toLastWarmup: number[] = [];
  const warmupEnd = t0 + CONFIG.liveWarmupSeconds * 1000;
  const csv: string[] = ["post_ms,agent,k,to_first_ms,to_last_ms,viewers"];
  let incomplete = 0;
  let unmeasured = 0;
  for (let j = 0; j < A * cap; j++) {
    if (!okAt[j]) continue;
    const a = Math.floor(j / cap);
    if (visibleTo[a] === 0) {
      unmeasured++;
      continue;
    }
    let seenBy = 0;
    let lastT = -Infinity;
    let firstT = Infinity;
    for (const r of results) {
      seenBy += r.count[j]!;
      if (r.last[j]! > lastT) lastT = r.last[j]!;
      if (r.first[j]! < firstT) firstT = r.first[j]!;
    }
    if (seenBy < visibleTo[a]! || !Number.isFinite(lastT)) {
      incomplete++;
      continue;
    }
    if (postAt[j]! < warmupEnd) {
      toLastWarmup.push(lastT - postAt[j]!);
    } else {
      toLast.push(lastT - postAt[j]!);
      (tracked.has(a) ? toLastTracked : toLastOther).push(lastT - postAt[j]!);
      toFirst.push(firstT - postAt[j]!);
    }
    csv.push(`${(postAt[j]! - t0).toFixed(1)},${agents[a]},${(j % cap) + 1},${(firstT - postAt[j]!).toFixed(1)},${(lastT - postAt[j]!).toFixed(1)},${visibleTo[a]}`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, `latency-${tag}.csv`), csv.join("\n") + "\n");
  const framesPerViewer = results.flatMap((r) => Array.from(r.framesPerViewer));
  const closeCodes: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.closeCodes)) closeCodes[k] = (closeCodes[k] ?? 0) + v;

  const result: LiveResult = {
    name: audience.name,
    viewers: stage.viewers,
    distinctViews: audience.distinctViews(viewersOpen),
    deflate: audience.deflate,
    viewersOpen,
    opened: opened.ok,
    openFailed: opened.failed,
    openFailures: opened.failures,
    openSeconds,
    staleAtStart,
    rate: stage.rate,
    postSeconds,
    posted: i,
    ok,
    postFailed,
    postFailures,
    scheduleSlipMaxMs: slipMax,
    ack: summary(acks),
    toLast: summary(toLast),
    toLastAll: summary([...toLastWarmup, ...toLast]),
    toFirst: summary(toFirst),
    toLastTracked: summary(toLastTracked),
    toLastOther: summary(toLastOther),
    unmeasured,
    incomplete,
    drainSeconds,
    windowSeconds,
    frames: summary(framesPerViewer),
    framesMin: framesPerViewer.reduce((m, v) => Math.min(m, v), Infinity),
    framesTotal: results.reduce((n, r) => n + r.frames, 0),
    snapshotsTotal: results.reduce((n, r) => n + r.snapshotsPerViewer.reduce((a, b) => a + b, 0), 0),
    bytesTotal: results.reduce((n, r) => n + r.bytes, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    closes: results.reduce((n, r) => n + r.closes, 0),
    gaps: results.reduce((n, r) => n + r.gaps, 0),
    regressions: results.reduce((n, r) => n + r.regressions, 0),
    unexpected: results.reduce((n, r) => n + r.unexpected, 0),
    mismatched: verified.reduce((n, r) => n + r.mismatched, 0),
    mismatchSamples: verified.flatMap((r) => r.samples).slice(0, 3),
    fallbacks: results.reduce((n, r) => n + r.fallbacks, 0),
    beyondCapacity: results.reduce((n, r) => n + r.beyondCapacity, 0),
    closeCodes,
    errorSamples: results.flatMap((r) => r.errorSamples).slice(0, 8),
    threadElu: results.map((r) => r.elu),
    threadLoopDelayP99: results.map((r) => r.loopDelayP99Ms),
    memBeforeOpen,
    res: delta(before, after),
    openRes,
    perfReport,
    otherBefore,
  };
  log(
    `  event→last viewer p50 ${fmtMs(result.toLast.p50)} ms, p99 ${fmtMs(result.toLast.p99)} ms (n=${result.toLast.n}; with warm-up p99 ${fmtMs(result.toLastAll.p99)} ms; incomplete ${incomplete}); ` +
      `${result.frames.mean.toFixed(1)} frames/viewer for ${ok} events; workerd ${cpuCell(result.res.worker)}, ` +
      `node ${cpuCell(result.res.node)}, viewer threads ELU ${result.threadElu.map(fmtPct).join("/")}` +
      (audience.tracked.length ? `; top-3 events p99 ${fmtMs(result.toLastTracked.p99)} ms, others' p99 ${fmtMs(result.toLastOther.p99)} ms` : "") +
      `; seq gaps ${result.gaps}, unexpected rows ${result.unexpected}, viewers wrong at the end ${result.mismatched}`,
  );
  return result;
}

// ---------------------------------------------------------------------------------------------
// Report

function cpuCell(d: CpuDelta | null): string {
  return d ? `${fmtPct(d.cores)} (${fmtPct(d.busiestThread.cores)}, waited ${fmtPct(d.busiestThread.waiting)})` : "–";
}
function memCell(before: MemInfo | null, after: MemInfo | null): string {
  return `${fmtMiB(before?.rssMiB)} → ${fmtMiB(after?.rssMiB)}`;
}
function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

/** "1,000 viewers", "1,000 viewers (deflate)", "1,000 agents (own tokens), top_n_and_me n=3". */
function audienceLabel(r: LiveResult): string {
  return r.name ? `${fmtInt(r.viewersOpen)} ${VIEW_CASES[r.name as ViewCase].title}` : `${fmtInt(r.viewersOpen)} viewers${r.deflate ? " (deflate)" : ""}`;
}

/** What the "other events" of a views case are timed to; "" where no viewer sees them. */
function othersLabel(r: LiveResult): string {
  return r.name ? VIEW_CASES[r.name as ViewCase].others : "";
}

function perViewer(r: LiveResult): string {
  return `${(r.frames.mean / r.windowSeconds).toFixed(1)} frames/s, ${fmtInt(r.bytesTotal / r.windowSeconds / Math.max(1, r.viewersOpen) / 1e3)} KB/s`;
}

/** The live stages' detail tables and notes. */
function liveTables(live: LiveResult[]): string[] {
  const out: string[] = [];
  out.push(
    table(
      ["viewers open", "rate target / achieved", "events ok", "**to last viewer p50 / p99 / max ms** (after warm-up)", "to last viewer p99, warm-up included", "to first viewer p50 / p99 ms", "ack p50 / p99 ms", "frames per viewer (events per frame)", "deliveries/s", "errors / closes / seq gaps", "workerd CPU", "viewer threads ELU", "node CPU", "irq CPU", "others' CPU before / during"],
      live.map((r) => [
        `${audienceLabel(r)}${r.openFailed ? ` (${r.openFailed} failed to open)` : ""}`,
        `${r.rate} / ${fmtInt(r.ok / r.postSeconds)}`,
        `${fmtInt(r.ok)}${r.postFailed ? ` (+${r.postFailed} failed)` : ""}`,
        `**${fmtMs(r.toLast.p50)} / ${fmtMs(r.toLast.p99)}** / ${fmtMs(r.toLast.max)}${r.incomplete ? ` (${r.incomplete} never reached all)` : ""}`,
        fmtMs(r.toLastAll.p99),
        `${fmtMs(r.toFirst.p50)} / ${fmtMs(r.toFirst.p99)}`,
        `${fmtMs(r.ack.p50)} / ${fmtMs(r.ack.p99)}`,
        `${r.frames.mean.toFixed(1)} (min ${fmtInt(r.framesMin)}, max ${fmtInt(r.frames.max)}; ${(r.ok / Math.max(1, r.frames.mean)).toFixed(1)} events/frame)`,
        fmtInt(r.framesTotal / r.windowSeconds),
        `${r.errors} / ${r.closes} / ${r.gaps}`,
        cpuCell(r.res.worker),
        r.threadElu.map(fmtPct).join(", "),
        cpuCell(r.res.node),
        fmtPct(r.res.irqCores),
        `${fmtPct(r.otherBefore)} / ${fmtPct(r.res.otherCores)}`,
      ]),
    ),
    "",
  );
  out.push(
    table(
      ["viewers", "open time", "workerd CPU while opening", "workerd RSS before open → open → after posting", "RSS growth per socket opened", "proxy workerd RSS", "bytes received", "avg frame", "stale at start", "drain after posting"],
      live.map((r) => [
        audienceLabel(r),
        `${r.openSeconds.toFixed(1)} s`,
        cpuCell(r.openRes.worker),
        `${fmtMiB(r.memBeforeOpen.worker?.rssMiB)} → ${fmtMiB(r.res.memBefore.worker?.rssMiB)} → ${fmtMiB(r.res.memAfter.worker?.rssMiB)}`,
        r.opened > 0 && r.memBeforeOpen.worker && r.res.memAfter.worker
          ? `${fmtInt(((r.res.memAfter.worker.rssMiB - r.memBeforeOpen.worker.rssMiB) * 1024) / r.opened)} KiB`
          : "–",
        fmtMiB(r.res.memAfter.proxy?.rssMiB),
        `${(r.bytesTotal / 1e6).toFixed(1)} MB`,
        `${fmtInt(r.bytesTotal / Math.max(1, r.framesTotal))} B`,
        String(r.staleAtStart),
        `${r.drainSeconds.toFixed(1)} s`,
      ]),
    ),
    "",
  );
  for (const r of live) {
    const notes: string[] = [];
    if (r.openFailures.length) notes.push(`open failures e.g. ${r.openFailures.join("; ")}`);
    if (r.postFailures.size) notes.push(`post failures ${[...r.postFailures].map(([k, v]) => `${v}× ${k}`).join("; ")}`);
    if (Object.keys(r.closeCodes).length) notes.push(`closes by code ${JSON.stringify(r.closeCodes)}`);
    if (r.errorSamples.length) notes.push(`errors e.g. ${r.errorSamples.join("; ")}`);
    if (r.regressions) notes.push(`${r.regressions} score regressions seen`);
    if (r.beyondCapacity) notes.push(`${r.beyondCapacity} scores beyond the tracked range`);
    if (r.scheduleSlipMaxMs > 50) notes.push(`poster fell behind its schedule by up to ${fmtMs(r.scheduleSlipMaxMs)} ms`);
    if (r.snapshotsTotal) notes.push(`${r.snapshotsTotal} snapshot frames in the window`);
    if (r.fallbacks) notes.push(`${r.fallbacks} frames the viewers' scanner could not read (JSON-parsed instead)`);
    if (r.unexpected) notes.push(`${r.unexpected} rows of agents the viewer was not expected to see`);
    if (r.mismatched) notes.push(`${r.mismatched} viewers' rows wrong at the end, e.g. ${r.mismatchSamples.join("; ")}`);
    notes.push(`viewer-thread event-loop delay p99 ${r.threadLoopDelayP99.map(fmtMs).join("/")} ms`);
    out.push(`- ${audienceLabel(r)}: ${notes.join("; ")}`);
    if (r.perfReport) out.push("", "```", `perf: where workerd's CPU went (${audienceLabel(r)})`, r.perfReport, "```");
  }
  return out;
}

function report(meta: Record<string, string>, ingest: IngestResult[], live: LiveResult[], memory: MemoryRow[]): string {
  const out: string[] = [];
  out.push(`# Floorboard bench — one team Durable Object`, "");
  for (const [k, v] of Object.entries(meta)) out.push(`- ${k}: ${v}`);
  out.push("", "## Summary", "");
  const summaryRows: string[][] = [];
  for (const r of ingest) {
    summaryRows.push([
      `ingest, ${r.batchSize}-event requests ×${r.concurrency} in flight`,
      `**${fmtInt(r.eventsPerSec)} events/s**`,
      `ack p50 ${fmtMs(r.ack.p50)} / p99 ${fmtMs(r.ack.p99)} ms`,
      cpuCell(r.res.worker),
      `${fmtMiB(r.res.memBefore.worker?.rssMiB)} → ${fmtMiB(r.res.memAfter.worker?.rssMiB)}`,
    ]);
  }
  for (const r of live) {
    const views = r.name ? `; top 3 p99 ${fmtMs(r.toLastTracked.p99)}${othersLabel(r) ? ` / ${othersLabel(r)} p99 ${fmtMs(r.toLastOther.p99)}` : ""}; per viewer ${perViewer(r)}` : "";
    summaryRows.push([
      `${audienceLabel(r)}, ${r.rate} events/s`,
      `**p99 ${fmtMs(r.toLast.p99)} ms** event→last viewer (p50 ${fmtMs(r.toLast.p50)}; ${r.frames.mean.toFixed(1)} frames/viewer for ${fmtInt(r.ok)} events${views})`,
      `ack p50 ${fmtMs(r.ack.p50)} / p99 ${fmtMs(r.ack.p99)} ms`,
      cpuCell(r.res.worker),
      `${fmtMiB(r.memBeforeOpen.worker?.rssMiB)} → ${fmtMiB(r.res.memAfter.worker?.rssMiB)}`,
    ]);
  }
  out.push(table(["phase", "result", "ack", "workerd CPU", "workerd RSS"], summaryRows), "");
  const rows: string[][] = [];
  const batch = ingest.find((r) => r.batchSize >= 100);
  if (batch) {
    rows.push([`≥ ${fmtInt(TARGETS.ingestBatchEventsPerSec)} events/s in ${batch.batchSize}-event requests`, `${fmtInt(batch.eventsPerSec)} events/s`, batch.eventsPerSec >= TARGETS.ingestBatchEventsPerSec ? "PASS" : "FAIL"]);
  }
  for (const r of live) {
    const limit = TARGETS.live.get(r.viewers);
    if (limit === undefined || r.name) continue;
    const pass = r.toLast.p99 <= limit && r.incomplete === 0 && r.openFailed === 0 && r.ok >= 0.99 * r.rate * (CONFIG.liveWarmupSeconds + CONFIG.liveSeconds);
    rows.push([
      `${fmtInt(r.viewers)} viewers at ${r.rate} events/s${r.deflate ? " (permessage-deflate, as browsers)" : ""}: p99 event→last viewer ≤ ${limit} ms`,
      `${fmtMs(r.toLast.p99)} ms (warm-up included: ${fmtMs(r.toLastAll.p99)} ms)`,
      pass ? "PASS" : "FAIL",
    ]);
  }
  if (rows.length > 0) out.push("## Targets", "", table(["target", "measured", ""], rows), "");
  out.push(
    "CPU columns: share of one core over the phase for the whole process (busiest thread; and how much of the wall time that thread spent runnable but waiting for a CPU). workerd runs all JS on one thread: near 100% there = its event loop is saturated; a large 'waited' = it was starved by other processes (e.g. the load generator), not saturated.",
    "",
  );

  if (ingest.length > 0) {
    out.push("## 1. Ingest: `POST /v1/events`, closed loop", "");
    out.push(
      table(
        ["request", "concurrency", "seconds", "requests", "events accepted", "**events/s**", "ack p50 ms", "ack p99 ms", "failed", "workerd CPU", "node CPU", "irq CPU", "others' CPU before / during", "workerd RSS before → after", "idle after"],
        ingest.map((r) => [
          `${r.batchSize} event${r.batchSize === 1 ? "" : "s"}`,
          String(r.concurrency),
          r.seconds.toFixed(1),
          fmtInt(r.requests),
          fmtInt(r.accepted),
          `**${fmtInt(r.eventsPerSec)}**`,
          fmtMs(r.ack.p50),
          fmtMs(r.ack.p99),
          String(r.failed),
          cpuCell(r.res.worker),
          cpuCell(r.res.node),
          fmtPct(r.res.irqCores),
          `${fmtPct(r.otherBefore)} / ${fmtPct(r.res.otherCores)}`,
          memCell(r.res.memBefore.worker, r.res.memAfter.worker),
          `${r.quiesceSeconds.toFixed(0)} s`,
        ]),
      ),
      "",
    );
    for (const r of ingest) {
      if (r.failures.size) out.push(`- ${r.name} failures: ${[...r.failures].map(([k, v]) => `${v}× ${k}`).join("; ")}`);
      if (r.perfReport) out.push("", "```", `perf: where workerd's CPU went (ingest ${r.name})`, r.perfReport, "```");
    }
  }

  const fullView = live.filter((r) => !r.name);
  if (fullView.length > 0) {
    out.push("## 2. Live fan-out: event posted → frame showing it at the LAST viewer", "");
    out.push(...liveTables(fullView), "");
  }
  const views = live.filter((r) => r.name);
  if (views.length > 0) {
    out.push(`## 3. Views: one team of ${fmtInt(CONFIG.viewsAgents)} agents, one shared view vs one view per viewer`, "");
    out.push(
      "Each case on a fresh Worker, at the same event rate. An event is timed to the last viewer that may see its agent's row: the top 3 for everyone, the own row for that agent only (under `everyone`, every row for every viewer). 'Wrong at the end' = viewers whose rows, replayed from their frames by place as a client does, differ from the board after the last event.",
      "",
      table(
        ["case", "viewers open", "distinct views", "events ok (measured)", "**to last viewer p50 / p99 / max ms**", "top-3 events p50 / p99 ms", "other events p50 / p99 ms", "frames/s per viewer / total", "KB/s per viewer / MB/s total", "avg frame", "seq gaps / unexpected rows / wrong at the end", "workerd CPU", "workerd RSS before open → open → after posting", "ack p50 / p99 ms"],
        views.map((r) => [
          VIEW_CASES[r.name as ViewCase].title,
          `${fmtInt(r.viewersOpen)}${r.openFailed ? ` (${r.openFailed} failed to open)` : ""}`,
          fmtInt(r.distinctViews),
          `${fmtInt(r.ok)} (${fmtInt(r.ok - r.unmeasured)})`,
          `**${fmtMs(r.toLast.p50)} / ${fmtMs(r.toLast.p99)}** / ${fmtMs(r.toLast.max)}${r.incomplete ? ` (${r.incomplete} never reached all)` : ""}`,
          `${fmtMs(r.toLastTracked.p50)} / ${fmtMs(r.toLastTracked.p99)}`,
          othersLabel(r) ? `${fmtMs(r.toLastOther.p50)} / ${fmtMs(r.toLastOther.p99)} (${othersLabel(r)})` : "–",
          `${(r.frames.mean / r.windowSeconds).toFixed(1)} / ${fmtInt(r.framesTotal / r.windowSeconds)}`,
          `${fmtInt(r.bytesTotal / r.windowSeconds / Math.max(1, r.viewersOpen) / 1e3)} / ${(r.bytesTotal / r.windowSeconds / 1e6).toFixed(1)}`,
          `${fmtInt(r.bytesTotal / Math.max(1, r.framesTotal))} B`,
          `${r.gaps} / ${r.unexpected} / ${r.mismatched}`,
          cpuCell(r.res.worker),
          `${fmtMiB(r.memBeforeOpen.worker?.rssMiB)} → ${fmtMiB(r.res.memBefore.worker?.rssMiB)} → ${fmtMiB(r.res.memAfter.worker?.rssMiB)}`,
          `${fmtMs(r.ack.p50)} / ${fmtMs(r.ack.p99)}`,
        ]),
      ),
      "",
      ...liveTables(views),
      "",
    );
  }

  out.push("## 4. workerd memory (RSS)", "");
  out.push(
    table(
      ["run", "process", "after seeding", "at the end (viewers still open)", "peak (VmHWM)"],
      memory.flatMap((m) =>
        (["worker", "proxy"] as const).map((role) => [
          m.label,
          role === "worker" ? "user worker (DOs, D1, routes)" : "wrangler ProxyWorker",
          fmtMiB(m.start[role]?.rssMiB),
          fmtMiB(m.end[role]?.rssMiB),
          fmtMiB(m.end[role]?.hwmMiB),
        ]),
      ),
    ),
    "",
    "Per-socket RSS: see the open → after-posting columns of the live table (workerd does not hand freed memory back, so only growth is meaningful).",
    "",
  );

  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// Main

interface Setup {
  demo: DemoOrg;
  boardId: string;
  /** The team's agents: the index order of every per-agent array. */
  agents: string[];
  /** The board's metric, which the live stages post. */
  metric: string;
  memStart: Resources["mem"];
}

/** A fresh Worker on a fresh state directory, the demo org seeded, caches warm. */
async function startAndSeed(): Promise<Setup> {
  persistDir = mkdtempSync(path.join(os.tmpdir(), "floorboard-bench-"));
  const bootstrapSecret = randomBytes(24).toString("base64url");
  log(`starting the Worker (state in ${persistDir})…`);
  worker = await startLocalWorker({
    port: 0,
    via: "direct",
    logLevel: "warn",
    persistTo: persistDir,
    bindings: { BOOTSTRAP_SECRET: bootstrapSecret, VIEWER_TOKEN_SECRET: randomBytes(32).toString("base64url"), SOURCE_SECRETS_KEY: randomBytes(32).toString("base64url") },
  });
  workerd = findOwnWorkerd(worker.directUrl);
  log(`worker at ${worker.url}; workerd ${workerd.map((p) => `${p.role}=${p.pid}`).join(", ")}`);
  if (!new URL(worker.url).hostname.startsWith("127.")) throw new Error(`expected a 127.0.0.1 URL, got ${worker.url}`);
  checkAborted();

  log(`seeding the demo org (${CONFIG.agents} agents per team)…`);
  const demo = await seedDemo(worker.url, bootstrapSecret, { agentsPerTeam: CONFIG.agents, scorecardAndRollups: false, recognition: CONFIG.recognition });
  ingestKeys = await mintKeys(worker.url, demo.adminKey, 16, "ingest");
  adminKeys = await mintKeys(worker.url, demo.adminKey, 8, "admin");
  const team = demo.teams[0]!;
  const board = demo.boards.find((b) => b.teamId === team.id && b.metric === METRIC && b.period === "day")!;
  const agents = team.agents;
  log(`team ${team.id} (${agents.length} agents), board ${board.id}`);

  // Warm-up: caches (keys, agents, metrics) and the DO's configuration.
  const poster = new EventPoster(worker.url, ingestKeys, 4);
  posters.push(poster);
  for (let i = 0; i < 20; i++) {
    const r = await poster.post(eventsBody([{ id: nextEventId("warm"), agent: agents[i % agents.length]!, metric: METRIC, value: 1, occurredAt: new Date().toISOString() }]));
    if (r.status !== 202) throw new Error(`warm-up POST /v1/events -> ${r.status}: ${r.body}`);
  }
  poster.close();
  await quiesce("warm-up");
  return { demo, boardId: board.id, agents, metric: METRIC, memStart: resources().mem };
}

/** Who watches a live series, and which agents its events go to. */
interface Audience {
  /** "" for the read-key series; else the view case, shown in tables and file names. */
  name: string;
  setup: Setup;
  deflate: boolean;
  /** The agents every viewer may see besides its own (ViewerInit.shared); null = all. */
  shared: number[] | null;
  /** Agents whose events every viewer sees (the top 3), whose latency is reported apart. */
  tracked: number[];
  /** The sockets of viewers from (inclusive) to (exclusive). */
  targets(from: number, to: number): ViewerTarget[];
  /** The agent (index) of the n-th event a stage posts. */
  agentOf(n: number): number;
  /** How many views the board projects for this many open viewers. */
  distinctViews(viewers: number): number;
  /** The measured window of each stage (after the warm-up). */
  seconds: number;
  threads: number;
}

const liveUrl = (boardId: string, token: string) => `${worker!.url.replace(/^http/, "ws")}/v1/boards/${boardId}/live?token=${encodeURIComponent(token)}`;

/** Phase 2: every viewer uses the read key (one shared full view); events round-robin over the agents. */
function readKeyAudience(setup: Setup, deflate: boolean): Audience {
  const url = liveUrl(setup.boardId, setup.demo.readKey);
  return {
    name: "",
    setup,
    deflate,
    shared: null,
    tracked: [],
    targets: (from, to) => Array.from({ length: to - from }, () => ({ url, me: -1 })),
    agentOf: (n) => n % setup.agents.length,
    distinctViews: () => 1,
    seconds: CONFIG.liveSeconds,
    threads: deflate ? CONFIG.viewerThreadsDeflate : CONFIG.viewerThreads,
  };
}

/**
 * Phase 3's team. Starting scores put LEADERS agents far ahead (1000, 995, 990…), so they hold the
 * top 3 throughout and every viewer may see them; the others start at 1-50. Of the posted events
 * LEADER_SHARE go to the leaders (who overtake each other), the rest are spread at random over the
 * others, whose ranks and places then move on every tick: each agent's own row keeps changing.
 */
const FLOOR = { teamId: "bench-floor", departmentId: "care", metric: "sales", leaders: 3, leaderShare: 0.15 };

/** A stable pseudo-random number in [0, 1) for n: the views series posts the same events every run. */
function unit(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

async function floorAudience(setup: Setup, name: ViewCase): Promise<Audience> {
  const { role, mode } = VIEW_CASES[name];
  const { demo } = setup;
  const admin = <T>(method: string, route: string, body?: unknown) => api<T>(demo.adminKey, method, route, body);
  const agents = Array.from({ length: CONFIG.viewsAgents }, (_, i) => `floor-${i + 1}`);
  const boardId = `${FLOOR.teamId}-${FLOOR.metric}-day`;
  log(`views '${name}': team ${FLOOR.teamId} (${agents.length} agents), board ${boardId} in mode ${mode}…`);
  await admin("POST", "/v1/teams", { id: FLOOR.teamId, name: "Bench floor", departmentId: FLOOR.departmentId });
  for (let i = 0; i < agents.length; i += 1000) {
    await admin("PUT", "/v1/agents", { agents: agents.slice(i, i + 1000).map((id) => ({ id, name: `Floor ${id.slice(6)}`, teamId: FLOOR.teamId })) });
  }
  await admin("POST", "/v1/boards", { id: boardId, teamId: FLOOR.teamId, metric: FLOOR.metric, period: "day" });
  await admin("PATCH", `/v1/boards/${boardId}/visibility`, { mode, n: FLOOR.leaders });

  const poster = new EventPoster(worker!.url, ingestKeys, 4);
  posters.push(poster);
  const occurredAt = new Date().toISOString();
  const start = agents.map((agent, a) => ({
    id: nextEventId("floor"),
    agent,
    metric: FLOOR.metric,
    value: a < FLOOR.leaders ? 1000 - 5 * a : 1 + Math.floor(unit(1_000_000 + a) * 50),
    occurredAt,
  }));
  for (let i = 0; i < start.length; i += 1000) {
    const r = await poster.post(eventsBody(start.slice(i, i + 1000)));
    if (r.status !== 202) throw new Error(`starting scores: POST /v1/events -> ${r.status}: ${r.body}`);
  }
  poster.close();

  const viewers = CONFIG.viewsLive.reduce((m, s) => Math.max(m, s.viewers), 0);
  const mintStarted = nowMs();
  const tokens: string[] = new Array(viewers);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < viewers; i = next++) {
      const body = role === "agent" ? { role, agentId: agents[i % agents.length]! } : { role, name: `Wallboard ${i + 1}`, boardIds: [boardId] };
      tokens[i] = (await mintToken(worker!.url, adminKeys[i % adminKeys.length]!, body)).token;
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  log(`  ${viewers} ${role} tokens minted in ${((nowMs() - mintStarted) / 1000).toFixed(1)} s`);
  await quiesce("starting scores");

  const leaders = Array.from({ length: FLOOR.leaders }, (_, a) => a);
  const A = agents.length;
  return {
    name,
    setup: { demo, boardId, agents, metric: FLOOR.metric, memStart: resources().mem },
    deflate: false,
    shared: mode === "everyone" ? null : leaders,
    tracked: leaders,
    targets: (from, to) =>
      tokens.slice(from, to).map((token, j) => ({ url: liveUrl(boardId, token), me: role === "agent" ? (from + j) % A : -1 })),
    agentOf: (n) => {
      const u = unit(n);
      if (u < FLOOR.leaderShare) return Math.floor((u / FLOOR.leaderShare) * FLOOR.leaders);
      return FLOOR.leaders + Math.floor(((u - FLOOR.leaderShare) / (1 - FLOOR.leaderShare)) * (A - FLOOR.leaders));
    },
    distinctViews: (open) => (role === "agent" ? Math.min(open, A) : 1),
    seconds: CONFIG.viewsSeconds,
    threads: CONFIG.viewerThreadsViews,
  };
}

/** One series of live stages on one pool of viewer threads, growing the audience stage by stage. */
async function liveSeries(audience: Audience, stages: { viewers: number; rate: number }[], live: LiveResult[]): Promise<Resources["mem"]> {
  const init: ViewerInit = { agentIds: audience.setup.agents, deflate: audience.deflate, shared: audience.shared };
  const pool = Array.from({ length: audience.threads }, () => new ViewerThread(init));
  let current = 0;
  for (const stage of stages) {
    live.push(await liveStage(audience, pool, current, stage));
    current = stage.viewers;
  }
  const memEnd = resources().mem;
  log("closing viewers…");
  await Promise.all(pool.map((t) => t.ask<"closed">({ type: "close" }, 60_000)));
  await Promise.all(pool.map((t) => t.terminate()));
  return memEnd;
}

async function main(): Promise<number> {
  const ingest: IngestResult[] = [];
  const live: LiveResult[] = [];
  const memory: MemoryRow[] = [];
  const setups: string[] = [];
  if (!CONFIG.skipIngest || CONFIG.live.length > 0) {
    const setup = await startAndSeed();
    setups.push(describeSetup(setup));
    if (!CONFIG.skipIngest) {
      ingest.push(await ingestPhase(setup.demo, setup.agents, "single", 1, CONFIG.singleConcurrency, CONFIG.ingestSeconds));
      ingest.push(await ingestPhase(setup.demo, setup.agents, `batch${CONFIG.batchSize}`, CONFIG.batchSize, CONFIG.batchConcurrency, CONFIG.ingestSeconds));
    }
    let memEnd = resources().mem;
    if (CONFIG.live.length > 0) memEnd = await liveSeries(readKeyAudience(setup, CONFIG.deflate), CONFIG.live, live);
    memory.push({ label: "ingest + live series", start: setup.memStart, end: memEnd });
  }
  // workerd keeps freed memory, so each later series gets a fresh Worker for a clean RSS figure.
  if (CONFIG.liveDeflate.length > 0) {
    await stopWorker();
    log("a fresh Worker for the permessage-deflate series…");
    const fresh = await startAndSeed();
    setups.push(describeSetup(fresh));
    const end = await liveSeries(readKeyAudience(fresh, true), CONFIG.liveDeflate, live);
    memory.push({ label: "permessage-deflate series (fresh Worker)", start: fresh.memStart, end });
  }
  for (const name of CONFIG.views) {
    await stopWorker();
    log(`a fresh Worker for the views case '${name}'…`);
    const audience = await floorAudience(await startAndSeed(), name);
    if (setups.length === 0 || !setups.at(-1)!.startsWith("views")) setups.push(describeSetup(audience.setup, true));
    const end = await liveSeries(audience, CONFIG.viewsLive, live);
    memory.push({ label: `views: ${VIEW_CASES[name].title} (fresh Worker)`, start: audience.setup.memStart, end });
  }
  return finish(setups, ingest, live, memory);
}

function describeSetup(setup: Setup, views = false): string {
  if (!views) {
    return `org ${setup.demo.orgId}, team ${setup.demo.teams[0]!.id} (${setup.agents.length} agents), board ${setup.boardId} (count, day); events on ${setup.metric}, value 1, round-robin over the agents`;
  }
  return (
    `views (section 3, a fresh Worker and demo org per case): team ${FLOOR.teamId} (${setup.agents.length} agents), board ${setup.boardId} (${FLOOR.metric}: sum, day), ` +
    `visibility top_n_and_me n=${FLOOR.leaders} ('everyone' for the everyone case); starting scores ${FLOOR.leaders} leaders at 1000/995/990…, the others 1-50; ` +
    `events value 1, ${fmtPct(FLOOR.leaderShare)} to the leaders, the rest at random over the others (the same sequence every run)`
  );
}

interface MemoryRow {
  label: string;
  start: Resources["mem"];
  end: Resources["mem"];
}

function finish(setups: string[], ingest: IngestResult[], live: LiveResult[], memory: MemoryRow[]): number {
  const cpu = os.cpus();
  let workerdVersion = "";
  try {
    const pkg = JSON.parse(readFileSync(path.join(BENCH_DIR, "../node_modules/wrangler/package.json"), "utf8")) as { version: string };
    workerdVersion = `wrangler ${pkg.version}`;
  } catch {
    // informational only
  }
  const meta = {
    date: new Date().toISOString(),
    machine: `${cpu.length} × ${cpu[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${workerdVersion}`,
    command: "npm run bench",
    setup: setups.join("; "),
    viewers: `ws package in ${CONFIG.viewerThreads} worker thread(s) (${CONFIG.viewerThreadsDeflate} for deflate rows, ${CONFIG.viewerThreadsViews} for views); phases 2-3: every viewer uses the read key (one shared full view); permessage-deflate ${CONFIG.deflate ? "offered" : "not offered"} in the main stages${CONFIG.liveDeflate.length ? ", offered in the rows marked 'deflate' (as browsers do; locally Miniflare's entry worker accepts it whatever the app's compatibility flags)" : ""}; views: one viewer token per socket (POST /v1/tokens), a display token (boardIds) per wallboard, an agent token per agent (viewer i is agent i)`,
    "live posting": CONFIG.liveBatchMs > 0 ? `one POST every ${CONFIG.liveBatchMs} ms carrying the events due at the rate (≤ ${CONFIG.livePostConcurrency} in flight)` : `one POST per event (≤ ${CONFIG.livePostConcurrency} in flight)`,
    latency: `post time = just before the request is written; a viewer "has" event k of an agent when a snapshot/update frame shows that agent's score ≥ base + k; each stage posts ${CONFIG.liveWarmupSeconds} s of warm-up at the same rate before its ${CONFIG.liveSeconds} s window (${CONFIG.viewsSeconds} s for views; the warm-up's events are shown apart; per-event latencies in bench/results/latency-*.csv). Views: an event is timed to the last viewer that may see its agent's row (a wallboard: the top 3; an agent: the top 3 and their own row; under everyone: every row); events no viewer may see are not measured`,
  };
  const text = report(meta, ingest, live, memory);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, "latest.md"), text + "\n");
  console.log(`\n${text}\n\n(written to ${path.relative(process.cwd(), path.join(RESULTS_DIR, "latest.md"))})`);
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  console.error("bench failed:", error);
  code = 1;
} finally {
  log("stopping the worker…");
  await cleanup();
  clearTimeout(globalTimer);
}
process.exit(code);
