/**
 * The D1 schema. drizzle-kit generates `migrations/` from this file (`npm run db:generate`).
 * Every row belongs to an org; customer-chosen ids are unique within their org.
 * Instants are integer milliseconds since the epoch.
 */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type {
  BadgeRule,
  LimitWindow,
  Platform,
  PointsKind,
  RecognitionPeriod,
  RedemptionStatus,
  RewardCategory,
  Role,
  ScorecardComponentInput,
  StandardMetric,
  VisibilityOverrides,
} from "../../protocol/index.ts";

const timestamps = {
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
};
const active = integer("active", { mode: "boolean" }).notNull().default(true);
/** Visibility settings a board or org sets itself (a JSON object; absent fields are inherited). */
const visibility = text("visibility", { mode: "json" }).$type<VisibilityOverrides>().notNull().default({});

export const orgs = sqliteTable("orgs", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  timeZone: text("time_zone").notNull(),
  /** The defaults for the org's boards. */
  visibility,
  /** How long after a period closes late events and corrections still change it. */
  lateGraceHours: integer("late_grace_hours").notNull().default(72),
  /** Points a kudos gives its recipient, and how many kudos an agent may give a day (in the org's zone). */
  kudosPoints: integer("kudos_points").notNull().default(5),
  kudosDailyCap: integer("kudos_daily_cap").notNull().default(3),
  /** ISO weekdays streaks count (1 = Monday), and dates (YYYY-MM-DD) they skip. */
  workingDays: text("working_days", { mode: "json" }).$type<number[]>().notNull().default([1, 2, 3, 4, 5]),
  holidays: text("holidays", { mode: "json" }).$type<string[]>().notNull().default([]),
  ...timestamps,
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull().references(() => orgs.id),
    name: text("name").notNull(),
    /** The first characters of the key, to recognise it in a list; the key itself is never stored. */
    prefix: text("prefix").notNull(),
    /** SHA-256 of the whole key, hex. Keys are 256-bit random, so a fast hash is enough. */
    hash: text("hash").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash").on(t.hash), index("api_keys_org").on(t.orgId)],
);

export const departments = sqliteTable(
  "departments",
  {
    orgId: text("org_id").notNull().references(() => orgs.id),
    id: text("id").notNull(),
    name: text("name").notNull(),
    active,
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] })],
);

export const teams = sqliteTable(
  "teams",
  {
    orgId: text("org_id").notNull().references(() => orgs.id),
    id: text("id").notNull(),
    name: text("name").notNull(),
    departmentId: text("department_id").notNull(),
    /** The team's shift in the org's zone ("HH:MM"; an end before the start runs past midnight): goals' pace counts its hours. */
    shiftStart: text("shift_start"),
    shiftEnd: text("shift_end"),
    active,
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] })],
);

export const agents = sqliteTable(
  "agents",
  {
    orgId: text("org_id").notNull().references(() => orgs.id),
    id: text("id").notNull(),
    name: text("name").notNull(),
    /**
     * The team in effect at the agent's latest placement write. Scheduled moves take effect without
     * a write, so code that means "the team now" reads `teamNow` (worker/db/memberships.ts), which
     * follows `agent_memberships`.
     */
    teamId: text("team_id").notNull(),
    /** The agent asked not to be named to colleagues and wallboards; set only with their own token. */
    optedOut: integer("opted_out", { mode: "boolean" }).notNull().default(false),
    active,
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index("agents_team").on(t.orgId, t.teamId)],
);

/**
 * Which team an agent is in, and from when: a stint runs from its `from_at` (epoch ms) until the
 * agent's next stint begins. The agent's team at an instant is the stint with the largest `from_at`
 * at or before it; before their first stint, their first team. Stints in the future are scheduled
 * moves. Rows are never rewritten in the past: events already recorded stay with their team.
 */
export const agentMemberships = sqliteTable(
  "agent_memberships",
  {
    orgId: text("org_id").notNull().references(() => orgs.id),
    agentId: text("agent_id").notNull(),
    teamId: text("team_id").notNull(),
    fromAt: integer("from_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.agentId, t.fromAt] }), index("agent_memberships_team").on(t.orgId, t.teamId)],
);

/** An agent's id on each contact-centre platform; a platform id maps to one agent per org. */
export const agentExternalIds = sqliteTable(
  "agent_external_ids",
  {
    orgId: text("org_id").notNull().references(() => orgs.id),
    platform: text("platform").notNull(),
    externalId: text("external_id").notNull(),
    agentId: text("agent_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.platform, t.externalId] }), index("agent_external_ids_agent").on(t.orgId, t.agentId)],
);

export const metrics = sqliteTable(
  "metrics",
  {
    orgId: text("org_id").notNull().references(() => orgs.id),
    key: text("key").notNull(),
    label: text("label").notNull(),
    unit: text("unit").notNull().default(""),
    aggregation: text("aggregation", { enum: ["sum", "count", "avg", "ratio", "min", "max", "last", "scorecard"] }).notNull(),
    direction: text("direction", { enum: ["higher", "lower"] }).notNull(),
    /** Samples (a ratio: its denominator) an agent needs in a period before being ranked; 0: none. */
    minVolume: integer("min_volume").notNull().default(0),
    /** A scorecard's blend: the metrics it weighs and their targets; null for other metrics. */
    components: text("components", { mode: "json" }).$type<ScorecardComponentInput[]>(),
    /** A scorecard's most a component can attain, percent of target. */
    cap: real("cap"),
    active,
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.orgId, t.key] })],
);

export const boards = sqliteTable(
  "boards",
  {
    orgId: text("org_id").notNull().references(() => orgs.id),
    id: text("id").notNull(),
    name: text("name").notNull(),
    /** `team`, or a roll-up over a department's teams or the whole org. */
    scope: text("scope", { enum: ["team", "department", "org"] }).notNull().default("team"),
    /** The board's team; "" for roll-ups. */
    teamId: text("team_id").notNull(),
    /** A department roll-up's department. */
    departmentId: text("department_id"),
    ranks: text("ranks", { enum: ["agents", "teams", "departments"] }).notNull().default("agents"),
    teamScore: text("team_score", { enum: ["total", "average"] }),
    metricKey: text("metric_key").notNull(),
    period: text("period", { enum: ["day", "week", "month", "quarter", "contest"] }).notNull(),
    dayStartHour: integer("day_start_hour").notNull().default(0),
    weekStartsOn: integer("week_starts_on").notNull().default(1),
    /** A contest's window, epoch ms; null for other periods. */
    contestStart: integer("contest_start"),
    contestEnd: integer("contest_end"),
    visibility,
    active,
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index("boards_team").on(t.orgId, t.teamId)],
);

/** Every accepted score event, archived from the team boards' outboxes. Inserts are idempotent. */
export const scoreEvents = sqliteTable(
  "score_events",
  {
    orgId: text("org_id").notNull(),
    eventId: text("event_id").notNull(),
    teamId: text("team_id").notNull(),
    agentId: text("agent_id").notNull(),
    metricKey: text("metric_key").notNull(),
    /** `add`, `set`, `adjust` or `void`; `ref` names the event a `set` or `void` corrects. */
    kind: text("kind").$type<"add" | "set" | "adjust" | "void">().notNull().default("add"),
    ref: text("ref"),
    /** `denominator` for a ratio metric's denominator samples. */
    part: text("part").$type<"numerator" | "denominator">().notNull().default("numerator"),
    value: real("value").notNull(),
    occurredAt: integer("occurred_at").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.eventId] }),
    index("score_events_agent_time").on(t.orgId, t.agentId, t.occurredAt),
    index("score_events_team_time").on(t.orgId, t.teamId, t.occurredAt),
  ],
);


/**
 * Every viewer token issued, so that any can be revoked (a wallboard's lives for months) and the
 * org can see who holds which. The token itself is not stored: it is signed, and its id is `jti`.
 */
export const viewerTokens = sqliteTable(
  "viewer_tokens",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull().references(() => orgs.id),
    role: text("role").$type<Role>().notNull(),
    name: text("name"),
    agentId: text("agent_id"),
    teamIds: text("team_ids", { mode: "json" }).$type<string[]>().notNull(),
    departmentIds: text("department_ids", { mode: "json" }).$type<string[]>().notNull(),
    boardIds: text("board_ids", { mode: "json" }).$type<string[]>().notNull(),
    /** Who issued it: `key:<id>` or `token:<id>`. */
    issuedBy: text("issued_by").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("viewer_tokens_org").on(t.orgId, t.createdAt)],
);

/** Who changed a privacy setting or a closed period's standings, when, from what to what. Rows are only ever added. */
export const settingsAudit = sqliteTable(
  "settings_audit",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    orgId: text("org_id").notNull().references(() => orgs.id),
    at: integer("at").notNull(),
    /** `key:<id>` or `token:<id>` (with the role and agent the token was issued for). */
    actor: text("actor").notNull(),
    /** `board:<id>`, `org`, `agent:<id>`, or `history:<board id>@<period start, ISO 8601>` (a closed period revised). */
    target: text("target").notNull(),
    before: text("before", { mode: "json" }).notNull(),
    after: text("after", { mode: "json" }).notNull(),
  },
  (t) => [index("settings_audit_target").on(t.orgId, t.target, t.at)],
);

/**
 * A closed period of a board: written by the team's Durable Object when the period ends, and
 * again if a late event or a correction changes it (`revision` counts the writes).
 */
export const periodClosures = sqliteTable(
  "period_closures",
  {
    orgId: text("org_id").notNull(),
    boardId: text("board_id").notNull(),
    periodStart: integer("period_start").notNull(),
    periodEnd: integer("period_end").notNull(),
    kind: text("kind").$type<"day" | "week" | "month" | "quarter" | "contest">().notNull(),
    teamId: text("team_id").notNull(),
    metricKey: text("metric_key").notNull(),
    direction: text("direction").$type<"higher" | "lower">().notNull(),
    ranked: integer("ranked").notNull(),
    revision: integer("revision").notNull(),
    closedAt: integer("closed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.boardId, t.periodStart] })],
);

/** The final standings of a closed period: one row per ranked agent. */
export const periodStandings = sqliteTable(
  "period_standings",
  {
    orgId: text("org_id").notNull(),
    boardId: text("board_id").notNull(),
    periodStart: integer("period_start").notNull(),
    agentId: text("agent_id").notNull(),
    rank: integer("rank").notNull(),
    place: integer("place").notNull(),
    score: real("score").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.boardId, t.periodStart, t.agentId] }), index("period_standings_agent").on(t.orgId, t.agentId, t.boardId, t.periodStart)],
);

/**
 * A webhook source: a platform account that posts its own webhooks to `/v1/webhooks/:id`. Secrets
 * are stored encrypted (AES-GCM under SOURCE_SECRETS_KEY, bound to the org and source id): HMAC
 * schemes need the secret itself, so it cannot be hashed like an API key.
 */
export const webhookSources = sqliteTable(
  "webhook_sources",
  {
    /** Generated (`src_` + 96 random bits) and unique across orgs: the webhook URL carries only this id. */
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull().references(() => orgs.id),
    name: text("name").notNull(),
    platform: text("platform").$type<Platform>().notNull(),
    secret: text("secret").notNull(),
    /** The secret before the last rotation, valid until `previous_secret_until`. */
    previousSecret: text("previous_secret"),
    previousSecretUntil: integer("previous_secret_until"),
    externalIdSystem: text("external_id_system").notNull(),
    unknownAgents: text("unknown_agents").$type<"refuse" | "provision">().notNull(),
    unassignedTeamId: text("unassigned_team_id").notNull(),
    metrics: text("metrics", { mode: "json" }).$type<Partial<Record<StandardMetric, string | null>>>().notNull(),
    options: text("options", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    active,
    ...timestamps,
  },
  (t) => [index("webhook_sources_org").on(t.orgId, t.createdAt)],
);

/**
 * The points ledger: append-only. An agent's balance is the sum of their rows; every row says who
 * moved the points (`actor`, as in audit rows, or `system`) and why. `key` makes a movement
 * idempotent: the same fact (a redemption's hold, a kudos, a badge award) is never entered twice.
 */
export const pointsLedger = sqliteTable(
  "points_ledger",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    orgId: text("org_id").notNull().references(() => orgs.id),
    key: text("key").notNull(),
    agentId: text("agent_id").notNull(),
    /** Signed: positive earns, negative spends or takes back. */
    points: integer("points").notNull(),
    kind: text("kind").$type<PointsKind>().notNull(),
    reason: text("reason").notNull(),
    actor: text("actor").notNull(),
    /** What the movement is about: a redemption, kudos, badge award or event id. */
    ref: text("ref"),
    at: integer("at").notNull(),
  },
  (t) => [uniqueIndex("points_ledger_key").on(t.orgId, t.key), index("points_ledger_agent").on(t.orgId, t.agentId, t.seq)],
);

/** Peer kudos: an agent thanks a colleague. `day_start` is the giver's day (org zone), for the daily cap. */
export const kudos = sqliteTable(
  "kudos",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull().references(() => orgs.id),
    fromAgent: text("from_agent").notNull(),
    toAgent: text("to_agent").notNull(),
    message: text("message").notNull(),
    points: integer("points").notNull(),
    dayStart: integer("day_start").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("kudos_giver_day").on(t.orgId, t.fromAgent, t.dayStart), index("kudos_recipient").on(t.orgId, t.toAgent, t.at)],
);

/** The rewards catalog: what points buy. `stock` is what is left (null: unlimited). */
export const rewardItems = sqliteTable(
  "reward_items",
  {
    orgId: text("org_id").notNull().references(() => orgs.id),
    id: text("id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    cost: integer("cost").notNull(),
    category: text("category").$type<RewardCategory>().notNull(),
    stock: integer("stock"),
    /** How many an agent may redeem per `limit_window` (null: no limit). */
    limitCount: integer("limit_count"),
    limitWindow: text("limit_window").$type<LimitWindow>(),
    availableFrom: integer("available_from"),
    availableUntil: integer("available_until"),
    requiresApproval: integer("requires_approval", { mode: "boolean" }).notNull(),
    active,
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] })],
);

/**
 * A request to redeem a reward. Its points are held (a negative ledger row) from the request on; a
 * rejection or cancellation releases them (a positive row) and returns the stock.
 */
export const redemptions = sqliteTable(
  "redemptions",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull().references(() => orgs.id),
    agentId: text("agent_id").notNull(),
    rewardId: text("reward_id").notNull(),
    rewardName: text("reward_name").notNull(),
    cost: integer("cost").notNull(),
    status: text("status").$type<RedemptionStatus>().notNull(),
    /** The start of the reward's limit window the request falls in (0 for `ever`), for the per-agent limit. */
    windowStart: integer("window_start").notNull(),
    note: text("note"),
    requestedAt: integer("requested_at").notNull(),
    requestedBy: text("requested_by").notNull(),
    decidedAt: integer("decided_at"),
    decidedBy: text("decided_by"),
    decisionNote: text("decision_note"),
    /** Set once a rejected or cancelled request's stock went back (so it goes back once). */
    stockReturned: integer("stock_returned", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    index("redemptions_agent").on(t.orgId, t.agentId, t.rewardId, t.windowStart),
    index("redemptions_status").on(t.orgId, t.status, t.requestedAt),
  ],
);

/** Badges an admin defines: how each is earned (a validated rule) and what it is worth. */
export const badges = sqliteTable(
  "badges",
  {
    orgId: text("org_id").notNull().references(() => orgs.id),
    id: text("id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    icon: text("icon").notNull(),
    points: integer("points").notNull(),
    rule: text("rule", { mode: "json" }).$type<BadgeRule>().notNull(),
    active,
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] })],
);

/**
 * A badge earned: at most one per badge, agent and period (`period_start`; for manual awards the
 * day, for `first` 0), however often the facts behind it arrive.
 */
export const badgeAwards = sqliteTable(
  "badge_awards",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull().references(() => orgs.id),
    badgeId: text("badge_id").notNull(),
    agentId: text("agent_id").notNull(),
    periodStart: integer("period_start").notNull(),
    points: integer("points").notNull(),
    reason: text("reason").notNull(),
    awardedBy: text("awarded_by").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [uniqueIndex("badge_awards_once").on(t.orgId, t.badgeId, t.agentId, t.periodStart), index("badge_awards_agent").on(t.orgId, t.agentId, t.at)],
);

/** Targets per metric and period, for one agent or every agent of a team. */
export const goals = sqliteTable(
  "goals",
  {
    orgId: text("org_id").notNull().references(() => orgs.id),
    id: text("id").notNull(),
    metricKey: text("metric_key").notNull(),
    period: text("period").$type<RecognitionPeriod>().notNull(),
    target: real("target").notNull(),
    agentId: text("agent_id"),
    teamId: text("team_id"),
    active,
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index("goals_team").on(t.orgId, t.teamId), index("goals_agent").on(t.orgId, t.agentId)],
);

/** Points earned from events of a metric. */
export const pointRules = sqliteTable(
  "point_rules",
  {
    orgId: text("org_id").notNull().references(() => orgs.id),
    id: text("id").notNull(),
    metricKey: text("metric_key").notNull(),
    points: integer("points").notNull(),
    per: text("per").$type<"event" | "unit">().notNull(),
    min: real("min"),
    max: real("max"),
    active,
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] })],
);
