/** Messages between bench/run.ts and its viewer threads (bench/viewers.ts). */

export interface ViewerInit {
  /** Index order of agents used in every array below: the team's agents. */
  agentIds: string[];
  /** Offer permessage-deflate, as browsers do. */
  deflate: boolean;
  /**
   * Agents (indices) whose rows every viewer of this thread may see, on top of its own agent's:
   * null = every agent (a full view, or agents under `everyone`). A row of any other agent is counted
   * as unexpected, and a viewer's convergence is judged only on the agents it may see.
   */
  shared: number[] | null;
}

/** One socket to open. */
export interface ViewerTarget {
  /** ws://127.0.0.1:<port>/v1/boards/<id>/live?token=<read key or viewer token> */
  url: string;
  /** The viewer's own agent (index into agentIds), -1 for none (read key, wallboard). */
  me: number;
}

export type ViewerCommand =
  | { type: "open"; targets: ViewerTarget[]; concurrency: number; timeoutMs: number }
  /** Opens a measurement window: `base[a]` is agent a's score before the first posted event. */
  | { type: "start"; base: number[]; capacity: number }
  /** How many open viewers have not yet seen `target[a]` for every agent they may see. */
  | { type: "progress"; target: number[] }
  /**
   * Checks each open viewer's rows, replayed from its frames (snapshots replace, updates patch by
   * place), against the board: `agentAt[p]` / `scoreAt[p]` for place p (index 0 unused), -1 past the end.
   */
  | { type: "verify"; agentAt: number[]; scoreAt: number[] }
  | { type: "end" }
  | { type: "close" };

/**
 * For the k-th event of agent a in the window (k = 1…capacity), at index a*capacity + k-1:
 * `last` = latest time a viewer of this thread first saw score base[a]+k, `first` = earliest,
 * `count` = how many viewers of this thread saw it. Times come from nowMs() (process-wide clock).
 */
export interface WindowResult {
  last: Float64Array;
  first: Float64Array;
  count: Int32Array;
  /** Per agent: how many open viewers of this thread may see its row. */
  visibleTo: Int32Array;
  framesPerViewer: Int32Array;
  snapshotsPerViewer: Int32Array;
  open: number;
  errors: number;
  closes: number;
  gaps: number;
  regressions: number;
  /** Rows of agents the viewer was not expected to see (see ViewerInit.shared). */
  unexpected: number;
  bytes: number;
  frames: number;
  beyondCapacity: number;
  distinctFrames: number;
  /** Snapshots and updates the thread's scanner could not read, JSON-parsed instead (see viewers.ts). */
  fallbacks: number;
  /** Event-loop utilisation of this thread during the window (1 = saturated). */
  elu: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  errorSamples: string[];
  closeCodes: Record<string, number>;
}

export type ViewerReply =
  | { type: "opened"; ok: number; failed: number; failures: string[]; ms: number; open: number }
  | { type: "started"; stale: number; open: number }
  | { type: "progress"; behind: number }
  | { type: "verified"; mismatched: number; samples: string[] }
  | { type: "ended"; result: WindowResult }
  | { type: "closed"; count: number }
  /** Not sent by the thread: stands for its crash or exit in the main thread's bookkeeping. */
  | { type: "failed"; error: string };
