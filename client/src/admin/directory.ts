/**
 * The directory: departments, teams (with their shift hours) and agents, each listed, created,
 * renamed and deactivated (deactivated rows stay listed: history keeps their names). Agents are
 * listed a page at a time, per team or all; the CSV import is in agent-import.ts.
 */
import { m } from "../messages/admin.ts";
import { element, h } from "../page.ts";
import { activeOptions, type Agent, call, type Department, departmentName, onReload, path, reload, shared, type Team, teamName } from "./api.ts";
import { showImport } from "./agent-import.ts";
import type { Section } from "./nav.ts";
import { actionButton, cell, confirmed, editDialog, Form, nameCell, optional, sectionNotice, setOptions, statusTag, table } from "./ui.ts";

const AGENTS_PER_PAGE = 50;

const notice = sectionNotice("directory-notice");
element("directory-heading", HTMLHeadingElement).after(notice.node);

// -----------------------------------------------------------------------------------------------
// Departments

const departments = table("department-list", "departments-heading", [m.colName, m.colStatus, ""]);
const departmentCreate = new Form("department-create");
const departmentCreateId = departmentCreate.input("id", { label: m.fieldId, hint: m.idHint, attrs: { autocomplete: "off", spellcheck: "false" } });
const departmentCreateName = departmentCreate.input("name", { label: m.fieldName, required: true });
departmentCreate.finish(m.addDepartment).onSubmit(async () => {
  const created = await call<Department>("POST", "/v1/departments", { id: optional(departmentCreateId), name: departmentCreateName.value });
  departmentCreate.node.reset();
  await reload("departments");
  return m.created(created.name);
});
element("departments-panel", HTMLElement).append(departments.node, h("h3", {}, m.newDepartment), departmentCreate.node);

function renderDepartments(): void {
  departments.body.replaceChildren(
    ...shared.departments.map((department) =>
      h(
        "tr",
        { "data-testid": "department-row", "data-id": department.id, "data-active": String(department.active) },
        nameCell(department.name, department.id),
        cell(statusTag(department.active)),
        cell(
          ...(department.active
            ? [
                actionButton(m.rename, "rename", () => renameDepartment(department), { label: m.renameWhat(department.name) }),
                actionButton(m.deactivate, "deactivate", () => void deactivate("departments", department.id, department.name), { danger: true, label: m.deactivateWhat(department.name) }),
              ]
            : []),
        ),
      ),
    ),
  );
}

function renameDepartment(department: Department): void {
  let name: HTMLInputElement;
  editDialog(
    m.renameWhat(department.name),
    "department-edit",
    (form) => {
      name = form.input("name", { label: m.fieldName, required: true });
      name.value = department.name;
    },
    async () => {
      await call("PATCH", path`/v1/departments/${department.id}`, { name: name.value });
      await reload("departments");
    },
  );
}

/** Deactivates a department, team or agent after the confirm step; the row stays, marked inactive. */
async function deactivate(kind: "departments" | "teams" | "agents", id: string, name: string): Promise<void> {
  if (!confirmed(m.confirmDeactivate(name))) return;
  try {
    await call("DELETE", `/v1/${kind}/${encodeURIComponent(id)}`);
    notice.show();
    if (kind === "agents") await loadAgents();
    else await reload(kind);
  } catch (error) {
    notice.failed(m.deactivating(name), error);
  }
}

// -----------------------------------------------------------------------------------------------
// Teams

const teams = table("team-list", "teams-heading", [m.colName, m.colDepartment, m.colShift, m.colStatus, ""]);

/** The shift fields of a team form: both times, or neither (no shift). */
function shiftFields(form: Form, shift: Team["shift"] = null): () => { start: string; end: string } | null {
  const start = form.input("shift/start", { label: m.shiftStart, hint: m.shiftHint, attrs: { type: "time" } });
  const end = form.input("shift/end", { label: m.shiftEnd, attrs: { type: "time" } });
  start.value = shift?.start ?? "";
  end.value = shift?.end ?? "";
  return () => {
    if (!start.value && !end.value) return null;
    if (!start.value) form.refuse("shift/start", m.bothTimes);
    if (!end.value) form.refuse("shift/end", m.bothTimes);
    return { start: start.value, end: end.value };
  };
}

const teamCreate = new Form("team-create");
const teamCreateId = teamCreate.input("id", { label: m.fieldId, hint: m.idHint, attrs: { autocomplete: "off", spellcheck: "false" } });
const teamCreateName = teamCreate.input("name", { label: m.fieldName, required: true });
const teamCreateDepartment = teamCreate.select("departmentId", { label: m.fieldDepartment, required: true });
const teamCreateShift = shiftFields(teamCreate);
teamCreate.finish(m.addTeam).onSubmit(async () => {
  const shift = teamCreateShift();
  const created = await call<Team>("POST", "/v1/teams", { id: optional(teamCreateId), name: teamCreateName.value, departmentId: teamCreateDepartment.value, ...(shift ? { shift } : {}) });
  teamCreate.node.reset();
  await reload("teams");
  return m.created(created.name);
});
element("teams-panel", HTMLElement).append(teams.node, h("h3", {}, m.newTeam), teamCreate.node);

function renderTeams(): void {
  teams.body.replaceChildren(
    ...shared.teams.map((team) =>
      h(
        "tr",
        { "data-testid": "team-row", "data-id": team.id, "data-active": String(team.active) },
        nameCell(team.name, team.id),
        cell(departmentName(team.departmentId)),
        cell(team.shift ? m.shiftRange(team.shift.start, team.shift.end) : h("span", { class: "muted" }, m.noShift)),
        cell(statusTag(team.active)),
        cell(
          ...(team.active
            ? [
                actionButton(m.edit, "edit", () => editTeam(team), { label: m.editWhat(team.name) }),
                actionButton(m.deactivate, "deactivate", () => void deactivate("teams", team.id, team.name), { danger: true, label: m.deactivateWhat(team.name) }),
              ]
            : []),
        ),
      ),
    ),
  );
}

function editTeam(team: Team): void {
  let name: HTMLInputElement;
  let department: HTMLSelectElement;
  let readShift: () => Team["shift"];
  editDialog(
    m.editWhat(team.name),
    "team-edit",
    (form) => {
      name = form.input("name", { label: m.fieldName, required: true });
      name.value = team.name;
      department = form.select("departmentId", { label: m.fieldDepartment, required: true }, activeOptions(shared.departments));
      department.value = team.departmentId;
      readShift = shiftFields(form, team.shift);
    },
    async () => {
      await call("PATCH", path`/v1/teams/${team.id}`, { name: name.value, departmentId: department.value, shift: readShift() });
      await reload("teams");
    },
  );
}

// -----------------------------------------------------------------------------------------------
// Agents

const agentFilter = h("select", { id: "agent-team-filter", "data-testid": "agent-team-filter" });
const agents = table("agent-list", "agents-heading", [m.colName, m.colTeam, m.colExternalIds, m.colStatus, ""]);
const moreAgents = h("button", { type: "button", class: "secondary", "data-testid": "agents-more", hidden: "" }, m.showMore);
const agentCount = h("p", { class: "hint", role: "status", "data-testid": "agent-count" });
let agentCursor: string | null = null;
let agentsShown = 0;

const agentCreate = new Form("agent-create");
const agentCreateId = agentCreate.input("id", { label: m.fieldId, hint: m.idHint, attrs: { autocomplete: "off", spellcheck: "false" } });
const agentCreateName = agentCreate.input("name", { label: m.fieldName, required: true });
const agentCreateTeam = agentCreate.select("teamId", { label: m.fieldTeam, required: true });
agentCreate.finish(m.addAgent).onSubmit(async () => {
  const created = await call<Agent>("POST", "/v1/agents", { id: optional(agentCreateId), name: agentCreateName.value, teamId: agentCreateTeam.value });
  agentCreate.node.reset();
  await loadAgents();
  return m.created(created.name);
});

element("agents-panel", HTMLElement).append(
  h("div", { class: "picker" }, h("label", { for: agentFilter.id }, m.showTeam), agentFilter),
  agents.node,
  h("div", { class: "actions" }, moreAgents, agentCount),
  h("h3", {}, m.newAgent),
  agentCreate.node,
);

/** The first page of agents (of the chosen team), or the next one. */
async function loadAgents(more = false): Promise<void> {
  const query = new URLSearchParams({ limit: String(AGENTS_PER_PAGE), ...(agentFilter.value ? { teamId: agentFilter.value } : {}), ...(more && agentCursor ? { cursor: agentCursor } : {}) });
  const page = await call<{ agents: Agent[]; nextCursor: string | null }>("GET", `/v1/agents?${query}`);
  const rows = page.agents.map(agentRow);
  if (more) agents.body.append(...rows);
  else agents.body.replaceChildren(...rows);
  agentsShown = (more ? agentsShown : 0) + rows.length;
  agentCursor = page.nextCursor;
  moreAgents.hidden = agentCursor === null;
  agentCount.textContent = agentCursor === null ? m.agentsListed(agentsShown) : m.agentsListedSoFar(agentsShown);
}

function agentRow(agent: Agent): HTMLTableRowElement {
  const external = Object.entries(agent.externalIds).map(([system, id]) => `${system}: ${id}`);
  return h(
    "tr",
    { "data-testid": "agent-row", "data-id": agent.id, "data-active": String(agent.active) },
    nameCell(agent.name, agent.id, ...(agent.optedOut ? [" ", h("span", { class: "tag" }, m.optedOut)] : [])),
    cell(teamName(agent.teamId)),
    h("td", { class: "external", dir: "ltr" }, external.length > 0 ? external.join(", ") : "—"),
    cell(statusTag(agent.active)),
    cell(
      ...(agent.active
        ? [
            actionButton(m.edit, "edit", () => editAgent(agent), { label: m.editWhat(agent.name) }),
            actionButton(m.deactivate, "deactivate", () => void deactivate("agents", agent.id, agent.name), { danger: true, label: m.deactivateWhat(agent.name) }),
          ]
        : []),
    ),
  );
}

function editAgent(agent: Agent): void {
  let name: HTMLInputElement;
  let team: HTMLSelectElement;
  editDialog(
    m.editWhat(agent.name),
    "agent-edit",
    (form) => {
      name = form.input("name", { label: m.fieldName, required: true });
      name.value = agent.name;
      team = form.select("teamId", { label: m.fieldTeam, required: true, hint: m.moveHint }, activeOptions(shared.teams));
      team.value = agent.teamId;
    },
    async () => {
      await call("PATCH", path`/v1/agents/${agent.id}`, { name: name.value, teamId: team.value });
      await loadAgents();
    },
  );
}

agentFilter.addEventListener("change", () => void loadAgents().catch((error) => notice.failed(m.loadAgents, error)));
moreAgents.addEventListener("click", () => void loadAgents(true).catch((error) => notice.failed(m.loadAgents, error)));

onReload("departments", () => {
  renderDepartments();
  setOptions(teamCreateDepartment, activeOptions(shared.departments));
  renderTeams(); // Teams show their department's name.
});
onReload("teams", () => {
  renderTeams();
  setOptions(agentCreateTeam, activeOptions(shared.teams));
  setOptions(agentFilter, [["", m.allTeams], ...activeOptions(shared.teams)]);
});

export const directorySection: Section = {
  name: "directory",
  async show() {
    try {
      await Promise.all([reload("departments"), reload("teams")]);
      await loadAgents();
      showImport(() => void loadAgents().catch((error) => notice.failed(m.loadAgents, error)));
      notice.show();
    } catch (error) {
      notice.failed(m.loadDirectory, error);
    }
  },
};
