/**
 * Coalesced deltas up the roll-up tree: a team's object tells its department's which entries of
 * roll-up boards changed, and a department's tells the org's. What travels is each changed entry's
 * current state (not a difference), so a resend is harmless and the latest send wins. Changes made
 * within ROLLUP_FLUSH_MS go in one message; one message is in flight at a time, so they arrive in
 * order. A failed send keeps its keys and is retried with backoff. Nothing here is durable: an
 * object that restarts marks every current entry again (see `markAll` callers).
 */
import type { ScoreEntry } from "./live-board.ts";

export const ROLLUP_FLUSH_MS = 250;
const ROLLUP_MAX_BACKOFF_MS = 10_000;
const SEND_TIMEOUT_MS = 30_000;

/** One agent's entry for a roll-up board and period, as counted by one team. */
export interface RollupEntry {
  team: string;
  agent: string;
  /** Null: the agent no longer has an entry there (e.g. every event voided). */
  entry: ScoreEntry | null;
  /** When the entry last changed its score (epoch ms): ties across teams go to the earlier. */
  reachedAt: number;
  /**
   * When the reporting team's object loaded the configuration it reported under (epoch ms): an
   * entry reported under an older one (before the team changed department) never overwrites a newer.
   */
  configAt: number;
  agentName: string;
  optedOut: boolean;
  teamName: string;
  department: string;
  departmentName: string;
}

export interface RollupDelta {
  boards: { boardId: string; periodStart: number; entries: RollupEntry[] }[];
  /** Set when a department's object forwards to the org's. */
  department?: string;
}

/** team/agent (ids never contain a slash) */
export type EntryKey = string;
export const entryKey = (team: string, agent: string): EntryKey => `${team}/${agent}`;

export class RollupOutbox {
  /** boardId -> periodStart -> keys */
  #pending = new Map<string, Map<number, Set<EntryKey>>>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #sending = false;
  #failures = 0;

  constructor(
    /** The entries' current state. */
    private readonly collect: (boardId: string, periodStart: number, keys: readonly EntryKey[]) => RollupEntry[],
    private readonly send: (delta: RollupDelta) => Promise<void>,
    /** Told when sends start waiting (true) and when everything has been delivered (false). */
    private readonly onWaiting: (waiting: boolean) => void = () => {},
  ) {}

  get pending(): boolean {
    return this.#pending.size > 0;
  }

  mark(boardId: string, periodStart: number, key: EntryKey): void {
    if (this.#pending.size === 0 && !this.#sending) this.onWaiting(true);
    this.#markQuietly(boardId, periodStart, key);
    this.#schedule(ROLLUP_FLUSH_MS);
  }

  #schedule(delay: number): void {
    if (this.#timer !== null || this.#sending) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, delay);
  }

  /** Sends what is pending now (one message); resolves when it was delivered or failed. */
  async flush(): Promise<void> {
    if (this.#sending || this.#pending.size === 0) return;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const batch = this.#pending;
    this.#pending = new Map();
    this.#sending = true;
    try {
      const delta: RollupDelta = { boards: [] };
      for (const [boardId, periods] of batch) {
        for (const [periodStart, keys] of periods) delta.boards.push({ boardId, periodStart, entries: this.collect(boardId, periodStart, [...keys]) });
      }
      // A call that never answers must not hold every later delta back: it counts as failed.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("roll-up delta timed out")), SEND_TIMEOUT_MS)));
      try {
        await Promise.race([this.send(delta), timeout]);
      } finally {
        clearTimeout(timer);
      }
      this.#failures = 0;
    } catch (error) {
      // Keep what failed (newer marks of the same keys merge in) and try again later.
      for (const [boardId, periods] of batch) for (const [periodStart, keys] of periods) for (const key of keys) this.#markQuietly(boardId, periodStart, key);
      this.#failures++;
      console.error(`roll-up delta failed (attempt ${this.#failures})`, error);
    } finally {
      this.#sending = false;
    }
    if (this.#pending.size === 0 && this.#failures === 0) this.onWaiting(false);
    if (this.#pending.size > 0) this.#schedule(this.#failures === 0 ? ROLLUP_FLUSH_MS : Math.min(ROLLUP_MAX_BACKOFF_MS, 500 * 2 ** this.#failures));
  }

  #markQuietly(boardId: string, periodStart: number, key: EntryKey): void {
    let periods = this.#pending.get(boardId);
    if (!periods) this.#pending.set(boardId, (periods = new Map()));
    let keys = periods.get(periodStart);
    if (!keys) periods.set(periodStart, (keys = new Set()));
    keys.add(key);
  }
}
