/**
 * The agents' CSV import: a file (or pasted text) is read and checked here, every row shown with
 * what is wrong with it, and nothing is sent while any row is wrong. Then `PUT /v1/agents` creates
 * or replaces the agents, up to 1,000 a request, each request all or nothing; a refusal is shown on
 * the CSV line and column the server's problem names.
 */
import { formatNumber } from "../i18n.ts";
import { m } from "../messages/admin.ts";
import { ApiError, describeError, element, h, showText } from "../page.ts";
import { call, shared } from "./api.ts";
import { AGENTS_PER_REQUEST, type AgentCsv, type CsvRow, inRequests, readAgentCsv, rowOfProblem } from "./csv.ts";

/** Rows shown besides those with problems (every one of which is shown). */
const GOOD_ROWS_SHOWN = 100;

const panel = element("agent-import-panel", HTMLElement);
const file = h("input", { type: "file", id: "agent-import-file", "data-testid": "agent-import-file", accept: ".csv,text/csv,text/plain" });
const text = h("textarea", { id: "agent-import-text", "data-testid": "agent-import-text", rows: "6", spellcheck: "false", "aria-describedby": "agent-import-format" });
const check = h("button", { type: "button", class: "secondary", "data-testid": "agent-import-check" }, m.csvCheck);
const summary = h("div", { class: "import-summary", role: "status", "data-testid": "agent-import-summary" });
const preview = h("div", { class: "import-preview", "data-testid": "agent-import-preview" });
const send = h("button", { type: "button", "data-testid": "agent-import-submit", disabled: "" }, m.csvImport(0));
const result = h("p", { class: "import-result", role: "alert", "data-testid": "agent-import-result", tabindex: "-1", hidden: "" });

panel.append(
  h("p", { class: "hint", id: "agent-import-format" }, m.csvFormat),
  h("pre", { class: "example" }, "id,name,teamId,externalIds.twilio\nagent-41,Ada Lovelace,care-day,WK0041\nagent-42,Alan Turing,care-evening,"),
  h("div", { class: "field" }, h("label", { for: file.id }, m.csvFile), file),
  h("div", { class: "field" }, h("label", { for: text.id }, m.csvPaste), text),
  h("div", { class: "actions" }, check),
  summary,
  preview,
  h("div", { class: "actions" }, send),
  result,
);

let read: AgentCsv | null = null;

/** Reads and checks the text, and shows every row with its problems. */
function checkText(): void {
  showText(result);
  read = text.value.trim() === "" ? null : readAgentCsv(text.value, new Set(shared.teams.filter((t) => t.active).map((t) => t.id)));
  render();
}

function render(): void {
  preview.replaceChildren();
  summary.replaceChildren();
  send.disabled = true;
  send.textContent = m.csvImport(0);
  if (!read) return;
  if (read.fileProblems.length > 0) {
    summary.dataset["state"] = "bad";
    summary.append(h("p", {}, m.csvFileRefused), h("ul", { "data-testid": "agent-import-file-problems" }, ...read.fileProblems.map((p) => h("li", {}, p))));
    return;
  }
  const bad = read.rows.filter((r) => r.problems.length > 0);
  const requests = inRequests(read.rows).length;
  summary.dataset["state"] = bad.length > 0 ? "bad" : "ready";
  summary.append(h("p", {}, m.csvSummary(read.rows.length, bad.length)));
  if (bad.length > 0) summary.append(h("p", {}, m.csvFixFirst));
  else if (requests > 1) summary.append(h("p", { "data-testid": "agent-import-requests" }, m.csvInRequests(requests, AGENTS_PER_REQUEST)));

  let goodShown = 0;
  const shown = read.rows.filter((r) => r.problems.length > 0 || goodShown++ < GOOD_ROWS_SHOWN);
  if (shown.length < read.rows.length) preview.append(h("p", { class: "hint" }, m.csvShowing(shown.length, read.rows.length)));
  const columns = read.columns;
  preview.append(
    h(
      "table",
      { class: "console-table csv", "data-testid": "csv-preview" },
      h("caption", { class: "visually-hidden" }, m.csvPreviewCaption),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, m.csvLine), ...columns.map((c) => h("th", { scope: "col" }, c.header)), h("th", { scope: "col" }, m.csvProblems))),
      h("tbody", {}, ...shown.map((row) => rowNode(row, columns))),
    ),
  );
  send.disabled = bad.length > 0 || read.rows.length === 0;
  send.textContent = m.csvImport(read.rows.length);
}

function rowNode(row: CsvRow, columns: AgentCsv["columns"]): HTMLTableRowElement {
  const wrong = new Set(row.problems.map((p) => p.column));
  const named = (column: string) => columns.find((c) => c.field === column)?.header ?? column;
  return h(
    "tr",
    { "data-testid": "csv-row", "data-line": String(row.line), "data-status": row.problems.length > 0 ? "bad" : "ok" },
    h("th", { scope: "row" }, formatNumber(row.line)),
    ...columns.map((c) => h("td", wrong.has(c.field) ? { class: "bad", "data-column": c.field } : { "data-column": c.field }, row.cells[c.field] ?? "")),
    h("td", { "data-testid": "csv-row-problems" }, row.problems.length === 0 ? m.csvOk : row.problems.map((p) => (p.column ? m.csvProblemAt(named(p.column), p.message) : p.message)).join(" · ")),
  );
}

async function importRows(): Promise<void> {
  if (!read) return;
  const rows = read.rows;
  const requests = inRequests(rows);
  send.disabled = true;
  check.disabled = true;
  let imported = 0;
  try {
    for (const [index, request] of requests.entries()) {
      showText(result, m.csvSending(index + 1, requests.length));
      try {
        await call("PUT", "/v1/agents", { agents: request.map((r) => r.agent) });
      } catch (error) {
        refused(error, index, imported, requests.length);
        return;
      }
      imported += request.length;
    }
    result.dataset["state"] = "done";
    showText(result, m.csvImported(imported, requests.length));
    onImported?.();
  } finally {
    check.disabled = false;
  }
}

/** A request was refused: its rows' problems go to their lines; what went before stays imported. */
function refused(error: unknown, request: number, imported: number, requests: number): void {
  const placed: string[] = [];
  const problems = error instanceof ApiError ? (error.problem?.errors ?? []) : [];
  for (const problem of problems) {
    const at = rowOfProblem(problem.path, request);
    const row = at ? read?.rows[at.row] : undefined;
    if (!at || !row) continue;
    row.problems.push({ column: at.column, message: problem.message });
    const header = read?.columns.find((c) => c.field === at.column)?.header ?? at.column;
    placed.push(m.csvLineProblem(row.line, header, problem.message));
  }
  render();
  result.dataset["state"] = "refused";
  const why = placed.length > 0 ? placed.join(" ") : describeError(error);
  showText(result, [m.csvRefused(why), imported > 0 ? m.csvPartlyImported(imported, request, requests) : m.csvNothingImported].join(" "));
  result.focus();
}

let onImported: (() => void) | undefined;

file.addEventListener("change", async () => {
  const chosen = file.files?.[0];
  if (!chosen) return;
  try {
    text.value = await chosen.text();
  } catch (error) {
    showText(result, m.failed(m.readFile(chosen.name), describeError(error)));
    return;
  }
  checkText();
});
check.addEventListener("click", checkText);
send.addEventListener("click", () => void importRows());

/** Called when the directory is shown; `imported` runs once agents were imported (to list them). */
export function showImport(imported?: () => void): void {
  onImported = imported;
  if (read) checkText(); // Teams may have changed meanwhile.
}
