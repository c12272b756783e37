/**
 * Viewer links: tokens for an agent, a lead, a manager, a wallboard or an admin, each shown once
 * as a live-page link; issued links are listed and can be revoked. Also names the actors of audit
 * entries (`key:<id>`, `token:<id>`) from the keys and tokens the org has.
 */
import type { Role, TokenCreate, TokenInfo } from "../../../protocol/index.ts";
import { formatDateTime } from "../i18n.ts";
import { m } from "../messages/admin.ts";
import { element, h, showText } from "../page.ts";
import { type ApiKey, call, onReload, path, shared } from "./api.ts";
import { clearErrors, confirmed, fillBoardPicker, sectionNotice, showProblem } from "./ui.ts";

const ui = {
  tokenForm: element("token-create", HTMLFormElement),
  tokenRole: element("token-role", HTMLSelectElement),
  tokenFields: element("token-fields", HTMLDivElement),
  tokenLinkBoard: element("token-link-board", HTMLSelectElement),
  tokenFormError: element("token-form-error", HTMLParagraphElement),
  tokenResult: element("token-result", HTMLDivElement),
  tokenLink: element("token-link", HTMLInputElement),
  tokenCopy: element("token-copy", HTMLButtonElement),
  tokenCopied: element("token-copied", HTMLParagraphElement),
  tokenRows: element("token-rows", HTMLTableSectionElement),
};
const notice = sectionNotice("tokens-notice");
ui.tokenForm.before(notice.node);

/** Names for the actors of audit entries. */
let keyNames = new Map<string, string>();
let tokens: TokenInfo[] = [];

export const ROLE_NAMES: Record<Role, string> = { agent: m.roleAgent, lead: m.roleLead, manager: m.roleManager, display: m.roleDisplay, admin: m.roleAdmin };

/** Who an audit entry's actor is, in words: an API key by its name, a link by its role and name. */
export function actorName(actor: string): string {
  const [kind, id = ""] = actor.split(/:(.*)/s);
  if (kind === "key") return keyNames.has(id) ? m.apiKeyNamed(keyNames.get(id)!) : actor;
  const token = kind === "token" ? tokens.find((t) => t.id === id) : undefined;
  return token ? m.linkNamed(ROLE_NAMES[token.role], token.name) : actor;
}

/** The link opens the board the admin is looking at, unless they choose another. */
export function linkOpens(boardId: string): void {
  ui.tokenLinkBoard.value = boardId;
}

/** The keys' names, for the audit: the keys section hands them over when it lists them. */
export function knowKeys(keys: readonly ApiKey[]): void {
  keyNames = new Map(keys.map((k) => [k.id, k.name]));
}

/** The token's text fields, named as the API names them; only the roles listed take a field (all, when none are). */
const TOKEN_FIELDS: readonly { name: keyof TokenCreate; label: string; roles?: readonly Role[]; list?: true }[] = [
  { name: "name", label: m.tokenName },
  { name: "agentId", label: m.tokenAgentId, roles: ["agent"] },
  { name: "teamIds", label: m.tokenTeamIds, roles: ["lead", "display"], list: true },
  { name: "departmentIds", label: m.tokenDepartmentIds, roles: ["manager"], list: true },
  { name: "boardIds", label: m.tokenBoardIds, roles: ["display"], list: true },
];

const tokenInputs = TOKEN_FIELDS.map((field) => {
  const id = `token-${field.name}`;
  const input = h("input", { id, "data-testid": id, type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": `${field.list ? "token-ids-hint " : ""}${id}-error` });
  const row = h("div", { class: "field" }, h("label", { for: id }, field.label), input, h("p", { class: "field-error", id: `${id}-error`, "data-testid": `${id}-error`, hidden: "" }));
  ui.tokenFields.append(row);
  return { ...field, input, row };
});

/** Only the fields the chosen role takes are shown, and only those are sent. */
function showFieldsForRole(): void {
  for (const { roles, row } of tokenInputs) row.hidden = roles !== undefined && !roles.includes(ui.tokenRole.value as Role);
}

function readTokenForm(): TokenCreate {
  const body: Record<string, unknown> = { role: ui.tokenRole.value };
  for (const { name, list, input, row } of tokenInputs) {
    const value = list ? input.value.split(/[\s,]+/).filter(Boolean) : input.value.trim();
    if (!row.hidden && value.length > 0) body[name] = value;
  }
  // The server checks every rule (which role needs which ids) and says which field is wrong.
  return body as TokenCreate;
}

async function issueToken(): Promise<void> {
  clearErrors(ui.tokenForm);
  showText(ui.tokenFormError);
  ui.tokenResult.hidden = true;
  let issued: TokenInfo & { token: string };
  try {
    issued = await call("POST", "/v1/tokens", readTokenForm());
  } catch (error) {
    showProblem(error, (field) => document.getElementById(`token-${field}-error`), ui.tokenFormError);
    return;
  }
  const link = new URL("/", location.origin);
  link.searchParams.set("board", ui.tokenLinkBoard.value);
  link.hash = `token=${issued.token}`;
  ui.tokenLink.value = link.toString();
  ui.tokenLink.dataset["tokenId"] = issued.id;
  ui.tokenCopied.textContent = "";
  ui.tokenResult.hidden = false;
  ui.tokenLink.focus();
  ui.tokenLink.select();
  await loadTokens();
}

async function loadTokens(): Promise<void> {
  tokens = (await call<{ tokens: TokenInfo[] }>("GET", "/v1/tokens")).tokens;
  const now = Date.now();
  ui.tokenRows.replaceChildren(
    ...tokens.map((token) => {
      const status = token.revokedAt ? "revoked" : Date.parse(token.expiresAt) <= now ? "expired" : "active";
      const action = h("td");
      if (status === "active") {
        const revoke = h("button", { type: "button", class: "secondary danger", "data-testid": "revoke-token", "data-token-id": token.id }, m.revoke);
        revoke.setAttribute("aria-label", m.revokeLinkLabel(ROLE_NAMES[token.role], token.name ?? token.id));
        revoke.addEventListener("click", () => void revokeToken(token));
        action.append(revoke);
      }
      const expires = h("time", { datetime: token.expiresAt }, formatDateTime(token.expiresAt));
      return h(
        "tr",
        { "data-testid": "token-row", "data-token-id": token.id, "data-status": status },
        h("td", {}, token.name ?? h("span", { class: "muted" }, token.id)),
        h("td", {}, ROLE_NAMES[token.role]),
        h("td", {}, coverage(token)),
        h("td", {}, expires),
        h("td", {}, { active: m.active, revoked: m.revoked, expired: m.expired }[status]),
        action,
      );
    }),
  );
}

function coverage(token: TokenInfo): string {
  const parts = [
    token.agentId ? m.coversAgent(token.agentId) : "",
    token.teamIds.length > 0 ? m.coversTeams(token.teamIds.join(", ")) : "",
    token.departmentIds.length > 0 ? m.coversDepartments(token.departmentIds.join(", ")) : "",
    token.boardIds.length > 0 ? m.coversBoards(token.boardIds.join(", ")) : "",
  ].filter(Boolean);
  return parts.join("; ") || (token.role === "admin" ? m.coversWholeOrg : "—");
}

async function revokeToken(token: TokenInfo): Promise<void> {
  const what = m.linkNamed(ROLE_NAMES[token.role], token.name ?? token.id);
  if (!confirmed(m.confirmRevokeLink(what))) return;
  try {
    await call("DELETE", path`/v1/tokens/${token.id}`);
    notice.show();
  } catch (error) {
    notice.failed(m.revoking(what), error);
  }
  await loadTokens().catch((error) => notice.failed(m.loadLinks, error));
}

ui.tokenRole.addEventListener("change", () => {
  showFieldsForRole();
  clearErrors(ui.tokenForm);
  showText(ui.tokenFormError);
});
ui.tokenForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void issueToken().catch((error) => notice.failed(m.loadLinks, error));
});
ui.tokenCopy.addEventListener("click", async () => {
  ui.tokenLink.select();
  try {
    await navigator.clipboard.writeText(ui.tokenLink.value);
    ui.tokenCopied.textContent = m.copied;
  } catch {
    ui.tokenCopied.textContent = m.copyByHand;
  }
});
showFieldsForRole();
onReload("boards", () => fillBoardPicker(ui.tokenLinkBoard, shared.boards));

/** The issued links, loaded afresh (the links share the visibility section: see admin.ts). */
export async function showTokens(): Promise<void> {
  try {
    await loadTokens();
    notice.show();
  } catch (error) {
    notice.failed(m.loadLinks, error);
  }
}
