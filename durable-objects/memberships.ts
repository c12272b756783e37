/**
 * Which team an agent is in, and when: the pure logic of stints. A stint places an agent in a team
 * from an instant (epoch ms) until their next stint begins; before their first stint, an agent
 * counts in their first team. Imports nothing from Cloudflare.
 */

export interface Stint {
  teamId: string;
  /** Epoch ms. */
  from: number;
}

/** A time an agent spent in one team: `[from, until)`, epoch ms; `until` null while it lasts. */
export type Span = readonly [from: number, until: number | null];

/** The agent's team at an instant: the stint with the latest start at or before it, else the first. `stints` in order. */
export function teamAt(stints: readonly Stint[], instant: number): string | undefined {
  let team = stints[0]?.teamId;
  for (const stint of stints) {
    if (stint.from > instant) break;
    team = stint.teamId;
  }
  return team;
}

/** Each team the agent was in at some instant in `[start, end]`, the team at `end` first. */
export function teamsBetween(stints: readonly Stint[], start: number, end: number): string[] {
  const teams = new Set<string>();
  const home = teamAt(stints, end);
  if (home !== undefined) teams.add(home);
  const first = teamAt(stints, start);
  if (first !== undefined) teams.add(first);
  for (const stint of stints) if (stint.from > start && stint.from <= end) teams.add(stint.teamId);
  return [...teams];
}

/**
 * The stints after a move to `teamId` effective `from`: the move replaces every stint at or after
 * its date (scheduled moves it overtakes).
 */
export function withMove(stints: readonly Stint[], teamId: string, from: number): Stint[] {
  return [...stints.filter((s) => s.from < from), { teamId, from }];
}

/**
 * The stints after cancelling the one that starts at `from`. A following stint that would only
 * repeat the team before it (a move back) goes too.
 */
export function withoutMove(stints: readonly Stint[], from: number): Stint[] {
  const index = stints.findIndex((s) => s.from === from);
  if (index < 0) return [...stints];
  const rest = [...stints.slice(0, index), ...stints.slice(index + 1)];
  const before = rest[index - 1];
  const after = rest[index];
  return before && after && before.teamId === after.teamId ? [...rest.slice(0, index), ...rest.slice(index + 1)] : rest;
}

/** Each stint with its end: `until` is the next stint's start, null for the last. */
export function withEnds(stints: readonly Stint[]): (Stint & { until: number | null })[] {
  return stints.map((s, i) => ({ ...s, until: stints[i + 1]?.from ?? null }));
}

/** Whether any span overlaps `[start, end)`. */
export function overlaps(spans: readonly Span[], start: number, end: number): boolean {
  return spans.some(([from, until]) => from < end && (until === null || until > start));
}
