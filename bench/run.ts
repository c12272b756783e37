// `npm run bench`: load and latency of ONE team Durable Object, end to end through the Worker.
//
// Starts the Worker the way `npm start` does (startLocalWorker: workerd, inspector off, migrations
// applied) on a fresh temporary state directory, seeds a demo org, and measures one team's
// TeamBoard DO (team sales-north, BENCH_AGENTS agents, board sales-north-contacts-handled-day):
//   1. ingest: events/s accepted and ack latency, single-event and 100-event POST /v1/events,
//      closed loop with bounded concurrency, bounded time;
//   2. live: N WebSocket viewers on the board (held by worker threads), events posted at a fixed
//      rate, latency from posting an event to the LAST viewer receiving a frame that shows it;
//   3. workerd memory (RSS) and CPU (whole process and busiest thread) per phase.
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
//   BENCH_KEEP_STATE=0  BENCH_MAX_SECONDS=900
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { type DemoOrg, seedDemo } from "../scripts/demo.ts";
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
import type { ViewerCommand, ViewerInit, ViewerReply, WindowResult } from "./viewer-protocol.ts";

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
  drainMaxSeconds: 10,
  maxSeconds: env("BENCH_MAX_SECONDS", 900),
  /** Keep the temporary state directory (D1 and DO SQLite files) for inspection. */
  keepState: env("BENCH_KEEP_STATE", 0) !== 0,
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

let eventCounter = 0;
const runId = randomBytes(4).toString("hex");
const nextEventId = (tag: string) => `bench-${runId}-${tag}-${++eventCounter}`;

async function ingestPhase(demo: DemoOrg, agents: string[], name: string, batchSize: number, concurrency: number, seconds: number): Promise<IngestResult> {
  checkAborted();
  const otherBefore = await waitForQuietMachine(`ingest ${name}`);
  log(`ingest ${name}: ${batchSize} event(s)/request, concurrency ${concurrency}, ${seconds} s`);
  const poster = new EventPoster(worker!.url, demo.ingestKey, concurrency);
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
  viewers: number;
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
  /** Events posted after the warm-up; `toLastAll` includes the warm-up's. */
  toLast: ReturnType<typeof summary>;
  toLastAll: ReturnType<typeof summary>;
  toFirst: ReturnType<typeof summary>;
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

async function boardScores(demo: DemoOrg, boardId: string, agents: string[]): Promise<number[]> {
  const res = await fetch(`${worker!.url}/v1/boards/${boardId}`, { headers: { authorization: `Bearer ${demo.readKey}` } });
  if (!res.ok) throw new Error(`GET /v1/boards/${boardId} -> ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { snapshot: { rows: { agent: { id: string }; score: number }[] } };
  const byAgent = new Map(body.snapshot.rows.map((r) => [r.agent.id, r.score]));
  return agents.map((a) => byAgent.get(a) ?? 0);
}

async function openViewers(pool: ViewerThread[], count: number) {
  const per = pool.map((_, i) => Math.floor(count / pool.length) + (i < count % pool.length ? 1 : 0));
  const concurrency = Math.max(1, Math.ceil(CONFIG.openConcurrency / pool.length));
  const replies = await Promise.all(
    pool.map((t, i) => t.ask<"opened">({ type: "open", count: per[i]!, concurrency, timeoutMs: 30_000 }, 600_000)),
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

async function liveStage(
  demo: DemoOrg,
  boardId: string,
  agents: string[],
  pool: ViewerThread[],
  currentViewers: number,
  stage: { viewers: number; rate: number },
): Promise<LiveResult> {
  checkAborted();
  const A = agents.length;
  const memBeforeOpen = resources().mem;
  const openBefore = resources();
  const toOpen = stage.viewers - currentViewers;
  const label = `live ${stage.viewers} viewers${pool[0]!.deflate ? " (permessage-deflate)" : ""}`;
  log(`${label}: opening ${toOpen} more WebSocket(s) (concurrency ${CONFIG.openConcurrency})…`);
  const openStarted = nowMs();
  const opened = await openViewers(pool, toOpen);
  const openSeconds = (nowMs() - openStarted) / 1000;
  const openRes = delta(openBefore, resources());
  log(`  ${opened.ok} opened, ${opened.failed} failed in ${openSeconds.toFixed(1)} s; ${opened.open} open in total${opened.failures.length ? `; e.g. ${opened.failures[0]}` : ""}`);
  await quiesce("after opening viewers");
  const otherBefore = await waitForQuietMachine(label);
  checkAborted();

  const base = await boardScores(demo, boardId, agents);
  const postSeconds0 = CONFIG.liveWarmupSeconds + CONFIG.liveSeconds;
  const total = Math.round(stage.rate * postSeconds0);
  const cap = Math.ceil(total / A) + 16;
  const starts = await Promise.all(pool.map((t) => t.ask<"started">({ type: "start", base, capacity: cap })));
  const staleAtStart = starts.reduce((n, r) => n + r.stale, 0);

  const poster = new EventPoster(worker!.url, demo.ingestKey, CONFIG.livePostConcurrency);
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
    `  posting ${stage.rate} events/s (${CONFIG.liveBatchMs > 0 ? `one request every ${CONFIG.liveBatchMs} ms with the events due` : "single-event requests"}) for ${CONFIG.liveWarmupSeconds} s warm-up + ${CONFIG.liveSeconds} s…`,
  );
  const perf = CONFIG.perf && pidOf("worker") ? perfRecord(pidOf("worker")!, Math.max(1, postSeconds0 - 2), `${stage.viewers}v${pool[0]!.deflate ? "-deflate" : ""}`) : null;
  const before = resources();
  const t0 = nowMs();
  let i = 0;
  const send = (ns: number[]) => {
    const occurredAt = new Date().toISOString();
    const slots: number[] = [];
    const events = ns.map((n) => {
      const a = n % A;
      slots.push(a * cap + postedPerAgent[a]!++);
      return { id: nextEventId(`live${stage.viewers}`), agent: agents[a]!, metric: METRIC, value: 1, occurredAt };
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
  const ends = await Promise.all(pool.map((t) => t.ask<"ended">({ type: "end" })));
  poster.close();
  const perfReport = perf ? await perf : null;

  // Merge the threads' views: an event's latency is its latest first-sight over all viewers.
  const results: WindowResult[] = ends.map((e) => e.result);
  const viewersOpen = results.reduce((n, r) => n + r.open, 0);
  const toLast: number[] = [];
  const toFirst: number[] = [];
  const toLastWarmup: number[] = [];
  const warmupEnd = t0 + CONFIG.liveWarmupSeconds * 1000;
  const csv: string[] = ["post_ms,agent,k,to_first_ms,to_last_ms"];
  let incomplete = 0;
  for (let j = 0; j < A * cap; j++) {
    if (!okAt[j]) continue;
    let seenBy = 0;
    let lastT = -Infinity;
    let firstT = Infinity;
    for (const r of results) {
      seenBy += r.count[j]!;
      if (r.last[j]! > lastT) lastT = r.last[j]!;
      if (r.first[j]! < firstT) firstT = r.first[j]!;
    }
    if (seenBy < viewersOpen || !Number.isFinite(lastT)) {
      incomplete++;
      continue;
    }
    if (postAt[j]! < warmupEnd) {
      toLastWarmup.push(lastT - postAt[j]!);
    } else {
      toLast.push(lastT - postAt[j]!);
      toFirst.push(firstT - postAt[j]!);
    }
    csv.push(`${(postAt[j]! - t0).toFixed(1)},${agents[Math.floor(j / cap)]},${(j % cap) + 1},${(firstT - postAt[j]!).toFixed(1)},${(lastT - postAt[j]!).toFixed(1)}`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, `latency-${stage.viewers}${pool[0]!.deflate ? "-deflate" : ""}.csv`), csv.join("\n") + "\n");
  const framesPerViewer = results.flatMap((r) => Array.from(r.framesPerViewer));
  const closeCodes: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.closeCodes)) closeCodes[k] = (closeCodes[k] ?? 0) + v;

  const result: LiveResult = {
    viewers: stage.viewers,
    deflate: pool[0]!.deflate,
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
      `node ${cpuCell(result.res.node)}, viewer threads ELU ${result.threadElu.map(fmtPct).join("/")}`,
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
    summaryRows.push([
      `${fmtInt(r.viewersOpen)} viewers${r.deflate ? " (deflate)" : ""}, ${r.rate} events/s`,
      `**p99 ${fmtMs(r.toLast.p99)} ms** event→last viewer (p50 ${fmtMs(r.toLast.p50)}; ${r.frames.mean.toFixed(1)} frames/viewer for ${fmtInt(r.ok)} events)`,
      `ack p50 ${fmtMs(r.ack.p50)} / p99 ${fmtMs(r.ack.p99)} ms`,
      cpuCell(r.res.worker),
      `${fmtMiB(r.memBeforeOpen.worker?.rssMiB)} → ${fmtMiB(r.res.memAfter.worker?.rssMiB)}`,
    ]);
  }
  out.push(table(["phase", "result", "ack", "workerd CPU", "workerd RSS"], summaryRows), "");
  out.push("## Targets", "");
  const rows: string[][] = [];
  const batch = ingest.find((r) => r.batchSize >= 100);
  if (batch) {
    rows.push([`≥ ${fmtInt(TARGETS.ingestBatchEventsPerSec)} events/s in ${batch.batchSize}-event requests`, `${fmtInt(batch.eventsPerSec)} events/s`, batch.eventsPerSec >= TARGETS.ingestBatchEventsPerSec ? "PASS" : "FAIL"]);
  }
  for (const r of live) {
    const limit = TARGETS.live.get(r.viewers);
    if (limit === undefined) continue;
    const pass = r.toLast.p99 <= limit && r.incomplete === 0 && r.openFailed === 0 && r.ok >= 0.99 * r.rate * (CONFIG.liveWarmupSeconds + CONFIG.liveSeconds);
    rows.push([
      `${fmtInt(r.viewers)} viewers at ${r.rate} events/s${r.deflate ? " (permessage-deflate, as browsers)" : ""}: p99 event→last viewer ≤ ${limit} ms`,
      `${fmtMs(r.toLast.p99)} ms (warm-up included: ${fmtMs(r.toLastAll.p99)} ms)`,
      pass ? "PASS" : "FAIL",
    ]);
  }
  out.push(table(["target", "measured", ""], rows), "");
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

  if (live.length > 0) {
    out.push("## 2. Live fan-out: event posted → frame showing it at the LAST viewer", "");
    out.push(
      table(
        ["viewers open", "rate target / achieved", "events ok", "**to last viewer p50 / p99 / max ms** (after warm-up)", "to last viewer p99, warm-up included", "to first viewer p50 / p99 ms", "ack p50 / p99 ms", "frames per viewer (events per frame)", "deliveries/s", "errors / closes / seq gaps", "workerd CPU", "viewer threads ELU", "node CPU", "irq CPU", "others' CPU before / during"],
        live.map((r) => [
          `${fmtInt(r.viewersOpen)}${r.deflate ? " deflate" : ""}${r.openFailed ? ` (${r.openFailed} failed to open)` : ""}`,
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
          `${fmtInt(r.viewers)}${r.deflate ? " deflate" : ""}`,
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
      notes.push(`viewer-thread event-loop delay p99 ${r.threadLoopDelayP99.map(fmtMs).join("/")} ms`);
      out.push(`- ${fmtInt(r.viewers)} viewers${r.deflate ? " (deflate)" : ""}: ${notes.join("; ")}`);
      if (r.perfReport) out.push("", "```", `perf: where workerd's CPU went (${r.viewers} viewers${r.deflate ? ", deflate" : ""})`, r.perfReport, "```");
    }
    out.push("");
  }

  out.push("## 3. workerd memory (RSS)", "");
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
  agents: string[];
  memStart: Resources["mem"];
}

/** A fresh Worker on a fresh state directory, the demo org seeded, caches warm. */
async function startAndSeed(): Promise<Setup> {
  persistDir = mkdtempSync(path.join(os.tmpdir(), "floorboard-bench-"));
  const bootstrapSecret = randomBytes(24).toString("base64url");
  log(`starting the Worker (state in ${persistDir})…`);
  worker = await startLocalWorker({ port: 0, via: "direct", logLevel: "warn", persistTo: persistDir, bindings: { BOOTSTRAP_SECRET: bootstrapSecret } });
  workerd = findOwnWorkerd(worker.directUrl);
  log(`worker at ${worker.url}; workerd ${workerd.map((p) => `${p.role}=${p.pid}`).join(", ")}`);
  if (!new URL(worker.url).hostname.startsWith("127.")) throw new Error(`expected a 127.0.0.1 URL, got ${worker.url}`);
  checkAborted();

  log(`seeding the demo org (${CONFIG.agents} agents per team)…`);
  const demo = await seedDemo(worker.url, bootstrapSecret, { agentsPerTeam: CONFIG.agents });
  const team = demo.teams[0]!;
  const board = demo.boards.find((b) => b.teamId === team.id && b.metric === METRIC && b.period === "day")!;
  const agents = team.agents;
  log(`team ${team.id} (${agents.length} agents), board ${board.id}`);

  // Warm-up: caches (keys, agents, metrics) and the DO's configuration.
  const poster = new EventPoster(worker.url, demo.ingestKey, 4);
  posters.push(poster);
  for (let i = 0; i < 20; i++) {
    const r = await poster.post(eventsBody([{ id: nextEventId("warm"), agent: agents[i % agents.length]!, metric: METRIC, value: 1, occurredAt: new Date().toISOString() }]));
    if (r.status !== 202) throw new Error(`warm-up POST /v1/events -> ${r.status}: ${r.body}`);
  }
  poster.close();
  await quiesce("warm-up");
  return { demo, boardId: board.id, agents, memStart: resources().mem };
}

/** One series of live stages on one pool of viewer threads, growing the audience stage by stage. */
async function liveSeries(setup: Setup, stages: { viewers: number; rate: number }[], deflate: boolean, live: LiveResult[]): Promise<Resources["mem"]> {
  const wsUrl = `${worker!.url.replace(/^http/, "ws")}/v1/boards/${setup.boardId}/live?token=${encodeURIComponent(setup.demo.readKey)}`;
  const threadCount = deflate ? CONFIG.viewerThreadsDeflate : CONFIG.viewerThreads;
  const pool = Array.from({ length: threadCount }, () => new ViewerThread({ url: wsUrl, agentIds: setup.agents, deflate }));
  let current = 0;
  for (const stage of stages) {
    live.push(await liveStage(setup.demo, setup.boardId, setup.agents, pool, current, stage));
    current = stage.viewers;
  }
  const memEnd = resources().mem;
  log("closing viewers…");
  await Promise.all(pool.map((t) => t.ask<"closed">({ type: "close" }, 60_000)));
  await Promise.all(pool.map((t) => t.terminate()));
  return memEnd;
}

async function main(): Promise<number> {
  const setup = await startAndSeed();
  const ingest: IngestResult[] = [];
  if (!CONFIG.skipIngest) {
    ingest.push(await ingestPhase(setup.demo, setup.agents, "single", 1, CONFIG.singleConcurrency, CONFIG.ingestSeconds));
    ingest.push(await ingestPhase(setup.demo, setup.agents, `batch${CONFIG.batchSize}`, CONFIG.batchSize, CONFIG.batchConcurrency, CONFIG.ingestSeconds));
  }
  const live: LiveResult[] = [];
  let memEnd = resources().mem;
  if (CONFIG.live.length > 0) memEnd = await liveSeries(setup, CONFIG.live, CONFIG.deflate, live);
  const memory: MemoryRow[] = [{ label: "ingest + live series", start: setup.memStart, end: memEnd }];
  if (CONFIG.liveDeflate.length > 0) {
    // workerd keeps freed memory, so the deflate series gets a fresh Worker for a clean RSS figure.
    log("restarting the Worker for the permessage-deflate series…");
    await stopWorker();
    const fresh = await startAndSeed();
    const end = await liveSeries(fresh, CONFIG.liveDeflate, true, live);
    memory.push({ label: "permessage-deflate series (fresh Worker)", start: fresh.memStart, end });
    return finish(fresh.demo, fresh.boardId, ingest, live, memory);
  }
  return finish(setup.demo, setup.boardId, ingest, live, memory);
}

interface MemoryRow {
  label: string;
  start: Resources["mem"];
  end: Resources["mem"];
}

function finish(demo: DemoOrg, boardId: string, ingest: IngestResult[], live: LiveResult[], memory: MemoryRow[]): number {
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
    setup: `org ${demo.orgId}, team ${demo.teams[0]!.id} (${demo.teams[0]!.agents.length} agents), board ${boardId} (count, day); events on ${METRIC}, value 1, round-robin over the agents`,
    viewers: `ws package in ${CONFIG.viewerThreads} worker thread(s) (${CONFIG.viewerThreadsDeflate} for deflate rows); every viewer uses the read key (one shared view); permessage-deflate ${CONFIG.deflate ? "offered" : "not offered"} in the main stages${CONFIG.liveDeflate.length ? ", offered in the rows marked 'deflate' (as browsers do; locally Miniflare's entry worker accepts it whatever the app's compatibility flags)" : ""}`,
    "live posting": CONFIG.liveBatchMs > 0 ? `one POST every ${CONFIG.liveBatchMs} ms carrying the events due at the rate (≤ ${CONFIG.livePostConcurrency} in flight)` : `one POST per event (≤ ${CONFIG.livePostConcurrency} in flight)`,
    latency: `post time = just before the request is written; a viewer "has" event k of an agent when a snapshot/update frame shows that agent's score ≥ base + k; each stage posts ${CONFIG.liveWarmupSeconds} s of warm-up at the same rate before its ${CONFIG.liveSeconds} s window (the warm-up's events are shown apart; per-event latencies in bench/results/latency-*.csv)`,
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
