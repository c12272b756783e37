/**
 * Agents from a CSV file: a header row (`id,name,teamId`, then any external-id columns such as
 * `externalIds.twilio` or plain `twilio`), one agent a row. Reading checks what can be known here
 * (a missing name, an unknown team, an id or external id twice) so bad rows are shown before
 * anything is sent; the server checks the rest, and its problems are mapped back to the CSV line
 * and column with `rowOfProblem`.
 */
import Papa from "papaparse";
import { m } from "../messages/admin.ts";

/** `PUT /v1/agents` takes at most this many agents, all or nothing. */
export const AGENTS_PER_REQUEST = 1000;

/** The external-id systems are the keys of agents' `externalIds` (the protocol's ExternalIds keys). */
const SYSTEM = /^[a-z][a-z0-9_-]{0,31}$/;

export interface CsvAgent {
  id: string;
  name: string;
  teamId: string;
  externalIds?: Record<string, string>;
}

export interface CsvRow {
  /** The line of the file the row starts on (the header is line 1). */
  line: number;
  /** The row's cells by column, as written (trimmed). */
  cells: Record<string, string>;
  agent: CsvAgent;
  /** What is wrong with the row, by column ("" for the row as a whole). */
  problems: { column: string; message: string }[];
}

export interface CsvColumn {
  /** The header as written. */
  header: string;
  /** `id`, `name`, `teamId`, or `externalIds/<system>` (as the API's paths name them). */
  field: string;
}

export interface AgentCsv {
  columns: CsvColumn[];
  /** What is wrong with the file as a whole (a missing or unknown column): no row can be imported. */
  fileProblems: string[];
  rows: CsvRow[];
}

const REQUIRED = ["id", "name", "teamId"] as const;

function fieldOfHeader(header: string): string | null {
  const plain = header.trim();
  const lower = plain.toLowerCase();
  if (lower === "id") return "id";
  if (lower === "name") return "name";
  if (lower === "teamid" || lower === "team_id" || lower === "team") return "teamId";
  const system = lower.startsWith("externalids.") ? plain.slice("externalIds.".length) : lower;
  return SYSTEM.test(system) ? `externalIds/${system}` : null;
}

/** Reads the CSV text; `teams` are the ids of the org's active teams. */
export function readAgentCsv(text: string, teams: ReadonlySet<string>): AgentCsv {
  // One kind of line break, so that Papa's detection and the line numbers below agree.
  const source = text.replace(/\r\n?/g, "\n");
  const fileProblems: string[] = [];
  const parsed: { data: Record<string, string | undefined>; cursor: number; errors: Papa.ParseError[] }[] = [];
  let fields: string[] = [];
  let renamed: Record<string, string> = {};
  Papa.parse<Record<string, string | undefined>>(source, {
    header: true,
    newline: "\n",
    skipEmptyLines: "greedy",
    transformHeader: (header) => header.trim(),
    step: (result) => {
      parsed.push({ data: result.data, cursor: result.meta.cursor, errors: result.errors });
      fields = result.meta.fields ?? fields;
      renamed = result.meta.renamedHeaders ?? renamed;
    },
  });
  if (parsed.length === 0) return { columns: [], fileProblems: [m.csvEmpty], rows: [] };

  for (const header of Object.values(renamed)) fileProblems.push(m.csvColumnTwice(header));
  const columns: CsvColumn[] = [];
  for (const header of fields.filter((f) => !(f in renamed))) {
    const field = fieldOfHeader(header);
    if (field === null) fileProblems.push(m.csvUnknownColumn(header));
    else if (columns.some((c) => c.field === field)) fileProblems.push(m.csvColumnTwice(header));
    else columns.push({ header, field });
  }
  for (const field of REQUIRED) if (!columns.some((c) => c.field === field)) fileProblems.push(m.csvMissingColumn(field));

  const firstLineOfId = new Map<string, number>();
  const firstLineOfExternal = new Map<string, number>();
  // Line numbers are counted along the file once: a row starts after the previous one's end, past blank lines.
  let rowStart = source.indexOf("\n");
  let counted = 0;
  let line = 1;
  const rows = parsed.map(({ data, cursor, errors }): CsvRow => {
    while (rowStart < source.length && /\s/.test(source[rowStart]!)) rowStart++;
    for (; counted < rowStart; counted++) if (source[counted] === "\n") line++;
    rowStart = cursor;
    const cells: Record<string, string> = {};
    for (const { header, field } of columns) cells[field] = (data[header] ?? "").trim();
    const problems: CsvRow["problems"] = errors.map((e) => ({ column: "", message: e.code === "TooFewFields" ? m.csvTooFewFields : e.code === "TooManyFields" ? m.csvTooManyFields : m.csvBadQuotes }));
    const problem = (column: string, message: string) => problems.push({ column, message });

    const id = cells["id"] ?? "";
    if (!id) problem("id", m.csvMissing);
    else if (firstLineOfId.has(id)) problem("id", m.csvDuplicateId(firstLineOfId.get(id)!));
    else firstLineOfId.set(id, line);
    if (!cells["name"]) problem("name", m.csvMissing);
    const teamId = cells["teamId"] ?? "";
    if (!teamId) problem("teamId", m.csvMissing);
    else if (!teams.has(teamId)) problem("teamId", m.csvUnknownTeam(teamId));

    const externalIds: Record<string, string> = {};
    for (const { field } of columns.filter((c) => c.field.startsWith("externalIds/"))) {
      const value = cells[field];
      if (!value) continue;
      const system = field.slice("externalIds/".length);
      const key = `${system}\u0000${value}`;
      if (firstLineOfExternal.has(key)) problem(field, m.csvDuplicateExternal(firstLineOfExternal.get(key)!));
      else firstLineOfExternal.set(key, line);
      externalIds[system] = value;
    }
    const agent: CsvAgent = { id, name: cells["name"] ?? "", teamId, ...(Object.keys(externalIds).length > 0 ? { externalIds } : {}) };
    return { line, cells, agent, problems };
  });
  return { columns, fileProblems, rows };
}

/** The rows in requests of at most AGENTS_PER_REQUEST. */
export function inRequests<T>(rows: readonly T[]): T[][] {
  const requests: T[][] = [];
  for (let i = 0; i < rows.length; i += AGENTS_PER_REQUEST) requests.push(rows.slice(i, i + AGENTS_PER_REQUEST));
  return requests;
}

/**
 * Where a problem of the server about request `request` lies: `/agents/3/teamId` is the fourth row
 * of that request, column `teamId`; `/agents/3/externalIds/twilio` its twilio column.
 */
export function rowOfProblem(problemPath: string, request: number): { row: number; column: string } | null {
  const match = /^\/agents\/(\d+)(?:\/(.*))?$/.exec(problemPath);
  if (!match) return null;
  return { row: request * AGENTS_PER_REQUEST + Number(match[1]), column: match[2] ?? "" };
}
