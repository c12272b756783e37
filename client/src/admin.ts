/**
 * The admin page: what agents and wallboards may see of each board (and the org's defaults), who
 * changed it, and the viewer links people and wallboards open the live page with. The credential
 * (an admin API key or an admin viewer token) comes from `#token=…` or this browser's storage.
 */
import type {
  AuditEntry,
  BoardList,
  Problem,
  Role,
  TokenCreate,
  TokenInfo,
  Visibility,
  VisibilityMode,
  VisibilitySettings,
} from "../../protocol/index.ts";
import { api, ApiError, describeError, element, fillBoardSelect, h, setUpCredential, showText } from "./page.ts";

const ADMIN_STORAGE_KEY = "floorboard.adminKey";
const AUDIT_ENTRIES_SHOWN = 20;

const ui = {
  forgetKey: element("forget-key", HTMLButtonElement),
  notice: element("notice", HTMLParagraphElement),
  keyForm: element("key-form", HTMLFormElement),
  console: element("console", HTMLDivElement),
  boardSelect: element("admin-board-select", HTMLSelectElement),
  boardForm: element("board-visibility", HTMLFormElement),
  orgForm: element("org-visibility", HTMLFormElement),
  auditRows: element("audit-rows", HTMLTableSectionElement),
  auditEmpty: element("audit-empty", HTMLParagraphElement),
  tokenForm: element("token-create", HTMLFormElement),
  tokenRole: element("token-role", HTMLSelectElement),
  tokenLinkBoard: element("token-link-board", HTMLSelectElement),
  tokenFormError: element("token-form-error", HTMLParagraphElement),
  tokenResult: element("token-result", HTMLDivElement),
  tokenLink: element("token-link", HTMLInputElement),
  tokenCopy: element("token-copy", HTMLButtonElement),
  tokenCopied: element("token-copied", HTMLParagraphElement),
  tokenRows: element("token-rows", HTMLTableSectionElement),
};

/** The credential in use; every call below is made with it. */
let credentialToken = "";
/** Names for the actors of audit entries (`key:<id>`, `token:<id>`). */
let keyNames = new Map<string, string>();
let tokens: TokenInfo[] = [];

const showNotice = (message?: string) => showText(ui.notice, message);
const call = <T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown) => api<T>(credentialToken, method, path, body);

// -----------------------------------------------------------------------------------------------
// Problems from the API, next to the fields they concern

/** Shows each problem error next to the field its JSON Pointer names; the rest in `formError`. */
function showProblem(error: unknown, fieldError: (field: string) => HTMLElement | null, formError: HTMLElement): void {
  const problem: Problem | null = error instanceof ApiError ? error.problem : null;
  const unplaced: string[] = [];
  let first: HTMLElement | null = null;
  for (const { path, message } of problem?.errors ?? []) {
    const field = path.split("/")[1] ?? "";
    const target = field ? fieldError(field) : null;
    if (!target) {
      unplaced.push(path ? `${path}: ${message}` : message);
      continue;
    }
    showText(target, target.hidden ? message : `${target.textContent} ${message}`);
    const control = document.querySelector<HTMLElement>(`[aria-describedby~="${target.id}"]`);
    control?.setAttribute("aria-invalid", "true");
    first ??= control;
  }
  const summary = unplaced.length > 0 ? unplaced.join(" ") : problem?.errors?.length ? "" : describeError(error);
  showText(formError, summary || undefined);
  (first ?? formError).focus();
}

function clearErrors(form: HTMLFormElement): void {
  for (const node of form.querySelectorAll<HTMLElement>(".field-error")) showText(node);
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

// -----------------------------------------------------------------------------------------------
// Visibility forms: one for the chosen board, one for the org's defaults

type SettingKey = keyof Visibility;

const MODE_NAMES: Record<VisibilityMode, string> = {
  everyone: "Everyone: the whole board",
  top_n: "The top N",
  top_n_and_me: "The top N and the agent's own row",
  me_and_neighbours: "The agent and K places either side",
  only_me: "Only the agent's own row",
  hidden: "Nothing: the board is hidden",
};

const SETTINGS: readonly { key: SettingKey; label: string; hint: string }[] = [
  { key: "mode", label: "What agents see", hint: "Wallboards show the whole board, the top N (for both top modes), or nothing." },
  { key: "n", label: "N, places at the top", hint: "1 to 100." },
  { key: "k", label: "K, places either side of the agent", hint: "0 to 10." },
  { key: "showScores", label: "Show scores", hint: "Off: ranks only; an agent still sees their own score." },
  { key: "anonymise", label: "Anonymise other agents", hint: "On: others appear as “Agent #<place>”, never by name." },
];

function formatSetting(key: string, value: unknown): string {
  if (key === "mode" && typeof value === "string" && value in MODE_NAMES) return MODE_NAMES[value as VisibilityMode];
  if (typeof value === "boolean") return value ? "on" : "off";
  return String(value);
}

interface VisibilityForm {
  load(settings: VisibilitySettings): void;
}

/**
 * Builds the fields into `form`. Saving sends only the fields changed since the settings were
 * loaded (a merge patch), so a field left alone keeps inheriting; "use default" sends null.
 */
function visibilityForm(form: HTMLFormElement, options: { prefix: string; owner: string; inheritsFrom: string; url: () => string; onSaved?: () => void }): VisibilityForm {
  const { prefix } = options;
  const controls = new Map<SettingKey, HTMLInputElement | HTMLSelectElement>();
  const sources = new Map<SettingKey, HTMLElement>();
  const resets = new Map<SettingKey, HTMLButtonElement>();
  const errors = new Map<SettingKey, HTMLElement>();
  const changed = new Set<SettingKey>();
  const formError = h("p", { class: "field-error", id: `${prefix}-form-error`, "data-testid": `${prefix}-form-error`, tabindex: "-1", hidden: "" });
  const saved = h("p", { class: "hint", role: "status", "data-testid": `${prefix}-saved` });

  for (const { key, label, hint } of SETTINGS) {
    const id = `${prefix}-${key}`;
    const describedBy = `${id}-hint ${id}-source ${id}-error`;
    let control: HTMLInputElement | HTMLSelectElement;
    if (key === "mode") {
      control = h("select", { id, "data-testid": id, "aria-describedby": describedBy });
      control.append(...Object.entries(MODE_NAMES).map(([mode, name]) => new Option(name, mode)));
    } else if (key === "n" || key === "k") {
      control = h("input", { id, "data-testid": id, type: "number", inputmode: "numeric", step: "1", min: key === "n" ? "1" : "0", max: key === "n" ? "100" : "10", "aria-describedby": describedBy });
    } else {
      control = h("input", { id, "data-testid": id, type: "checkbox", "aria-describedby": describedBy });
    }
    control.addEventListener(control instanceof HTMLSelectElement || control.type === "checkbox" ? "change" : "input", () => {
      changed.add(key);
      showText(saved);
    });
    const source = h("span", { class: "source", id: `${id}-source`, "data-testid": `${id}-source` });
    const reset = h("button", { type: "button", class: "secondary", "data-testid": `${id}-reset` }, `Use ${options.inheritsFrom}`);
    reset.setAttribute("aria-label", `${label}: use ${options.inheritsFrom}`);
    reset.addEventListener("click", async () => {
      await send({ [key]: null });
      control.focus(); // The button is disabled now that the field inherits.
    });
    const error = h("p", { class: "field-error", id: `${id}-error`, "data-testid": `${id}-error`, hidden: "" });
    const labelNode = h("label", { for: id }, label);
    const isCheckbox = control instanceof HTMLInputElement && control.type === "checkbox";
    form.append(
      h(
        "div",
        { class: isCheckbox ? "field setting checkbox" : "field setting", "data-setting": key },
        ...(isCheckbox ? [h("span", { class: "control" }, control, labelNode)] : [labelNode, control]),
        h("span", { class: "hint", id: `${id}-hint` }, hint),
        h("span", { class: "origin" }, source, reset),
        error,
      ),
    );
    controls.set(key, control);
    sources.set(key, source);
    resets.set(key, reset);
    errors.set(key, error);
  }
  form.append(formError, h("div", { class: "actions" }, h("button", { type: "submit", "data-testid": `${prefix}-save` }, "Save"), saved));

  const load = (settings: VisibilitySettings) => {
    clearErrors(form);
    changed.clear();
    for (const { key } of SETTINGS) {
      const control = controls.get(key)!;
      const value = settings.effective[key];
      if (control instanceof HTMLInputElement && control.type === "checkbox") control.checked = value === true;
      else control.value = String(value);
      const own = settings.overrides[key] !== undefined;
      control.closest(".field")!.setAttribute("data-inherited", String(!own));
      sources.get(key)!.textContent = own
        ? `Set on this ${options.owner} (${options.inheritsFrom}: ${formatSetting(key, settings.inherited[key])})`
        : `Inherited from ${options.inheritsFrom}`;
      resets.get(key)!.disabled = !own;
    }
  };

  /** The changed fields as a patch, or null (with the errors shown) if a number is missing. */
  const readPatch = (): Record<string, unknown> | null => {
    const patch: Record<string, unknown> = {};
    let valid = true;
    for (const key of changed) {
      const control = controls.get(key)!;
      if (control instanceof HTMLInputElement && control.type === "checkbox") patch[key] = control.checked;
      else if (control instanceof HTMLInputElement) {
        // An empty or unreadable number would become null in JSON, which means "inherit": refuse it here.
        if (control.value.trim() === "") {
          showText(errors.get(key)!, "Enter a whole number, or use the default.");
          control.setAttribute("aria-invalid", "true");
          if (valid) control.focus();
          valid = false;
        } else patch[key] = Number(control.value);
      } else patch[key] = control.value;
    }
    return valid ? patch : null;
  };

  const send = async (patch: Record<string, unknown>) => {
    clearErrors(form);
    showText(formError);
    try {
      load(await call<VisibilitySettings>("PATCH", options.url(), patch));
      showText(saved, "Saved. Open screens show the change within a second.");
      options.onSaved?.();
    } catch (error) {
      showText(saved);
      showProblem(error, (field) => errors.get(field as SettingKey) ?? null, formError);
    }
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    showText(formError);
    const patch = readPatch();
    if (!patch) return;
    if (Object.keys(patch).length === 0) {
      showText(saved, "Nothing to save: no field was changed.");
      return;
    }
    void send(patch);
  });
  return { load };
}

const boardForm = visibilityForm(ui.boardForm, {
  prefix: "board",
  owner: "board",
  inheritsFrom: "org default",
  url: () => `/v1/boards/${encodeURIComponent(ui.boardSelect.value)}/visibility`,
  onSaved: () => void loadAudit(ui.boardSelect.value),
});

const orgForm = visibilityForm(ui.orgForm, {
  prefix: "org",
  owner: "org",
  inheritsFrom: "built-in default",
  url: () => "/v1/org/visibility",
  // Boards that inherit a field follow the org's new default.
  onSaved: () => void showBoard(ui.boardSelect.value),
});

// -----------------------------------------------------------------------------------------------
// Boards and their audit

async function showBoard(boardId: string): Promise<void> {
  // Which board the form holds, once it holds it (for tests and tooling).
  delete ui.boardForm.dataset["board"];
  try {
    const [settings] = await Promise.all([call<VisibilitySettings>("GET", `/v1/boards/${encodeURIComponent(boardId)}/visibility`), loadAudit(boardId)]);
    if (ui.boardSelect.value !== boardId) return; // Another board was chosen meanwhile.
    boardForm.load(settings);
    ui.boardForm.dataset["board"] = boardId;
  } catch (error) {
    showNotice(`Could not load board '${boardId}': ${describeError(error)}`);
  }
}

async function loadAudit(boardId: string): Promise<void> {
  const target = encodeURIComponent(`board:${boardId}`);
  const { entries } = await call<{ entries: AuditEntry[] }>("GET", `/v1/audit?target=${target}&limit=${AUDIT_ENTRIES_SHOWN}`);
  if (ui.boardSelect.value !== boardId) return;
  ui.auditRows.replaceChildren(
    ...entries.map((entry) => {
      const [before, after] = describeChange(entry.before, entry.after);
      const when = h("time", { datetime: entry.at }, new Date(entry.at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" }));
      return h("tr", { "data-testid": "audit-entry" }, h("td", {}, when), h("td", {}, actorName(entry.actor)), h("td", {}, before), h("td", {}, after));
    }),
  );
  ui.auditEmpty.hidden = entries.length > 0;
}

/** The settings a change touched, before and after; a field absent from a side was inherited. */
function describeChange(before: unknown, after: unknown): [string, string] {
  const b = asRecord(before);
  const a = asRecord(after);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((key) => JSON.stringify(b[key]) !== JSON.stringify(a[key]));
  const side = (settings: Record<string, unknown>) =>
    keys.map((key) => `${key}: ${key in settings ? formatSetting(key, settings[key]) : "inherited"}`).join("; ") || "—";
  return [side(b), side(a)];
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

function actorName(actor: string): string {
  const [kind, id = ""] = actor.split(/:(.*)/s);
  if (kind === "key") return keyNames.has(id) ? `API key “${keyNames.get(id)}”` : actor;
  const token = kind === "token" ? tokens.find((t) => t.id === id) : undefined;
  return token ? `${ROLE_NAMES[token.role]} link${token.name ? ` “${token.name}”` : ""}` : actor;
}

// -----------------------------------------------------------------------------------------------
// Viewer links

const ROLE_NAMES: Record<Role, string> = { agent: "Agent", lead: "Team lead", manager: "Manager", display: "Wallboard", admin: "Admin" };
/** The token's text fields, named as the API names them; only the roles listed take a field (all, when none are). */
const TOKEN_FIELDS: readonly { name: keyof TokenCreate; label: string; roles?: readonly Role[]; list?: true }[] = [
  { name: "name", label: "Name (optional, shown in the list below)" },
  { name: "agentId", label: "Agent id", roles: ["agent"] },
  { name: "teamIds", label: "Team ids", roles: ["lead", "display"], list: true },
  { name: "departmentIds", label: "Department ids", roles: ["manager"], list: true },
  { name: "boardIds", label: "Board ids", roles: ["display"], list: true },
];

const tokenInputs = TOKEN_FIELDS.map((field) => {
  const id = `token-${field.name}`;
  const input = h("input", { id, "data-testid": id, type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": `${field.list ? "token-ids-hint " : ""}${id}-error` });
  const row = h("div", { class: "field" }, h("label", { for: id }, field.label), input, h("p", { class: "field-error", id: `${id}-error`, "data-testid": `${id}-error`, hidden: "" }));
  element("token-fields", HTMLDivElement).append(row);
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
      const status = token.revokedAt ? "Revoked" : Date.parse(token.expiresAt) <= now ? "Expired" : "Active";
      const action = h("td");
      if (status === "Active") {
        const revoke = h("button", { type: "button", class: "secondary danger", "data-testid": "revoke-token", "data-token-id": token.id }, "Revoke");
        revoke.setAttribute("aria-label", `Revoke ${ROLE_NAMES[token.role].toLowerCase()} link ${token.name ?? token.id}`);
        revoke.addEventListener("click", () => void revokeToken(token));
        action.append(revoke);
      }
      const expires = h("time", { datetime: token.expiresAt }, new Date(token.expiresAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }));
      return h(
        "tr",
        { "data-testid": "token-row", "data-token-id": token.id, "data-status": status.toLowerCase() },
        h("td", {}, token.name ?? h("span", { class: "muted" }, token.id)),
        h("td", {}, ROLE_NAMES[token.role]),
        h("td", {}, coverage(token)),
        h("td", {}, expires),
        h("td", {}, status),
        action,
      );
    }),
  );
}

function coverage(token: TokenInfo): string {
  const parts = [
    token.agentId ? `agent ${token.agentId}` : "",
    token.teamIds.length > 0 ? `teams ${token.teamIds.join(", ")}` : "",
    token.departmentIds.length > 0 ? `departments ${token.departmentIds.join(", ")}` : "",
    token.boardIds.length > 0 ? `boards ${token.boardIds.join(", ")}` : "",
  ].filter(Boolean);
  return parts.join("; ") || (token.role === "admin" ? "the whole org" : "—");
}

async function revokeToken(token: TokenInfo): Promise<void> {
  const what = `${ROLE_NAMES[token.role].toLowerCase()} link ${token.name ? `“${token.name}”` : token.id}`;
  if (!confirm(`Revoke the ${what}? Screens open with it close within seconds.`)) return;
  try {
    await call("DELETE", `/v1/tokens/${encodeURIComponent(token.id)}`);
    showNotice();
  } catch (error) {
    showNotice(`Could not revoke the ${what}: ${describeError(error)}`);
  }
  await loadTokens();
}

ui.tokenRole.addEventListener("change", () => {
  showFieldsForRole();
  clearErrors(ui.tokenForm);
  showText(ui.tokenFormError);
});
ui.tokenForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void issueToken();
});
ui.tokenCopy.addEventListener("click", async () => {
  ui.tokenLink.select();
  try {
    await navigator.clipboard.writeText(ui.tokenLink.value);
    ui.tokenCopied.textContent = "Copied.";
  } catch {
    ui.tokenCopied.textContent = "Could not copy: the link is selected, copy it with Ctrl+C (⌘C).";
  }
});
showFieldsForRole();

// -----------------------------------------------------------------------------------------------
// Start

const credential = setUpCredential({
  storageKey: ADMIN_STORAGE_KEY,
  form: ui.keyForm,
  heading: "Floorboard admin",
  label: "Admin API key or admin token",
  hint: ["An API key with the ", h("code", {}, "admin"), " scope, or an admin viewer token."],
  submit: "Open",
  forget: ui.forgetKey,
  notice: ui.notice,
  use: (token) => void openConsole(token),
  drop: () => (ui.console.hidden = true),
});

async function openConsole(token: string): Promise<void> {
  credentialToken = token;
  showNotice();
  let loaded: [BoardList, VisibilitySettings, { keys: { id: string; name: string }[] }, void];
  try {
    loaded = await Promise.all([
      call<BoardList>("GET", "/v1/boards"),
      call<VisibilitySettings>("GET", "/v1/org/visibility"),
      call<{ keys: { id: string; name: string }[] }>("GET", "/v1/keys"),
      loadTokens(),
    ]);
  } catch (error) {
    if (error instanceof ApiError && error.refusedCredential) {
      credential.ask(`That credential was refused (${error.status}): this page needs an admin API key or an admin token.`);
    } else {
      ui.keyForm.hidden = false;
      showNotice(`Could not load the org: ${describeError(error)}`);
    }
    return;
  }
  const [{ boards }, orgSettings, { keys }] = loaded;
  keyNames = new Map(keys.map((k) => [k.id, k.name]));
  credential.accepted();
  ui.console.hidden = false;
  orgForm.load(orgSettings);
  const active = boards.filter((b) => b.active);
  fillBoardSelect(ui.boardSelect, active);
  fillBoardSelect(ui.tokenLinkBoard, active);
  if (active.length === 0) {
    showNotice("This org has no active boards yet.");
    return;
  }
  ui.boardSelect.onchange = () => {
    ui.tokenLinkBoard.value = ui.boardSelect.value;
    void showBoard(ui.boardSelect.value);
  };
  await showBoard(ui.boardSelect.value);
}

// Last, once every binding above exists (see app.ts).
credential.begin();
