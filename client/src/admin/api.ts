/**
 * The admin console's calls to the API (all with the credential the page opened with) and what
 * several sections show at once: the org's departments, teams, metrics and boards. A section that
 * changes one of these reloads it here, and every section listening hears of it.
 */
import type { Aggregation, Board, BoardList, Direction, ScorecardComponentInput } from "../../../protocol/index.ts";
import { api } from "../page.ts";

/** The credential in use; every call below is made with it. */
let credential = "";

export function useCredential(token: string): void {
  credential = token;
}

/** Whether `key` (an API key's listed prefix) is the key this page runs with. */
export const isOwnKey = (prefix: string) => credential.startsWith(prefix);

type Method = Parameters<typeof api>[1];

export function call<T>(method: Method, path: string, body?: unknown): Promise<T> {
  return api<T>(credential, method, path, body);
}

export const path = (strings: TemplateStringsArray, ...ids: string[]) => strings.reduce((out, part, i) => out + part + (i < ids.length ? encodeURIComponent(ids[i]!) : ""), "");

// -----------------------------------------------------------------------------------------------
// What the API answers (the protocol defines the request bodies; these are the answers' shapes)

export interface Department {
  id: string;
  name: string;
  active: boolean;
}

export interface Team {
  id: string;
  name: string;
  departmentId: string;
  shift: { start: string; end: string } | null;
  active: boolean;
}

export interface Agent {
  id: string;
  name: string;
  teamId: string;
  externalIds: Record<string, string>;
  optedOut: boolean;
  active: boolean;
}

export interface Metric {
  key: string;
  label: string;
  unit: string;
  aggregation: Aggregation;
  direction: Direction;
  minVolume: number;
  components?: ScorecardComponentInput[];
  cap?: number;
  active: boolean;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}

// -----------------------------------------------------------------------------------------------
// The org's shared lists

export interface Shared {
  departments: Department[];
  teams: Team[];
  metrics: Metric[];
  boards: Board[];
}
type Kind = keyof Shared;

export const shared: Shared = { departments: [], teams: [], metrics: [], boards: [] };
const listeners: { [K in Kind]: (() => void)[] } = { departments: [], teams: [], metrics: [], boards: [] };

const loaders: { [K in Kind]: () => Promise<Shared[K]> } = {
  departments: async () => (await call<{ departments: Department[] }>("GET", "/v1/departments")).departments,
  teams: async () => (await call<{ teams: Team[] }>("GET", "/v1/teams")).teams,
  metrics: async () => (await call<{ metrics: Metric[] }>("GET", "/v1/metrics")).metrics,
  boards: async () => (await call<BoardList>("GET", "/v1/boards")).boards,
};

/** Loads one shared list again and tells whoever listens. */
export async function reload<K extends Kind>(kind: K): Promise<void> {
  shared[kind] = await loaders[kind]();
  for (const listener of listeners[kind]) listener();
}

export async function reloadAll(): Promise<void> {
  await Promise.all((Object.keys(loaders) as Kind[]).map((kind) => reload(kind)));
}

/** Calls `listener` whenever `kind` was loaded again. */
export function onReload(kind: Kind, listener: () => void): void {
  listeners[kind].push(listener);
}

/** A team's name, for lists (its id when it is not known). */
export const teamName = (id: string | null) => (id === null ? "" : (shared.teams.find((t) => t.id === id)?.name ?? id));
export const departmentName = (id: string | null) => (id === null ? "" : (shared.departments.find((d) => d.id === id)?.name ?? id));
export const metricLabel = (key: string) => shared.metrics.find((x) => x.key === key)?.label ?? key;

/** [id, name] pairs of the active rows, for a select. */
export const activeOptions = (rows: readonly { id: string; name: string; active: boolean }[]) => rows.filter((r) => r.active).map((r) => [r.id, `${r.name} (${r.id})`] as const);
export const metricOptions = (filter: (metric: Metric) => boolean = () => true) =>
  shared.metrics.filter((x) => x.active && filter(x)).map((x) => [x.key, `${x.label} (${x.key})`] as const);
