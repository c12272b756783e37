// /proc readers for the bench: find the workerd processes this Node process started, their RSS,
// their CPU time (whole process and busiest thread) and the machine's total CPU time, so each
// phase can say who was busy: workerd, the load generator, or someone else on the machine.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

const CLK_TCK = 100; // USER_HZ on Linux; /proc/<pid>/stat times are in these ticks.

export interface WorkerdProcess {
  pid: number;
  /** "worker" = the user worker (D1, Durable Objects, routes); "proxy" = wrangler's ProxyWorker. */
  role: "worker" | "proxy" | "unknown";
}

function statFields(path: string): string[] | null {
  try {
    const stat = readFileSync(path, "utf8");
    // comm may contain spaces and parentheses: fields start after the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

function commOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

/** Live workerd processes whose parent is this Node process (started by wrangler/Miniflare here). */
export function ownWorkerdPids(): number[] {
  const own: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (commOf(pid) !== "workerd") continue;
    const fields = statFields(`/proc/${pid}/stat`);
    // fields[0] = state, fields[1] = ppid
    if (fields && fields[0] !== "Z" && Number(fields[1]) === process.pid) own.push(pid);
  }
  return own;
}

/** This Node process's workerd children, with which one serves `directUrl` (the user worker). */
export function findOwnWorkerd(directUrl: string): WorkerdProcess[] {
  const own = ownWorkerdPids();
  const port = Number(new URL(directUrl).port);
  const listenInodes = listeningInodes(port);
  return own.map((pid) => ({ pid, role: ownsSocket(pid, listenInodes) ? "worker" : own.length === 2 ? "proxy" : "unknown" }));
}

/** Socket inodes listening on 127.0.0.1:<port> (IPv4 and IPv6 tables). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = cols[1]!;
      if (cols[3] === "0A" && local.endsWith(`:${hexPort}`)) inodes.add(cols[9]!);
    }
  }
  return inodes;
}

function ownsSocket(pid: number, inodes: Set<string>): boolean {
  if (inodes.size === 0) return false;
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      // fd closed meanwhile
    }
  }
  return false;
}

export function isAlive(pid: number): boolean {
  const fields = statFields(`/proc/${pid}/stat`);
  return fields !== null && fields[0] !== "Z";
}

export interface MemInfo {
  rssMiB: number;
  hwmMiB: number;
  threads: number;
}

export function memOf(pid: number): MemInfo | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? NaN);
    return { rssMiB: kb("VmRSS") / 1024, hwmMiB: kb("VmHWM") / 1024, threads: kb("Threads") };
  } catch {
    return null;
  }
}

/** CPU seconds (user+system) of a whole process and of each of its threads. */
export interface CpuSample {
  at: number;
  total: number;
  /** Per thread: CPU seconds, and seconds spent runnable but waiting for a CPU (schedstat). */
  threads: Map<string, { name: string; seconds: number; waitSeconds: number }>;
}

export function cpuOf(pid: number): CpuSample | null {
  const fields = statFields(`/proc/${pid}/stat`);
  if (!fields) return null;
  // utime = field 14, stime = 15 (1-based over the whole line); fields[] starts at field 3.
  const total = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const threads = new Map<string, { name: string; seconds: number; waitSeconds: number }>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const f = statFields(`/proc/${pid}/task/${tid}/stat`);
      if (!f) continue;
      let name = "";
      try {
        name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      } catch {
        // thread exited
      }
      let waitSeconds = 0;
      try {
        // schedstat: ns on CPU, ns waiting on a run queue, timeslices.
        waitSeconds = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[1]) / 1e9;
      } catch {
        // no schedstat (kernel without CONFIG_SCHEDSTATS)
      }
      threads.set(tid, { name, seconds: (Number(f[11]) + Number(f[12])) / CLK_TCK, waitSeconds });
    }
  } catch {
    // process exited
  }
  return { at: performance.now(), total, threads };
}

/**
 * CPU seconds of the whole machine (all cores), from /proc/stat: busy (user+nice+system+irq+
 * softirq), of which irq+softirq (loopback TCP work is mostly here and is charged to no process),
 * and steal (time the hypervisor gave to other guests).
 */
export function machineCpu(): { busy: number; irq: number; steal: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (user + nice + system + irq + softirq) / CLK_TCK, irq: (irq + softirq) / CLK_TCK, steal: steal / CLK_TCK };
}

export interface CpuDelta {
  /** Cores used on average over the interval (1.0 = one core fully busy). */
  cores: number;
  /**
   * The busiest thread: its share of a core, and the share of wall time it spent runnable but
   * waiting for a CPU (others were using both cores). High wait = starved, not saturated.
   */
  busiestThread: { name: string; cores: number; waiting: number };
}

export function cpuDelta(before: CpuSample | null, after: CpuSample | null): CpuDelta | null {
  if (!before || !after) return null;
  const wall = (after.at - before.at) / 1000;
  if (wall <= 0) return null;
  let busiest = { name: "", cores: 0, waiting: 0 };
  for (const [tid, t] of after.threads) {
    const prior = before.threads.get(tid);
    const cores = (t.seconds - (prior?.seconds ?? 0)) / wall;
    if (cores > busiest.cores) busiest = { name: t.name, cores, waiting: (t.waitSeconds - (prior?.waitSeconds ?? 0)) / wall };
  }
  return { cores: (after.total - before.total) / wall, busiestThread: busiest };
}
