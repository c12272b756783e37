/** Messages between bench/run.ts and its viewer threads (bench/viewers.ts). */

export interface ViewerInit {
  /** ws://127.0.0.1:<port>/v1/boards/<id>/live?token=<read key> */
  url: string;
  /** Index order of agents used in every array below. */
  agentIds: string[];
  /** Offer permessage-deflate, as browsers do. */
  deflate: boolean;
}

export type ViewerCommand =
  | { type: "open"; count: number; concurrency: number; timeoutMs: number }
  /** Opens a measurement window: `base[a]` is agent a's score before the first posted event. */
  | { type: "start"; base: number[]; capacity: number }
  /** How many open viewers have not yet seen `target[a]` for every agent. */
  | { type: "progress"; target: number[] }
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
  framesPerViewer: Int32Array;
  snapshotsPerViewer: Int32Array;
  open: number;
  errors: number;
  closes: number;
  gaps: number;
  regressions: number;
  bytes: number;
  frames: number;
  beyondCapacity: number;
  distinctFrames: number;
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
  | { type: "ended"; result: WindowResult }
  | { type: "closed"; count: number }
  /** Not sent by the thread: stands for its crash or exit in the main thread's bookkeeping. */
  | { type: "failed"; error: string };
