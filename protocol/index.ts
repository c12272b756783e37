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

/**
 * How a metric's events become a score: `sum`, `count` (events), `avg` (mean of values), `ratio`
 * (100 × sum of numerator events ÷ sum of denominator events: first-contact resolution %, QA pass
 * rate), `min`, `max`, `last` (the value with the latest `occurredAt`); `scorecard`: a weighted
 * blend of other metrics against their targets (see `components`), which takes no events itself.
 */
export const Aggregation = z.enum(["sum", "count", "avg", "ratio", "min", "max", "last", "scorecard"]);
export const Direction = z.enum(["higher", "lower"]);
/**
 * `day` is a shift-day (from the board's `dayStartHour`), `week` starts on its `weekStartsOn`;
 * a `contest` runs once, from the board's `startsAt` to its `endsAt`, and then keeps its final standings.
 */
export const PeriodKind = z.enum(["day", "week", "month", "quarter", "contest"]);
export const Scope = z.enum(["ingest", "read", "admin"]);
/**
 * Who a viewer token speaks for. `agent`: their own team's boards through the visibility rules;
 * `lead`: full boards of their teams; `manager`: full boards of their departments; `admin`:
 * everything, and configuration; `display`: a wallboard's public view of the boards it is allowed.
 */
export const Role = z.enum(["agent", "lead", "manager", "admin", "display"]);

export type Aggregation = z.infer<typeof Aggregation>;
export type Direction = z.infer<typeof Direction>;
export type PeriodKind = z.infer<typeof PeriodKind>;
export type Scope = z.infer<typeof Scope>;
export type Role = z.infer<typeof Role>;

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

/** How long after a period closes late events and corrections still change it; 72 hours unless set. */
const LateGraceHours = z.number().int().min(0).max(2160);
const KudosPoints = z.number().int().min(0).max(1000);
const KudosDailyCap = z.number().int().min(0).max(100);
export const OrgCreate = z.strictObject({
  name: Name,
  timeZone: TimeZone,
  lateGraceHours: LateGraceHours.default(72),
  /** Points a kudos gives its recipient (0: kudos are thanks only). */
  kudosPoints: KudosPoints.default(5),
  /** Kudos an agent may give per day in the org's zone (0: kudos are off). */
  kudosDailyCap: KudosDailyCap.default(3),
});
export const OrgPatch = z
  .strictObject({
    name: Name,
    timeZone: TimeZone,
    lateGraceHours: LateGraceHours,
    kudosPoints: KudosPoints,
    kudosDailyCap: KudosDailyCap,
    /** The days streaks count (ISO weekdays, 1 = Monday); others are skipped. Default Monday to Friday. */
    workingDays: z.array(z.number().int().min(1).max(7)).min(1).max(7).refine((d) => new Set(d).size === d.length, "no day twice"),
    /** Dates (YYYY-MM-DD, in the org's zone) that streaks skip. */
    holidays: z.array(z.iso.date()).max(400),
  })
  .partial();

export const DepartmentCreate = z.strictObject({ id: Id.optional(), name: Name });
export const DepartmentPatch = DepartmentCreate.omit({ id: true }).partial();

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time of day, HH:MM");
/**
 * The hours a team works, in the org's zone, on the org's working days: goals' pace counts only
 * these (an agent on a 09:00-17:00 shift is half way at 13:00). An end before the start runs past
 * midnight (22:00-06:00).
 */
export const Shift = z.strictObject({ start: ClockTime, end: ClockTime }).refine((s) => s.start !== s.end, { path: ["end"], message: "must differ from start" });
export type Shift = z.infer<typeof Shift>;
export const TeamCreate = z.strictObject({ id: Id.optional(), name: Name, departmentId: Id, shift: Shift.nullable().optional() });
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

/**
 * `POST /v1/agents/:id/moves`: the agent moves to `teamId` from `effectiveFrom` (default: now). A
 * date in the past is refused (events already recorded stay with the team that recorded them); the
 * move replaces any scheduled moves at or after its date.
 */
export const AgentMove = z.strictObject({ teamId: Id, effectiveFrom: Instant.optional() });
/** `DELETE /v1/agents/:id/moves/:from`: the scheduled move that takes effect at `from`. */
export const AgentMoveKey = z.strictObject({ from: Instant });
/** One stint: the agent is in `teamId` from `from` until `until` (null: until further notice). */
export const AgentStint = z.object({
  teamId: z.string(),
  from: Instant,
  until: Instant.nullable(),
  /** `scheduled`: a move that has not taken effect yet. */
  status: z.enum(["past", "current", "scheduled"]),
});
/** `GET /v1/agents/:id/moves`: the agent's team now and their stints, oldest first. */
export const AgentStints = z.object({ agentId: z.string(), teamId: z.string(), stints: z.array(AgentStint) });
export type AgentStints = z.infer<typeof AgentStints>;

const MetricFields = z.strictObject({
  key: MetricKey,
  label: Name,
  unit: z.string().trim().max(24),
  aggregation: Aggregation,
  direction: Direction,
  /**
   * How much an agent must have done in the period before they are ranked (samples; for a `ratio`,
   * the denominator): below it they are listed as qualifying, with their progress. 0: no minimum.
   */
  minVolume: z.number().int().min(0).max(1_000_000),
});
/** One metric of a scorecard: how much it weighs in the blend and the target it is measured against. */
export const ScorecardComponentInput = z.strictObject({
  metric: MetricKey,
  weight: z.number().positive().max(1000),
  /** In the metric's own unit: e.g. 4.5 (CSAT), 300 (seconds of handle time, lower is better). */
  target: z.number().positive().max(1e12),
});
export type ScorecardComponentInput = z.infer<typeof ScorecardComponentInput>;
export const MAX_SCORECARD_COMPONENTS = 10;
const ScorecardFields = {
  components: z
    .array(ScorecardComponentInput)
    .min(2)
    .max(MAX_SCORECARD_COMPONENTS)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((c, i) => {
        if (seen.has(c.metric)) ctx.addIssue({ code: "custom", path: [i, "metric"], message: `'${c.metric}' is already a component` });
        seen.add(c.metric);
      });
    }),
  /** The most one component can attain, percent of its target (default 120). */
  cap: z.number().min(100).max(1000),
};
export const MetricCreate = MetricFields.extend({
  unit: MetricFields.shape.unit.default(""),
  direction: Direction.default("higher"),
  minVolume: MetricFields.shape.minVolume.default(0),
  components: ScorecardFields.components.optional(),
  cap: ScorecardFields.cap.optional(),
}).superRefine((m, ctx) => scorecardShapeProblems(m, ctx, true));
/** Patches have no defaults: an absent field keeps its value. */
export const MetricPatch = MetricFields.omit({ key: true })
  .extend(ScorecardFields)
  .partial()
  .superRefine((m, ctx) => scorecardShapeProblems(m, ctx, false));

/** A scorecard has components (and a cap), is `higher`, and has no minimum of its own; other metrics have neither. */
function scorecardShapeProblems(
  m: { aggregation?: Aggregation; components?: unknown; cap?: number; direction?: Direction; minVolume?: number },
  ctx: z.RefinementCtx,
  create: boolean,
): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (m.aggregation === "scorecard") {
    if (create && m.components === undefined) issue("components", "required for a scorecard");
    if (m.direction === "lower") issue("direction", "a scorecard is always 'higher' (lower-is-better components are inverted against their targets)");
    if (m.minVolume) issue("minVolume", "a scorecard qualifies through its components' minimum volumes");
  } else if (create || m.aggregation !== undefined) {
    if (m.components !== undefined) issue("components", "only for aggregation 'scorecard'");
    if (m.cap !== undefined) issue("cap", "only for aggregation 'scorecard'");
  }
}
export const DEFAULT_SCORECARD_CAP = 120;

// ---------------------------------------------------------------------------------------------
// Visibility: what agents and wallboards may see of a board. Leads, managers and admins see it all.

export const VisibilityMode = z.enum(["everyone", "top_n", "top_n_and_me", "me_and_neighbours", "only_me", "hidden"]);
export type VisibilityMode = z.infer<typeof VisibilityMode>;

const visibilityFields = {
  /**
   * `everyone`: the whole board; `top_n`: the first `n` places; `top_n_and_me`: those plus the
   * agent's own row; `me_and_neighbours`: the agent's row and `k` places either side; `only_me`: the
   * agent's own row; `hidden`: nothing. Wallboards have no "me": they show the whole board, the top
   * `n` (for both top modes), or nothing (for the personal modes).
   */
  mode: VisibilityMode,
  n: z.number().int().min(1).max(100),
  k: z.number().int().min(0).max(10),
  /** Off: ranks only; an agent still sees their own score. */
  showScores: z.boolean(),
  /** On: other agents appear as "Agent #<place>", never by name or id. */
  anonymise: z.boolean(),
};
export const Visibility = z.strictObject(visibilityFields);
export type Visibility = z.infer<typeof Visibility>;

/** What a board or org without settings of its own uses: the top three and "me", named, with scores. */
export const DEFAULT_VISIBILITY: Visibility = { mode: "top_n_and_me", n: 3, k: 1, showScores: true, anonymise: false };

/**
 * A merge patch (RFC 7386) of visibility settings: a field set to null goes back to inheriting
 * (a board from the org, the org from the defaults above).
 */
export const VisibilityPatch = z.strictObject({
  mode: visibilityFields.mode.nullable().optional(),
  n: visibilityFields.n.nullable().optional(),
  k: visibilityFields.k.nullable().optional(),
  showScores: visibilityFields.showScores.nullable().optional(),
  anonymise: visibilityFields.anonymise.nullable().optional(),
});
export type VisibilityPatch = z.infer<typeof VisibilityPatch>;
/** Settings stored on a board or org: only the fields it sets itself. */
export const VisibilityOverrides = Visibility.partial();
export type VisibilityOverrides = z.infer<typeof VisibilityOverrides>;

/** The settings in force: a board's own over its org's, over the defaults. */
export function effectiveVisibility(org: VisibilityOverrides, board: VisibilityOverrides = {}): Visibility {
  return { ...DEFAULT_VISIBILITY, ...org, ...board };
}

/** `GET`/`PATCH /v1/boards/:id/visibility` and `/v1/org/visibility`. */
export const VisibilitySettings = z.object({
  /** What is in force. */
  effective: Visibility,
  /** What this board (or org) sets itself; the rest is inherited. */
  overrides: VisibilityOverrides,
  /** What it inherits from. */
  inherited: Visibility,
});
export type VisibilitySettings = z.infer<typeof VisibilitySettings>;

/** One change of a privacy setting: who changed what, when, from what to what. */
export const AuditEntry = z.object({
  id: z.number().int(),
  at: Instant,
  actor: z.string(),
  target: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/**
 * Where a board's agents come from: one team (`team`), every team of a department (`department`),
 * or the whole org (`org`). Department and org boards are roll-ups, kept live from the teams'.
 */
export const BoardScope = z.enum(["team", "department", "org"]);
/** What a board ranks: agents, or (roll-ups) teams or departments by their agents' scores. */
export const BoardRanks = z.enum(["agents", "teams", "departments"]);
/** A team's (department's) score from its agents' scores: their `total`, or their `average`. */
export const TeamScore = z.enum(["total", "average"]);
export type BoardScope = z.infer<typeof BoardScope>;
export type BoardRanks = z.infer<typeof BoardRanks>;
export type TeamScore = z.infer<typeof TeamScore>;

export const BoardCreate = z.strictObject({
  id: Id.optional(),
  name: Name.optional(),
  scope: BoardScope.default("team"),
  /** The team of a `team` board; the department of a `department` board. */
  teamId: Id.optional(),
  departmentId: Id.optional(),
  ranks: BoardRanks.default("agents"),
  /** For boards that rank teams or departments (default `average`; `total` only for sum and count metrics). */
  teamScore: TeamScore.optional(),
  metric: MetricKey,
  period: PeriodKind,
  /** When a shift-day starts, local time (6: a day that runs 06:00–06:00 for night shifts). */
  dayStartHour: z.number().int().min(0).max(23).default(0),
  /** The first day of a week: 0 Sunday … 6 Saturday; 1 (Monday, ISO) by default. */
  weekStartsOn: z.number().int().min(0).max(6).default(1),
  /** A contest's window (required for, and only for, `period: "contest"`). */
  startsAt: Instant.optional(),
  endsAt: Instant.optional(),
});
export const BoardPatch = z
  .strictObject({
    name: Name,
    metric: MetricKey,
    period: PeriodKind,
    dayStartHour: BoardCreate.shape.dayStartHour.removeDefault(),
    weekStartsOn: BoardCreate.shape.weekStartsOn.removeDefault(),
    startsAt: Instant,
    endsAt: Instant,
  })
  .partial();

export const MAX_CONTEST_DAYS = 92;

/** What a board's scope fields must satisfy; [] when fine. */
export function scopeProblems(b: { scope: BoardScope; teamId?: string; departmentId?: string; ranks: BoardRanks; teamScore?: TeamScore }): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const need = (field: "teamId" | "departmentId", wanted: boolean) => {
    if (wanted && !b[field]) problems.push({ path: `/${field}`, message: `required for scope '${b.scope}'` });
    if (!wanted && b[field]) problems.push({ path: `/${field}`, message: `not for scope '${b.scope}'` });
  };
  need("teamId", b.scope === "team");
  need("departmentId", b.scope === "department");
  const allowed: Record<BoardScope, BoardRanks[]> = { team: ["agents"], department: ["agents", "teams"], org: ["agents", "teams", "departments"] };
  if (!allowed[b.scope].includes(b.ranks)) problems.push({ path: "/ranks", message: `a ${b.scope} board ranks ${allowed[b.scope].join(" or ")}` });
  if (b.teamScore && b.ranks === "agents") problems.push({ path: "/teamScore", message: "only for boards that rank teams or departments" });
  return problems;
}

/** What a board's period settings must satisfy once a create or a patch is applied; [] when fine. */
export function contestProblems(b: { period: PeriodKind; startsAt?: string | null; endsAt?: string | null }): { path: string; message: string }[] {
  if (b.period !== "contest") {
    return (["startsAt", "endsAt"] as const).flatMap((f) => (b[f] ? [{ path: `/${f}`, message: "only for period 'contest'" }] : []));
  }
  if (!b.startsAt || !b.endsAt) {
    return (["startsAt", "endsAt"] as const).flatMap((f) => (b[f] ? [] : [{ path: `/${f}`, message: "required for period 'contest'" }]));
  }
  const length = Date.parse(b.endsAt) - Date.parse(b.startsAt);
  if (length <= 0) return [{ path: "/endsAt", message: "must be after startsAt" }];
  // Team boards keep events for the longest period plus the grace window; a contest fits in that.
  return length > MAX_CONTEST_DAYS * 86_400_000 ? [{ path: "/endsAt", message: `a contest lasts at most ${MAX_CONTEST_DAYS} days` }] : [];
}

/** A board as the REST API returns it (`GET /v1/boards`, `GET /v1/boards/:id`). */
export const Board = z.object({
  id: z.string(),
  name: z.string(),
  scope: BoardScope,
  /** The team of a `team` board, else null. */
  teamId: z.string().nullable(),
  /** The department of a `department` board, else null. */
  departmentId: z.string().nullable(),
  ranks: BoardRanks,
  teamScore: TeamScore.nullable(),
  metric: z.string(),
  period: PeriodKind,
  dayStartHour: z.number().int(),
  weekStartsOn: z.number().int(),
  startsAt: Instant.nullable(),
  endsAt: Instant.nullable(),
  active: z.boolean(),
  /** The visibility settings in force (the board's own over the org's defaults). */
  visibility: Visibility,
  createdAt: Instant,
  updatedAt: Instant,
});
export const BoardList = z.object({ boards: z.array(Board) });
export type Board = z.infer<typeof Board>;
export type BoardList = z.infer<typeof BoardList>;

export const KeyCreate = z.strictObject({ name: Name, scopes: z.array(Scope).min(1) });

// ---------------------------------------------------------------------------------------------
// Viewer tokens: short-lived signed tokens for people's browsers, long-lived ones for wallboards

export const TOKEN_TTL_DEFAULT_S = 8 * 3600;
export const TOKEN_TTL_MAX_S = 24 * 3600;
export const DISPLAY_TOKEN_TTL_DEFAULT_S = 365 * 86_400;
export const DISPLAY_TOKEN_TTL_MAX_S = 2 * 365 * 86_400;

/**
 * `POST /v1/tokens`. An `agent` names their agent; a `lead` their teams; a `manager` their
 * departments; a `display` the boards or teams it shows. The token is in the answer once.
 */
export const TokenCreate = z
  .strictObject({
    role: Role,
    /** What the token is for, e.g. "Floor 2 TV" (shown in the token list). */
    name: Name.optional(),
    agentId: Id.optional(),
    teamIds: z.array(Id).min(1).max(100).optional(),
    departmentIds: z.array(Id).min(1).max(100).optional(),
    boardIds: z.array(Id).min(1).max(100).optional(),
    /** Lifetime in seconds; display tokens may live up to two years, others up to a day. */
    ttlSeconds: z.number().int().min(60).optional(),
  })
  .superRefine((t, ctx) => {
    const need = (field: "agentId" | "teamIds" | "departmentIds", why: string) => {
      if (t[field] === undefined) ctx.addIssue({ code: "custom", path: [field], message: why });
    };
    const forbid = (fields: readonly ("agentId" | "teamIds" | "departmentIds" | "boardIds")[]) => {
      for (const field of fields) {
        if (t[field] !== undefined) ctx.addIssue({ code: "custom", path: [field], message: `not allowed for role '${t.role}'` });
      }
    };
    if (t.role === "agent") (need("agentId", "required for role 'agent'"), forbid(["teamIds", "departmentIds", "boardIds"]));
    if (t.role === "lead") (need("teamIds", "required for role 'lead'"), forbid(["departmentIds", "boardIds"]));
    if (t.role === "manager") (need("departmentIds", "required for role 'manager'"), forbid(["teamIds", "boardIds"]));
    if (t.role === "admin") forbid(["agentId", "teamIds", "departmentIds", "boardIds"]);
    if (t.role === "display") {
      if (!t.teamIds && !t.boardIds) ctx.addIssue({ code: "custom", path: ["boardIds"], message: "a display needs boardIds or teamIds" });
      forbid(["agentId", "departmentIds"]);
    }
    const max = t.role === "display" ? DISPLAY_TOKEN_TTL_MAX_S : TOKEN_TTL_MAX_S;
    if (t.ttlSeconds !== undefined && t.ttlSeconds > max) {
      ctx.addIssue({ code: "custom", path: ["ttlSeconds"], message: `at most ${max} for role '${t.role}'` });
    }
  });
export type TokenCreate = z.infer<typeof TokenCreate>;

/** A token as listed (`GET /v1/tokens`); the token itself is only in the answer to its creation. */
export const TokenInfo = z.object({
  id: z.string(),
  role: Role,
  name: z.string().nullable(),
  agentId: z.string().nullable(),
  teamIds: z.array(z.string()),
  departmentIds: z.array(z.string()),
  boardIds: z.array(z.string()),
  createdAt: Instant,
  expiresAt: Instant,
  revokedAt: Instant.nullable(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

/** `PATCH /v1/me` with an agent's token: the agent opts out of being named to colleagues, or back in. */
export const MePatch = z.strictObject({ optedOut: z.boolean() });
export const Me = z.object({
  role: Role.or(z.literal("key")),
  agent: z.object({ id: z.string(), name: z.string(), teamId: z.string(), optedOut: z.boolean() }).nullable(),
});
export type Me = z.infer<typeof Me>;

export type OrgCreate = z.infer<typeof OrgCreate>;
export type AgentCreate = z.infer<typeof AgentCreate>;
export type MetricCreate = z.infer<typeof MetricCreate>;
export type BoardCreate = z.infer<typeof BoardCreate>;

// ---------------------------------------------------------------------------------------------
// Ingest

/** How far in the future an event may claim to have happened (clock skew between systems). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** The earliest time an event may claim to have happened: anything before is a sender's bug (an epoch of 0, a wrong unit). */
export const EARLIEST_EVENT_MS = Date.UTC(2000, 0, 1);
/** Event ids with this prefix are a webhook source's (`src_…:<platform id>`); senders of `POST /v1/events` cannot use them. */
export const SOURCE_EVENT_ID_PREFIX = "src_";
export const MAX_EVENTS_PER_BATCH = 1000;

/**
 * `add`: a sample (the default). `adjust`: a signed delta added to the agent's score. `set`: replaces
 * the value of the earlier `add` or `adjust` named by `ref` (a revised QA score). `void`: retracts
 * the earlier `add` or `adjust` named by `ref`. Corrections count in the period of what they correct.
 */
export const EventKind = z.enum(["add", "set", "adjust", "void"]);
export type EventKind = z.infer<typeof EventKind>;

export const ScoreEvent = z
  .strictObject({
    /** The sender's unique id for this event; a retry with the same id is counted once. */
    id: z.string().min(1).max(128),
    agent: Id,
    metric: MetricKey,
    kind: EventKind.default("add"),
    /** Required except for `void`. */
    value: z.number().optional(),
    /** For `set` and `void`: the id of the earlier event of the same agent and metric. */
    ref: z.string().min(1).max(128).optional(),
    /** For `ratio` metrics: whether an `add` counts towards the numerator (default) or the denominator. */
    part: z.enum(["numerator", "denominator"]).optional(),
    occurredAt: Instant,
  })
  .superRefine((e, ctx) => {
    const needsRef = e.kind === "set" || e.kind === "void";
    if (e.kind !== "void" && e.value === undefined) ctx.addIssue({ code: "custom", path: ["value"], message: `required for kind '${e.kind}'` });
    if (e.kind === "void" && e.value !== undefined) ctx.addIssue({ code: "custom", path: ["value"], message: "not allowed for kind 'void'" });
    if (needsRef && e.ref === undefined) ctx.addIssue({ code: "custom", path: ["ref"], message: `required for kind '${e.kind}'` });
    if (!needsRef && e.ref !== undefined) ctx.addIssue({ code: "custom", path: ["ref"], message: `not allowed for kind '${e.kind}'` });
    if (e.id.startsWith(SOURCE_EVENT_ID_PREFIX)) ctx.addIssue({ code: "custom", path: ["id"], message: `ids starting with '${SOURCE_EVENT_ID_PREFIX}' are reserved for webhook sources' events` });
    if (e.ref !== undefined && e.ref === e.id) ctx.addIssue({ code: "custom", path: ["ref"], message: "an event cannot correct itself" });
    if (e.kind !== "add" && e.part !== undefined) ctx.addIssue({ code: "custom", path: ["part"], message: "only for kind 'add'" });
  });
export const EventBatch = z.strictObject({
  events: z.array(ScoreEvent).min(1).max(MAX_EVENTS_PER_BATCH),
});
export type ScoreEvent = z.infer<typeof ScoreEvent>;
/** An event as a sender writes it (`kind` may be left out). */
export type ScoreEventInput = z.input<typeof ScoreEvent>;
export type EventBatch = z.infer<typeof EventBatch>;

export const IngestResult = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  /**
   * Of the accepted, those that fall in a period closed longer ago than the org's `lateGraceHours`
   * on some board: recorded and archived, but that board's closed standings stay as they were.
   */
  late: z.number().int(),
});
export type IngestResult = z.infer<typeof IngestResult>;

// ---------------------------------------------------------------------------------------------
// Webhook sources: a contact-centre platform or CRM that posts its own webhooks to Floorboard

export const Platform = z.enum(["twilio", "amazon_connect", "genesys_cloud", "aircall", "zendesk", "talkdesk", "generic"]);
export type Platform = z.infer<typeof Platform>;

/**
 * The metrics adapters report, by these keys unless a source maps them to the org's own
 * (`metrics`). Durations are in seconds; `resolved_first_contact` comes as ratio parts (every handled
 * contact a denominator, one resolved at first contact also a numerator), so it suits a `ratio` metric.
 */
export const StandardMetric = z.enum([
  "contacts_handled",
  "handle_time_s",
  "talk_time_s",
  "hold_time_s",
  "acw_time_s",
  "missed_contacts",
  "resolved_first_contact",
  "csat",
  "sales",
]);
export type StandardMetric = z.infer<typeof StandardMetric>;

const ExternalIdSystem = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, "must be a lower-case key, like the keys of an agent's externalIds");
const SourceSecret = z.string().min(8).max(512);

/** A source's settings, as `POST /v1/sources` takes them (without defaults, so that a PATCH changes only what it names). */
const sourceSettings = {
  name: Name,
  /** Which key of agents' `externalIds` holds their id on this platform; the platform's name unless set. */
  externalIdSystem: ExternalIdSystem,
  /**
   * What to do with an event for a platform agent id no agent carries: `refuse` the delivery (422),
   * or `provision` an agent for it in the team `unassignedTeamId` (created, with a department of the
   * same id, when missing).
   */
  unknownAgents: z.enum(["refuse", "provision"]),
  unassignedTeamId: Id,
  /** Standard metric -> the org's metric key that counts it; `null` drops it. Unmapped ones keep their names. */
  metrics: z.partialRecord(StandardMetric, MetricKey.nullable()),
  /** The platform's own options (see the README's guide for each platform). */
  options: z.record(z.string(), z.unknown()),
};

/**
 * `POST /v1/sources`. `secret` is the platform's (Twilio auth token, Zendesk signing secret, Aircall
 * webhook token) and required for those; for the others Floorboard generates one when it is left out.
 */
export const SourceCreate = z.strictObject({
  ...sourceSettings,
  platform: Platform,
  secret: SourceSecret.optional(),
  externalIdSystem: sourceSettings.externalIdSystem.optional(),
  unknownAgents: sourceSettings.unknownAgents.default("refuse"),
  unassignedTeamId: sourceSettings.unassignedTeamId.default("unassigned"),
  metrics: sourceSettings.metrics.default({}),
  options: sourceSettings.options.default({}),
});
/** `PATCH /v1/sources/:id`: the settings named change, the others stay; `active: true` reopens a deactivated source. */
export const SourcePatch = z.strictObject({ ...sourceSettings, active: z.literal(true) }).partial();
/**
 * `POST /v1/sources/:id/secret`: a new secret (generated when left out). The previous one keeps
 * working for `previousSecretValidSeconds` (a day unless set; 0 revokes it at once, for a leaked secret).
 */
export const SourceSecretRotate = z.strictObject({
  secret: SourceSecret.optional(),
  previousSecretValidSeconds: z.number().int().min(0).max(86_400).default(86_400),
});

export const Source = z.object({
  id: z.string(),
  name: z.string(),
  platform: Platform,
  /** Where the platform must post: `POST` this URL. */
  url: z.string(),
  externalIdSystem: z.string(),
  unknownAgents: z.enum(["refuse", "provision"]),
  unassignedTeamId: z.string(),
  metrics: z.partialRecord(StandardMetric, z.string().nullable()),
  options: z.record(z.string(), z.unknown()),
  active: z.boolean(),
  /** When the previous secret stops working after a rotation, if it still does. */
  previousSecretUntil: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Source = z.infer<typeof Source>;

/** What a webhook delivery did (platforms that expect 204 get no body). */
export const WebhookResult = IngestResult.extend({
  /** Events the delivery carried for metrics the org does not count (not defined, inactive or mapped to null). */
  ignored: z.number().int(),
});
export type WebhookResult = z.infer<typeof WebhookResult>;

// ---------------------------------------------------------------------------------------------
// Recognition: the points ledger, kudos, the rewards catalog and redemptions

/** Why points moved: earned by a metric rule or a badge, given (a lead's spot award, a colleague's kudos), adjusted by an admin, held for a redemption, released when it was rejected or cancelled. */
export const PointsKind = z.enum(["metric_rule", "badge", "spot_award", "kudos", "adjustment", "redemption", "redemption_release"]);
export type PointsKind = z.infer<typeof PointsKind>;
const Reason = z.string().trim().min(1).max(500);
const Note = z.string().trim().min(1).max(500);

/** `POST /v1/agents/:id/points`: a lead's spot award (positive) or an admin's adjustment (either sign). */
export const PointsGrant = z
  .strictObject({
    kind: z.enum(["spot_award", "adjustment"]),
    points: z.number().int().min(-1_000_000).max(1_000_000).refine((p) => p !== 0, "must not be 0"),
    reason: Reason,
  })
  .refine((g) => g.kind !== "spot_award" || g.points > 0, { path: ["points"], message: "a spot award gives points: must be positive" });
export type PointsGrant = z.infer<typeof PointsGrant>;

export const PointsMovement = z.object({
  seq: z.number().int(),
  points: z.number().int(),
  kind: PointsKind,
  reason: z.string(),
  /** Who moved them: `key:<id>`, `token:<id>` or `system`. */
  actor: z.string(),
  ref: z.string().nullable(),
  at: Instant,
});
export type PointsMovement = z.infer<typeof PointsMovement>;

/** `GET /v1/agents/:id/points`: the balance is the sum of every movement; `held` is what pending redemptions hold of it. */
export const PointsAccount = z.object({
  agentId: z.string(),
  balance: z.number().int(),
  held: z.number().int(),
  earned: z.number().int(),
  movements: z.array(PointsMovement),
  nextCursor: z.string().nullable(),
});
export type PointsAccount = z.infer<typeof PointsAccount>;

/** `POST /v1/kudos` (an agent's token): thanks to a colleague, worth the org's `kudosPoints`. */
export const KudosCreate = z.strictObject({ to: Id, message: z.string().trim().min(1).max(280) });
export type KudosCreate = z.infer<typeof KudosCreate>;
/** `GET /v1/people`: whom the caller may thank (an agent's teammates) or award (a lead's agents). */
export const PeopleList = z.object({ people: z.array(z.object({ id: z.string(), name: z.string(), teamId: z.string() })) });
export type PeopleList = z.infer<typeof PeopleList>;

export const RewardCategory = z.enum(["extra_break", "voucher", "learning", "time_off", "merchandise", "experience", "other"]);
export type RewardCategory = z.infer<typeof RewardCategory>;
/** The window a per-agent limit counts in, in the org's zone. */
export const LimitWindow = z.enum(["day", "week", "month", "quarter", "ever"]);
export type LimitWindow = z.infer<typeof LimitWindow>;

const rewardFields = {
  name: Name,
  description: z.string().trim().max(2000),
  cost: z.number().int().min(1).max(10_000_000),
  category: RewardCategory,
  /** Units left; null: unlimited. */
  stock: z.number().int().min(0).max(10_000_000).nullable(),
  /** At most `count` per agent per `per` (pending and fulfilled requests count); null: no limit. */
  perAgentLimit: z.strictObject({ count: z.number().int().min(1).max(1000), per: LimitWindow }).nullable(),
  availableFrom: Instant.nullable(),
  availableUntil: Instant.nullable(),
  /** Whether a lead must approve a request (otherwise it is fulfilled at once). */
  requiresApproval: z.boolean(),
};
const windowInOrder = (r: { availableFrom?: string | null; availableUntil?: string | null }) =>
  !r.availableFrom || !r.availableUntil || Date.parse(r.availableFrom) < Date.parse(r.availableUntil);
export const RewardCreate = z
  .strictObject({
    ...rewardFields,
    id: Id.optional(),
    description: rewardFields.description.default(""),
    stock: rewardFields.stock.default(null),
    perAgentLimit: rewardFields.perAgentLimit.default(null),
    availableFrom: rewardFields.availableFrom.default(null),
    availableUntil: rewardFields.availableUntil.default(null),
    requiresApproval: rewardFields.requiresApproval.default(true),
  })
  .refine(windowInOrder, { path: ["availableUntil"], message: "must be after availableFrom" });
export type RewardCreate = z.infer<typeof RewardCreate>;
/** `PATCH /v1/rewards/:id`: what it names changes; `active: false` withdraws the reward (pending requests stay decidable). */
export const RewardPatch = z.strictObject({ ...rewardFields, active: z.boolean() }).partial();
export type RewardPatch = z.infer<typeof RewardPatch>;

export const Reward = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  cost: z.number().int(),
  category: RewardCategory,
  stock: z.number().int().nullable(),
  perAgentLimit: z.object({ count: z.number().int(), per: LimitWindow }).nullable(),
  availableFrom: Instant.nullable(),
  availableUntil: Instant.nullable(),
  requiresApproval: z.boolean(),
  active: z.boolean(),
  /** Whether it can be requested now (active, in its window, in stock). */
  available: z.boolean(),
  createdAt: Instant,
  updatedAt: Instant,
});
export type Reward = z.infer<typeof Reward>;

export const RedemptionStatus = z.enum(["pending", "fulfilled", "rejected", "cancelled"]);
export type RedemptionStatus = z.infer<typeof RedemptionStatus>;
/** `POST /v1/redemptions`: an agent's token redeems for its agent; an admin may name `agentId`. */
export const RedemptionCreate = z.strictObject({ rewardId: Id, agentId: Id.optional(), note: Note.optional() });
export type RedemptionCreate = z.infer<typeof RedemptionCreate>;
/** `POST /v1/redemptions/:id/approve|reject|cancel`. */
export const RedemptionDecision = z.strictObject({ note: Note.optional() });
export const Redemption = z.object({
  id: z.string(),
  agentId: z.string(),
  /** In lists: the agent's name, for the approval queue. */
  agentName: z.string().optional(),
  rewardId: z.string(),
  rewardName: z.string(),
  cost: z.number().int(),
  status: RedemptionStatus,
  note: z.string().nullable(),
  requestedAt: Instant,
  requestedBy: z.string(),
  decidedAt: Instant.nullable(),
  decidedBy: z.string().nullable(),
  decisionNote: z.string().nullable(),
});
export type Redemption = z.infer<typeof Redemption>;

/** A calendar period an agent's goal or a threshold badge counts in (the org's zone; days start at midnight). */
export const RecognitionPeriod = z.enum(["day", "week", "month", "quarter"]);
export type RecognitionPeriod = z.infer<typeof RecognitionPeriod>;

/**
 * How a badge is earned. `threshold`: the agent's score on `metric` in a `period` reaches `value`
 * (at most `value` for a lower-is-better metric); `streak`: the daily goal on `metric` met `days`
 * working days in a row (the org's working days and holidays are skipped, not breaks); `rank`: a
 * final rank of at most `rank` on `board` when its period closes; `climb`: the biggest climb on
 * `board` from the previous period's final rank to this one's; `first`: the agent's first event of
 * `metric`; `manual`: awarded by a lead.
 */
export const BadgeRule = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("threshold"), metric: MetricKey, period: RecognitionPeriod, value: z.number().finite() }),
  z.strictObject({ kind: z.literal("streak"), metric: MetricKey, days: z.number().int().min(2).max(365) }),
  z.strictObject({ kind: z.literal("rank"), board: Id, rank: z.number().int().min(1).max(100) }),
  z.strictObject({ kind: z.literal("climb"), board: Id }),
  z.strictObject({ kind: z.literal("first"), metric: MetricKey }),
  z.strictObject({ kind: z.literal("manual") }),
]);
export type BadgeRule = z.infer<typeof BadgeRule>;

const badgeFields = {
  name: Name,
  description: z.string().trim().max(500),
  /** A short symbol shown with the badge (an emoji). */
  icon: z.string().trim().min(1).max(16),
  /** Points the award puts in the agent's ledger. */
  points: z.number().int().min(0).max(100_000),
};
export const BadgeCreate = z.strictObject({
  ...badgeFields,
  id: Id.optional(),
  description: badgeFields.description.default(""),
  icon: badgeFields.icon.default("🏅"),
  points: badgeFields.points.default(0),
  rule: BadgeRule,
});
export type BadgeCreate = z.infer<typeof BadgeCreate>;
/** The rule of a badge never changes (awards were made under it): withdraw it and define another. */
export const BadgePatch = z.strictObject({ ...badgeFields, active: z.boolean() }).partial();
export const Badge = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  icon: z.string(),
  points: z.number().int(),
  rule: BadgeRule,
  active: z.boolean(),
  createdAt: Instant,
  updatedAt: Instant,
});
export type Badge = z.infer<typeof Badge>;

/** `POST /v1/badges/:id/awards`: a lead awards a manual badge (once per agent and day). */
export const BadgeAwardCreate = z.strictObject({ agentId: Id, reason: Reason });
export const BadgeAward = z.object({
  id: z.string(),
  badgeId: z.string(),
  badgeName: z.string(),
  icon: z.string(),
  agentId: z.string(),
  /** The period it was earned in (its start; for `first`, the event's time). */
  periodStart: Instant,
  points: z.number().int(),
  reason: z.string(),
  awardedBy: z.string(),
  at: Instant,
});
export type BadgeAward = z.infer<typeof BadgeAward>;

/**
 * A goal: a target on a metric per period, for one agent or for every agent of a team. An agent's
 * own goal overrides their team's for the same metric and period.
 */
export const GoalCreate = z
  .strictObject({
    id: Id.optional(),
    metric: MetricKey,
    period: RecognitionPeriod,
    target: z.number().finite(),
    agentId: Id.optional(),
    teamId: Id.optional(),
  })
  .refine((g) => (g.agentId === undefined) !== (g.teamId === undefined), { path: ["agentId"], message: "name exactly one of agentId and teamId" });
export type GoalCreate = z.infer<typeof GoalCreate>;
export const GoalPatch = z.strictObject({ target: z.number().finite(), active: z.boolean() }).partial();
export const Goal = z.object({
  id: z.string(),
  metric: z.string(),
  period: RecognitionPeriod,
  target: z.number(),
  agentId: z.string().nullable(),
  teamId: z.string().nullable(),
  active: z.boolean(),
  createdAt: Instant,
  updatedAt: Instant,
});
export type Goal = z.infer<typeof Goal>;

/** `GET /v1/goals/progress`: where an agent stands against a goal in its current period. */
export const GoalProgress = z.object({
  agentId: z.string(),
  agentName: z.string(),
  /** The team whose board tracks the goal (the agent's team now). */
  teamId: z.string(),
  teamName: z.string(),
  goalId: z.string(),
  metric: z.string(),
  metricLabel: z.string(),
  direction: Direction,
  period: RecognitionPeriod,
  /** The team board the goal is tracked on (a board of the goal's metric and period). */
  board: z.string(),
  periodStart: Instant,
  periodEnd: Instant,
  target: z.number(),
  score: z.number().nullable(),
  reached: z.boolean(),
  /** How much of the period has passed, 0..1, and the score that pace asks for by now. */
  elapsed: z.number(),
  expected: z.number(),
  /** Higher-is-better: below the target's share for the elapsed part; lower-is-better: above target. */
  behindPace: z.boolean(),
});
export type GoalProgress = z.infer<typeof GoalProgress>;

/**
 * Points earned from events: `points` per event of `metric` (`per: "event"`, e.g. 5 per CSAT
 * survey) or per unit of its value (`per: "unit"`, e.g. 10 per sale counted in units), for events
 * whose value is within `min`..`max` when given (e.g. 5 per CSAT of 5: `min: 5`).
 */
export const PointRuleCreate = z
  .strictObject({
    id: Id.optional(),
    metric: MetricKey,
    points: z.number().int().min(-10_000).max(10_000).refine((p) => p !== 0, "must not be 0"),
    per: z.enum(["event", "unit"]).default("event"),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
  })
  .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { path: ["max"], message: "must be at least min" });
export type PointRuleCreate = z.infer<typeof PointRuleCreate>;
export const PointRule = z.object({
  id: z.string(),
  metric: z.string(),
  points: z.number().int(),
  per: z.enum(["event", "unit"]),
  min: z.number().nullable(),
  max: z.number().nullable(),
  active: z.boolean(),
  createdAt: Instant,
});
export type PointRule = z.infer<typeof PointRule>;

// ---------------------------------------------------------------------------------------------
// Live boards: one row format for REST snapshots and WebSocket frames

export const Row = z.object({
  /** Standard competition rank: ties share a rank, the next rank skips (1, 2, 2, 4). */
  rank: z.number().int().positive(),
  /** 1-based position in board order; unique within a frame, and the key that updates use. */
  place: z.number().int().positive(),
  /** Who it is, or null when the viewer may not know (anonymised, or the agent opted out). */
  agent: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** What to show: the agent's name, or "Agent #<place>". */
  label: z.string(),
  /** Absent when the board hides scores from this viewer. */
  score: z.number().optional(),
  /** Ranks moved since the board's previous update (positive: up); absent when none, or not shown to this viewer. */
  change: z.number().int().optional(),
  /** The agent's final rank in the board's previous period; absent when unranked then, or not shown to this viewer. */
  previousRank: z.number().int().positive().optional(),
  /** The viewer's own row. */
  me: z.literal(true).optional(),
  /** Shown to leads, managers and admins only: this agent asked not to be named to colleagues. */
  optedOut: z.literal(true).optional(),
});
export type Row = z.infer<typeof Row>;

/** How the rows of a frame were chosen: `full` for leads, managers and admins. */
export const ViewKind = z.enum(["full", "agent", "display"]);
export type ViewKind = z.infer<typeof ViewKind>;

/** An agent below the metric's minimum volume: not ranked yet, with their progress towards it. */
export const QualifyingEntry = z.object({
  agent: z.object({ id: z.string(), name: z.string() }).nullable(),
  label: z.string(),
  volume: z.number(),
  required: z.number().int().positive(),
  me: z.literal(true).optional(),
});
export type QualifyingEntry = z.infer<typeof QualifyingEntry>;

/**
 * Why an agent has their score (`GET /v1/boards/:id/explain/:agentId`). On a scorecard each
 * component shows its value, target, weight, attainment (percent of target, capped) and the
 * points it adds; the points add up to the score. On other boards: the metric's value.
 */
export const ScoreExplanation = z.object({
  board: z.string(),
  agent: z.object({ id: z.string(), name: z.string() }),
  period: z.lazy(() => PeriodWindow),
  /** Null when not ranked (no score yet, or below the minimum volume). */
  rank: z.number().int().positive().nullable(),
  score: z.number().nullable(),
  qualified: z.boolean(),
  volume: z.number(),
  required: z.number(),
  formula: z.string(),
  components: z.array(
    z.object({
      metric: z.string(),
      label: z.string(),
      unit: z.string(),
      direction: Direction,
      value: z.number().nullable(),
      volume: z.number(),
      minVolume: z.number(),
      target: z.number().optional(),
      weight: z.number().optional(),
      attainment: z.number().optional(),
      points: z.number().optional(),
    }),
  ),
});
export type ScoreExplanation = z.infer<typeof ScoreExplanation>;

export const PeriodWindow = z.object({ kind: PeriodKind, start: Instant, end: Instant });
export type PeriodWindow = z.infer<typeof PeriodWindow>;

export const BoardHeader = z.object({
  id: z.string(),
  name: z.string(),
  /** Whose board it is: the team's, or a roll-up's department or org. */
  team: z.object({ id: z.string(), name: z.string() }),
  /** Absent on team boards (team, agents). On boards that rank teams or departments, a row's `agent` names the team or department. */
  scope: BoardScope.optional(),
  ranks: BoardRanks.optional(),
  teamScore: TeamScore.optional(),
  /** `aggregation` says how an agent's events make their score (and so whether a team's scores add up or average). */
  metric: z.object({ key: z.string(), label: z.string(), unit: z.string(), aggregation: Aggregation, direction: Direction, minVolume: z.number().int().nonnegative() }),
  /** The org's IANA time zone, in which the period runs. */
  timeZone: z.string(),
});
export type BoardHeader = z.infer<typeof BoardHeader>;

/** `GET /v1/boards/:id/history`: the board's last closed periods, newest first, as this caller may see them. */
export const BoardHistory = z.object({
  board: z.string(),
  periods: z.array(
    z.object({ period: PeriodWindow, closedAt: Instant, revision: z.number().int(), view: ViewKind, visibility: Visibility, rows: z.array(Row), total: z.number().int().nonnegative().nullable() }),
  ),
});
export type BoardHistory = z.infer<typeof BoardHistory>;

/** `GET /v1/agents/:id/trend`: the agent in each of the board's last closed periods (null where not ranked or not visible). */
export const AgentTrend = z.object({
  agent: z.string(),
  board: z.string(),
  points: z.array(z.object({ period: PeriodWindow, rank: z.number().int().nullable(), place: z.number().int().nullable(), score: z.number().nullable(), ranked: z.number().int().nullable() })),
});
export type AgentTrend = z.infer<typeof AgentTrend>;

const Envelope = { board: z.string(), period: PeriodWindow, seq: z.number().int().nonnegative() };

export const SnapshotFrame = z.object({
  type: z.literal("snapshot"),
  ...Envelope,
  header: BoardHeader,
  /** Whose view this is and the board's visibility settings in force. */
  view: ViewKind,
  visibility: Visibility,
  rows: z.array(Row),
  /** How many agents are ranked (the rows may be fewer once visibility rules apply); null when hidden. */
  total: z.number().int().nonnegative().nullable(),
  /**
   * Agents below the metric's minimum volume, by progress: leads, managers and admins see all of
   * them; an agent sees only their own entry; a wallboard none.
   */
  qualifying: z.array(QualifyingEntry),
});
/** What changed in this view since the frame with `seq - 1`. */
export const UpdateFrame = z.object({
  type: z.literal("update"),
  ...Envelope,
  /** Rows that are new or differ from the row last sent at the same place. */
  changed: z.array(Row),
  /** Places no longer in the view. */
  removed: z.array(z.number().int().positive()),
  total: z.number().int().nonnegative().nullable(),
  /** The whole qualifying list, when it changed. */
  qualifying: z.array(QualifyingEntry).optional(),
});
/** The board's visibility settings changed; a snapshot of the new view follows. */
export const SettingsFrame = z.object({
  type: z.literal("settings"),
  ...Envelope,
  visibility: Visibility,
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
  "token_revoked", // the viewer token was revoked while the socket was open (closes with 4401)
]);
export const ErrorFrame = z.object({ type: z.literal("error"), code: ErrorCode, message: z.string() });
export const PongFrame = z.object({ type: z.literal("pong") });

const Person = z.object({ id: z.string(), name: z.string() });

/**
 * Recognition for the team, on every socket of the team's boards that may know of it: a badge
 * earned, a goal hit, first place taken, kudos received. Leads, managers and admins always see it;
 * colleagues and wallboards only on a board that is not hidden, with `agent` null on an anonymised
 * one, and never an opted-out agent's (they and their leads still do). Not part of the board's
 * sequence: `id` is the same on every socket, so a client with several boards open shows it once.
 * Arrives in a `notices` frame.
 */
export const CelebrationFrame = z.object({
  type: z.literal("celebration"),
  id: z.string(),
  board: z.string(),
  kind: z.enum(["badge", "goal", "first_place", "kudos"]),
  /** Whom it celebrates; null when this viewer may not know. */
  agent: Person.nullable(),
  /** Set on the celebrated agent's own sockets. */
  me: z.literal(true).optional(),
  badge: z.object({ id: z.string(), name: z.string(), icon: z.string() }).optional(),
  metric: z.object({ key: z.string(), label: z.string() }).optional(),
  /** A goal's target and period (`goal`). */
  target: z.number().optional(),
  period: z.enum(["day", "week", "month", "quarter"]).optional(),
  /** What the giver wrote (`kudos`). */
  note: z.string().optional(),
  /** The celebration in English; pages compose their own language from the fields above. */
  message: z.string(),
  at: Instant,
});
export type CelebrationFrame = z.infer<typeof CelebrationFrame>;

/**
 * A message for one agent, on their own sockets only: they were overtaken, the next rank is within
 * reach, their goal is close, or they earned a badge. It names no one else. Arrives in a `notices` frame.
 */
export const NudgeFrame = z.object({
  type: z.literal("nudge"),
  id: z.string(),
  board: z.string(),
  kind: z.enum(["overtaken", "within_reach", "close_to_goal", "badge_earned"]),
  /** The agent's rank now (`overtaken`), or the rank within reach (`within_reach`). */
  rank: z.number().int().optional(),
  /** What is left to go: to the rank within reach (only where the board shows scores), or to the goal. */
  gap: z.number().optional(),
  /** The goal's target (`close_to_goal`). */
  target: z.number().optional(),
  metric: z.object({ key: z.string(), label: z.string() }).optional(),
  badge: z.object({ id: z.string(), name: z.string(), icon: z.string() }).optional(),
  /** The points a badge brought (`badge_earned`). */
  points: z.number().optional(),
  /** The nudge in English; pages compose their own language from the fields above. */
  message: z.string(),
  at: Instant,
});
export type NudgeFrame = z.infer<typeof NudgeFrame>;

/**
 * Celebrations and nudges due for this socket, oldest first. They travel at the board's pace, like
 * its updates: a socket gets at most one `notices` frame per tick, however many are due.
 */
export const NoticesFrame = z.object({
  type: z.literal("notices"),
  notices: z.array(z.discriminatedUnion("type", [CelebrationFrame, NudgeFrame])),
});
export type NoticesFrame = z.infer<typeof NoticesFrame>;

export const ServerFrame = z.discriminatedUnion("type", [SnapshotFrame, UpdateFrame, SettingsFrame, PeriodFrame, ErrorFrame, PongFrame, NoticesFrame]);
export type SnapshotFrame = z.infer<typeof SnapshotFrame>;
export type UpdateFrame = z.infer<typeof UpdateFrame>;
export type PeriodFrame = z.infer<typeof PeriodFrame>;
export type SettingsFrame = z.infer<typeof SettingsFrame>;
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
