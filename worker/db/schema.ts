/**
 * The D1 schema. drizzle-kit generates `migrations/` from this file (`npm run db:generate`).
 * Every row belongs to an org; customer-chosen ids are unique within their org.
 * Instants are integer milliseconds since the epoch.
 */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const timestamps = {
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
};
const active = integer("active", { mode: "boolean" }).notNull().default(true);

export const orgs = sqliteTable("orgs", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  timeZone: text("time_zone").notNull(),
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
    teamId: text("team_id").notNull(),
    active,
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.orgId, t.id] }), index("agents_team").on(t.orgId, t.teamId)],
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
    aggregation: text("aggregation", { enum: ["sum", "count", "avg", "min", "max", "last"] }).notNull(),
    direction: text("direction", { enum: ["higher", "lower"] }).notNull(),
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
    teamId: text("team_id").notNull(),
    metricKey: text("metric_key").notNull(),
    period: text("period", { enum: ["day", "week", "month"] }).notNull(),
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

