/**
 * The Floorboard protocol: every HTTP body, every WebSocket frame and every score event, defined once.
 * The Worker validates with these schemas, the Durable Objects build frames that satisfy them, and
 * the browser client imports the inferred types. Nothing here imports server code.
 */
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Shared building blocks

/** Ids chosen by the customer (or generated): safe in URLs, DO names and CSV. */
export const Id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/, "must be 1-64 letters, digits or _.:@- and start with a letter or digit");
export const MetricKey = z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, "must be snake_case, 1-48 characters");
const Name = z.string().trim().min(1).max(120);
const Instant = z.iso.datetime({ offset: true });

export const Aggregation = z.enum(["sum", "count", "avg", "min", "max", "last"]);
export const Direction = z.enum(["higher", "lower"]);
export const PeriodKind = z.enum(["day", "week", "month"]);
export const Scope = z.enum(["ingest", "read", "admin"]);

export type Aggregation = z.infer<typeof Aggregation>;
export type Direction = z.infer<typeof Direction>;
export type PeriodKind = z.infer<typeof PeriodKind>;
export type Scope = z.infer<typeof Scope>;

// ---------------------------------------------------------------------------------------------
// Directory and configuration (admin scope)

/** IANA zone names are checked by Intl, which knows the runtime's zone database. */
export const TimeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      return zone.length > 0;
    } catch {
      return false;
    }
  },
  { message: "must be an IANA time zone, e.g. Europe/Stockholm" },
);

export const OrgCreate = z.strictObject({ name: Name, timeZone: TimeZone });
export const OrgPatch = OrgCreate.partial();

export const DepartmentCreate = z.strictObject({ id: Id.optional(), name: Name });
export const DepartmentPatch = DepartmentCreate.omit({ id: true }).partial();

export const TeamCreate = z.strictObject({ id: Id.optional(), name: Name, departmentId: Id });
export const TeamPatch = TeamCreate.omit({ id: true }).partial();

/** Platform name -> the agent's id on that platform, e.g. `{ "twilio": "WK0123…" }`. */
export const ExternalIds = z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/), z.string().min(1).max(200));
export const AgentCreate = z.strictObject({
  id: Id.optional(),
  name: Name,
  teamId: Id,
  externalIds: ExternalIds.optional(),
});
export const AgentPatch = AgentCreate.omit({ id: true }).partial();
export const AgentBulkUpsert = z.strictObject({
  agents: z.array(AgentCreate.required({ id: true })).min(1).max(1000),
});

const MetricFields = z.strictObject({
  key: MetricKey,
  label: Name,
  unit: z.string().trim().max(24),
  aggregation: Aggregation,
  direction: Direction,
});
export const MetricCreate = MetricFields.extend({ unit: MetricFields.shape.unit.default(""), direction: Direction.default("higher") });
/** Patches have no defaults: an absent field keeps its value. */
export const MetricPatch = MetricFields.omit({ key: true }).partial();

export const BoardCreate = z.strictObject({
  id: Id.optional(),
  name: Name.optional(),
  teamId: Id,
  metric: MetricKey,
  period: PeriodKind,
});
export const BoardPatch = BoardCreate.omit({ id: true, teamId: true }).partial();

/** A board as the REST API returns it (`GET /v1/boards`, `GET /v1/boards/:id`). */
export const Board = z.object({
  id: z.string(),
  name: z.string(),
  teamId: z.string(),
  metric: z.string(),
  period: PeriodKind,
  active: z.boolean(),
  createdAt: Instant,
  updatedAt: Instant,
});
export const BoardList = z.object({ boards: z.array(Board) });
export type Board = z.infer<typeof Board>;
export type BoardList = z.infer<typeof BoardList>;

export const KeyCreate = z.strictObject({ name: Name, scopes: z.array(Scope).min(1) });

export type OrgCreate = z.infer<typeof OrgCreate>;
export type AgentCreate = z.infer<typeof AgentCreate>;
export type MetricCreate = z.infer<typeof MetricCreate>;
export type BoardCreate = z.infer<typeof BoardCreate>;

// ---------------------------------------------------------------------------------------------
// Ingest

/** How far in the future an event may claim to have happened (clock skew between systems). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
export const MAX_EVENTS_PER_BATCH = 1000;

export const ScoreEvent = z.strictObject({
  /** The sender's unique id for this event; a retry with the same id is counted once. */
  id: z.string().min(1).max(128),
  agent: Id,
  metric: MetricKey,
  value: z.number(),
  occurredAt: Instant,
});
export const EventBatch = z.strictObject({
  events: z.array(ScoreEvent).min(1).max(MAX_EVENTS_PER_BATCH),
});
export type ScoreEvent = z.infer<typeof ScoreEvent>;
export type EventBatch = z.infer<typeof EventBatch>;

export const IngestResult = z.object({ accepted: z.number().int(), duplicates: z.number().int() });
export type IngestResult = z.infer<typeof IngestResult>;

// ---------------------------------------------------------------------------------------------
// Live boards: one row format for REST snapshots and WebSocket frames

export const Row = z.object({
  /** Standard competition rank: ties share a rank, the next rank skips (1, 2, 2, 4). */
  rank: z.number().int().positive(),
  /** 1-based position in board order; unique. Ties are ordered by who reached the score first. */
  place: z.number().int().positive(),
  agent: z.object({ id: z.string(), name: z.string() }),
  score: z.number(),
});
export type Row = z.infer<typeof Row>;

export const PeriodWindow = z.object({ kind: PeriodKind, start: Instant, end: Instant });
export type PeriodWindow = z.infer<typeof PeriodWindow>;

export const BoardHeader = z.object({
  id: z.string(),
  name: z.string(),
  team: z.object({ id: z.string(), name: z.string() }),
  metric: z.object({ key: z.string(), label: z.string(), unit: z.string(), direction: Direction }),
  /** The org's IANA time zone, in which the period runs. */
  timeZone: z.string(),
});
export type BoardHeader = z.infer<typeof BoardHeader>;

const Envelope = { board: z.string(), period: PeriodWindow, seq: z.number().int().nonnegative() };

export const SnapshotFrame = z.object({
  type: z.literal("snapshot"),
  ...Envelope,
  header: BoardHeader,
  rows: z.array(Row),
  /** How many agents are on the board (the rows may be fewer once visibility rules apply). */
  total: z.number().int().nonnegative(),
});
/** What changed in this view since the frame with `seq - 1`. */
export const UpdateFrame = z.object({
  type: z.literal("update"),
  ...Envelope,
  /** Rows that are new or whose rank, place or score changed. */
  changed: z.array(Row),
  /** Agent ids whose rows left the view. */
  removed: z.array(z.string()),
  total: z.number().int().nonnegative(),
});
/** The board's period closed; a snapshot of the new period follows. */
export const PeriodFrame = z.object({
  type: z.literal("period"),
  ...Envelope,
  previous: PeriodWindow,
});
export const ErrorCode = z.enum([
  "bad_frame", // a client frame that is not `resync` or `ping`
  "rate_limited", // the client sent too many frames; the socket closes with 1008
  "board_removed", // the board was deactivated; the socket closes with 4404
  "unauthorized", // handshake refused: missing, invalid or revoked credential (closes with 4401)
  "forbidden", // handshake refused: the credential may not see this board (closes with 4403)
  "not_found", // handshake refused: no such board (closes with 4404)
  "refused", // handshake refused for another reason (closes with 4000 + HTTP status)
]);
export const ErrorFrame = z.object({ type: z.literal("error"), code: ErrorCode, message: z.string() });
export const PongFrame = z.object({ type: z.literal("pong") });

export const ServerFrame = z.discriminatedUnion("type", [SnapshotFrame, UpdateFrame, PeriodFrame, ErrorFrame, PongFrame]);
export type SnapshotFrame = z.infer<typeof SnapshotFrame>;
export type UpdateFrame = z.infer<typeof UpdateFrame>;
export type PeriodFrame = z.infer<typeof PeriodFrame>;
export type ErrorFrame = z.infer<typeof ErrorFrame>;
export type ServerFrame = z.infer<typeof ServerFrame>;

export const ClientFrame = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("resync") }),
  z.strictObject({ type: z.literal("ping") }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** The exact ping text the server answers without waking a hibernated board. */
export const PING_TEXT = '{"type":"ping"}';
export const PONG_TEXT = '{"type":"pong"}';

// ---------------------------------------------------------------------------------------------
// Errors: RFC 9457 problem details

export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  /** One entry per invalid field; `path` is a JSON Pointer into the request body or query. */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof Problem>;
