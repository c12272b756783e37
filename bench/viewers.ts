// A worker thread that holds a share of the bench's WebSocket viewers and timestamps, per viewer,
// when each (agent, score) first appears in a frame. Every viewer of a view receives the identical
// frame text, so a frame is JSON-parsed once per distinct text (a small cache) and each viewer's
// work is a Map lookup plus a loop over the changed rows.
//
// Protocol (parentPort messages): see ViewerCommand / ViewerReply in ./viewer-protocol.ts.
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import WebSocket from "ws";
import type { ViewerCommand, ViewerInit, ViewerReply, WindowResult } from "./viewer-protocol.ts";
import { nowMs } from "./lib/stats.ts";

const init = workerData as ViewerInit;
const port = parentPort!;
const A = init.agentIds.length;
const agentIndex = new Map(init.agentIds.map((id, i) => [id, i]));

interface Parsed {
  type: string;
  seq: number;
  agents: Int32Array;
  scores: Float64Array;
  code?: string;
}

interface Viewer {
  ws: WebSocket;
  open: boolean;
  seq: number;
  /** Highest score seen per agent. */
  seen: Float64Array;
  frames: number;
  snapshots: number;
  gotSnapshot: boolean;
  /** The `error` frame's code, if the server refused the socket before any snapshot. */
  refusal?: string;
}

const viewers: Viewer[] = [];
const cache = new Map<string, Parsed>();
let distinctFrames = 0;

// Measurement window state.
let measuring = false;
let base = new Float64Array(A);
let cap = 0;
let last = new Float64Array(0);
let first = new Float64Array(0);
let count = new Int32Array(0);
let windowErrors = 0;
let windowCloses = 0;
let gaps = 0;
let regressions = 0;
let bytes = 0;
let frames = 0;
let beyondCapacity = 0;
const errorSamples: string[] = [];
const closeCodes = new Map<string, number>();
let elu0 = performance.eventLoopUtilization();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function note(kind: string, detail: string): void {
  if (errorSamples.length < 8) errorSamples.push(`${kind}: ${detail}`);
}

function parse(text: string): Parsed {
  let frame: { type?: string; seq?: number; rows?: unknown; changed?: unknown; code?: string };
  try {
    frame = JSON.parse(text);
  } catch {
    return { type: "invalid", seq: -1, agents: new Int32Array(0), scores: new Float64Array(0) };
  }
  const rows = (frame.type === "snapshot" ? frame.rows : frame.type === "update" ? frame.changed : []) as
    | { agent?: { id?: string }; score?: number }[]
    | undefined;
  const list = Array.isArray(rows) ? rows : [];
  const agents = new Int32Array(list.length);
  const scores = new Float64Array(list.length);
  let n = 0;
  for (const row of list) {
    const a = agentIndex.get(row.agent?.id ?? "");
    if (a === undefined || typeof row.score !== "number") continue;
    agents[n] = a;
    scores[n] = row.score;
    n++;
  }
  return { type: frame.type ?? "unknown", seq: frame.seq ?? -1, agents: agents.subarray(0, n), scores: scores.subarray(0, n), code: frame.code };
}

function onFrame(v: Viewer, data: WebSocket.RawData): void {
  const t = nowMs();
  const buf = data as Buffer;
  bytes += buf.length;
  // Latin-1 decoding is a plain byte copy: a cheap, exact key for identical frames (UTF-8 only on a miss).
  const key = buf.toString("latin1");
  let f = cache.get(key);
  if (!f) {
    f = parse(buf.toString());
    distinctFrames++;
    if (cache.size >= 512) cache.delete(cache.keys().next().value!);
    cache.set(key, f);
  }
  v.frames++;
  if (measuring) frames++;
  if (f.type === "update") {
    if (v.seq >= 0 && f.seq !== v.seq + 1) gaps++;
    v.seq = f.seq;
  } else if (f.type === "snapshot") {
    v.seq = f.seq;
    v.snapshots++;
    v.gotSnapshot = true;
  } else if (f.type === "error") {
    if (!v.gotSnapshot) v.refusal = f.code ?? "error";
    if (measuring) windowErrors++;
    note("error frame", f.code ?? key.slice(0, 120));
    return;
  } else {
    return;
  }
  const seen = v.seen;
  const { agents, scores } = f;
  for (let i = 0; i < agents.length; i++) {
    const a = agents[i]!;
    const s = scores[i]!;
    const prev = seen[a]!;
    if (s <= prev) {
      if (s < prev && f.type === "update") regressions++;
      continue;
    }
    seen[a] = s;
    if (!measuring) continue;
    const b = base[a]!;
    // Every score in (max(prev, base), s] is now visible to this viewer: the k-th event since the
    // window started (k = score - base) reached it at t.
    for (let k = Math.max(prev, b) + 1; k <= s; k++) {
      const j = k - b - 1;
      if (j >= cap) {
        beyondCapacity++;
        break;
      }
      const at = a * cap + j;
      count[at]!++;
      if (t > last[at]!) last[at] = t;
      if (t < first[at]!) first[at] = t;
    }
  }
}

function openOne(timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(init.url, { perMessageDeflate: init.deflate, handshakeTimeout: timeoutMs });
    const v: Viewer = { ws, open: false, seq: -1, seen: new Float64Array(A), frames: 0, snapshots: 0, gotSnapshot: false };
    let settled = false;
    const timer = setTimeout(() => settle(new Error(`no snapshot within ${timeoutMs} ms`)), timeoutMs);
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        ws.terminate();
        reject(error);
      } else {
        viewers.push(v);
        resolve();
      }
    };
    ws.on("open", () => (v.open = true));
    ws.on("message", (data) => {
      onFrame(v, data);
      if (!settled && v.gotSnapshot) settle();
    });
    ws.on("unexpected-response", (_req, res) => settle(new Error(`HTTP ${res.statusCode} instead of 101`)));
    ws.on("error", (err) => {
      if (settled) {
        if (measuring) windowErrors++;
        note("socket error", err.message);
      } else settle(err);
    });
    ws.on("close", (code, reason) => {
      const wasOpen = v.open;
      v.open = false;
      if (!settled) return settle(new Error(`closed ${code} before the snapshot${v.refusal ? ` (error frame '${v.refusal}')` : ""}`));
      if (wasOpen) {
        const key = `${code}${reason.length ? ` ${reason.toString()}` : ""}`;
        closeCodes.set(key, (closeCodes.get(key) ?? 0) + 1);
        if (measuring) windowCloses++;
      }
    });
  });
}

async function open(count: number, concurrency: number, timeoutMs: number): Promise<ViewerReply> {
  const started = nowMs();
  let ok = 0;
  let failed = 0;
  const failures: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      try {
        await openOne(timeoutMs);
        ok++;
      } catch (error) {
        failed++;
        if (failures.length < 5) failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { type: "opened", ok, failed, failures, ms: nowMs() - started, open: viewers.filter((v) => v.open).length };
}

function startWindow(newBase: number[], capacity: number): ViewerReply {
  base = Float64Array.from(newBase);
  cap = capacity;
  last = new Float64Array(A * cap).fill(-Infinity);
  first = new Float64Array(A * cap).fill(Infinity);
  count = new Int32Array(A * cap);
  windowErrors = windowCloses = gaps = regressions = bytes = frames = beyondCapacity = 0;
  let stale = 0;
  for (const v of viewers) {
    v.frames = 0;
    v.snapshots = 0;
    // A viewer should already show the base (the board was quiet when the window opened).
    let differs = false;
    for (let a = 0; a < A; a++) if (v.seen[a] !== base[a]) differs = true;
    if (differs && v.open) stale++;
    for (let a = 0; a < A; a++) v.seen[a] = Math.min(v.seen[a]!, base[a]!);
  }
  elu0 = performance.eventLoopUtilization();
  loopDelay.reset();
  loopDelay.enable();
  measuring = true;
  return { type: "started", stale, open: viewers.filter((v) => v.open).length };
}

function progress(target: number[]): ViewerReply {
  let behind = 0;
  for (const v of viewers) {
    if (!v.open) continue;
    for (let a = 0; a < A; a++) {
      if (v.seen[a]! < target[a]!) {
        behind++;
        break;
      }
    }
  }
  return { type: "progress", behind };
}

function endWindow(): { reply: ViewerReply; transfer: ArrayBuffer[] } {
  measuring = false;
  loopDelay.disable();
  const elu = performance.eventLoopUtilization(elu0);
  const open = viewers.filter((v) => v.open);
  const result: WindowResult = {
    last,
    first,
    count,
    framesPerViewer: Int32Array.from(open.map((v) => v.frames)),
    snapshotsPerViewer: Int32Array.from(open.map((v) => v.snapshots)),
    open: open.length,
    errors: windowErrors,
    closes: windowCloses,
    gaps,
    regressions,
    bytes,
    frames,
    beyondCapacity,
    distinctFrames,
    elu: elu.utilization,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
    errorSamples: [...errorSamples],
    closeCodes: Object.fromEntries(closeCodes),
  };
  return { reply: { type: "ended", result }, transfer: [last.buffer as ArrayBuffer, first.buffer as ArrayBuffer, count.buffer as ArrayBuffer] };
}

async function closeAll(): Promise<ViewerReply> {
  const open = viewers.filter((v) => v.open);
  const closed = Promise.all(
    open.map(
      (v) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            v.ws.terminate();
            resolve();
          }, 5_000);
          v.ws.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
          v.ws.close(1000, "bench done");
        }),
    ),
  );
  await closed;
  for (const v of viewers) if (v.ws.readyState !== WebSocket.CLOSED) v.ws.terminate();
  viewers.length = 0;
  return { type: "closed", count: open.length };
}

port.on("message", async (cmd: ViewerCommand) => {
  switch (cmd.type) {
    case "open":
      port.postMessage(await open(cmd.count, cmd.concurrency, cmd.timeoutMs));
      break;
    case "start":
      port.postMessage(startWindow(cmd.base, cmd.capacity));
      break;
    case "progress":
      port.postMessage(progress(cmd.target));
      break;
    case "end": {
      const { reply, transfer } = endWindow();
      port.postMessage(reply, transfer);
      break;
    }
    case "close":
      port.postMessage(await closeAll());
      break;
  }
});
