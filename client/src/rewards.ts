/**
 * The recognition page. An agent sees their points and where they came from, their goals (and
 * whether they are behind pace), their badges, the store, and their requests (cancellable while
 * pending). A lead, manager or admin sees the requests waiting for their approval and where the
 * agents of the teams they cover stand against their goals, those behind pace first. The credential
 * (a viewer token) comes from `#token=…` or this browser's storage; what it may see is decided by
 * the server.
 */
import type { Badge, BadgeAward, GoalProgress, Me, PeopleList, PointsAccount, PointsMovement, Redemption, Reward } from "../../protocol/index.ts";
import { goalItem, goalName, goalState, paceOrder } from "./goals.ts";
import { formatDateTime, formatNumber, languagePicker, locale, translatePage } from "./i18n.ts";
import { common } from "./messages/common.ts";
import { m } from "./messages/rewards.ts";
import { api, ApiError, describeError, element, h, setUpCredential, showText } from "./page.ts";

const STORAGE_KEY = "floorboard.recognitionToken";

translatePage({ ...common, ...m });

const ui = {
  bar: element("bar", HTMLElement),
  who: element("who", HTMLSpanElement),
  forgetKey: element("forget-key", HTMLButtonElement),
  notice: element("notice", HTMLParagraphElement),
  keyForm: element("key-form", HTMLFormElement),
  agentView: element("agent-view", HTMLDivElement),
  balance: element("balance", HTMLSpanElement),
  balanceUnit: element("balance-unit", HTMLSpanElement),
  held: element("held-line", HTMLSpanElement),
  movements: element("movements", HTMLTableSectionElement),
  movementsEmpty: element("movements-empty", HTMLParagraphElement),
  olderMovements: element("older-movements", HTMLButtonElement),
  goals: element("goals", HTMLUListElement),
  goalsEmpty: element("goals-empty", HTMLParagraphElement),
  badges: element("badges", HTMLUListElement),
  badgesEmpty: element("badges-empty", HTMLParagraphElement),
  store: element("store", HTMLUListElement),
  storeEmpty: element("store-empty", HTMLParagraphElement),
  storeError: element("store-error", HTMLParagraphElement),
  requests: element("requests", HTMLTableSectionElement),
  requestsEmpty: element("requests-empty", HTMLParagraphElement),
  leadView: element("lead-view", HTMLDivElement),
  queue: element("queue", HTMLTableSectionElement),
  queueEmpty: element("queue-empty", HTMLParagraphElement),
  queueError: element("queue-error", HTMLParagraphElement),
  pace: element("pace", HTMLTableSectionElement),
  paceSummary: element("pace-summary", HTMLParagraphElement),
  paceBehindOnly: element("pace-behind-only", HTMLInputElement),
  paceEmpty: element("pace-empty", HTMLParagraphElement),
  kudosForm: element("kudos-form", HTMLFormElement),
  kudosTo: element("kudos-to", HTMLSelectElement),
  kudosMessage: element("kudos-message", HTMLInputElement),
  kudosResult: element("kudos-result", HTMLParagraphElement),
  awardForm: element("award-form", HTMLFormElement),
  awardAgent: element("award-agent", HTMLSelectElement),
  awardKind: element("award-kind", HTMLSelectElement),
  awardPointsField: element("award-points-field", HTMLLabelElement),
  awardPoints: element("award-points", HTMLInputElement),
  awardReason: element("award-reason", HTMLInputElement),
  awardResult: element("award-result", HTMLParagraphElement),
};
ui.bar.insertBefore(languagePicker(common.language), ui.forgetKey);

const STATUS_TEXT: Record<Redemption["status"], string> = m.statusText;
const KIND_TEXT: Record<PointsMovement["kind"], string> = m.kindText;
const ROLE_TEXT = { admin: m.roleAdmin, manager: m.roleManager, lead: m.roleLead } as const;
const TAGGED: ReadonlySet<PointsMovement["kind"]> = new Set(["metric_rule", "spot_award", "adjustment"]);
/** How often the page refreshes what it shows (points and requests change elsewhere too). */
const REFRESH_MS = 30_000;

let token = "";
let refreshTimer: ReturnType<typeof setInterval> | undefined;
const call = <T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown, headers?: Record<string, string>) => api<T>(token, method, path, body, headers);
const when = (iso: string) => formatDateTime(iso, { dateStyle: "medium", timeStyle: "short" });
const number = formatNumber;
/** Points won or spent: "+40", "-300" (the sign as the locale writes it, so it stays beside the number right to left too). */
const signedFormat = new Intl.NumberFormat(locale, { signDisplay: "exceptZero", maximumFractionDigits: 2 });
/** Names and words from the server (rewards, reasons) in any language: isolated, so digits or punctuation at their ends stay put right to left. */
const isolated = (text: string) => h("bdi", {}, text);

const credential = setUpCredential({
  storageKey: STORAGE_KEY,
  form: ui.keyForm,
  heading: m.formHeading,
  label: m.formLabel,
  hint: m.formHint,
  submit: m.formSubmit,
  forget: ui.forgetKey,
  notice: ui.notice,
  use: (given) => void start(given),
  drop: () => {
    clearInterval(refreshTimer);
    token = "";
    ui.agentView.hidden = true;
    ui.leadView.hidden = true;
    showText(ui.who);
  },
});

async function start(given: string): Promise<void> {
  token = given;
  let me: Me;
  try {
    me = await call<Me>("GET", "/v1/me");
  } catch (error) {
    credential.ask(error instanceof ApiError && error.refusedCredential ? m.linkInvalid : describeError(error));
    return;
  }
  credential.accepted();
  clearInterval(refreshTimer);
  if (me.role === "agent" && me.agent) {
    showText(ui.who, me.agent.name);
    ui.agentView.hidden = false;
    const agentId = me.agent.id;
    await Promise.all([refreshAgent(agentId), loadPeople(ui.kudosTo)]);
    refreshTimer = setInterval(() => void refreshAgent(agentId), REFRESH_MS);
  } else if (me.role === "lead" || me.role === "manager" || me.role === "admin") {
    showText(ui.who, ROLE_TEXT[me.role]);
    ui.leadView.hidden = false;
    await Promise.all([refreshLead(), loadPeople(ui.awardAgent), loadAwards()]);
    refreshTimer = setInterval(() => void refreshLead(), REFRESH_MS);
  } else {
    credential.ask(m.notForYou);
  }
}

// -----------------------------------------------------------------------------------------------
// The agent's view

async function refreshAgent(agentId: string): Promise<void> {
  try {
    const [account, progress, awards, catalog, requests] = await Promise.all([
      call<PointsAccount>("GET", `/v1/agents/${encodeURIComponent(agentId)}/points?limit=50`),
      call<{ progress: GoalProgress[] }>("GET", "/v1/goals/progress"),
      call<{ awards: BadgeAward[] }>("GET", `/v1/agents/${encodeURIComponent(agentId)}/badges?limit=50`),
      call<{ rewards: Reward[] }>("GET", "/v1/rewards"),
      call<{ redemptions: Redemption[] }>("GET", "/v1/redemptions?limit=50"),
    ]);
    renderPoints(account);
    renderGoals(progress.progress);
    renderBadges(awards.awards);
    renderStore(catalog.rewards, account.balance, agentId);
    renderRequests(requests.redemptions, agentId);
    showText(ui.notice);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) credential.ask(m.expired);
    else showText(ui.notice, describeError(error));
  }
}

/** Older pages of the points history the agent asked for ("Show older"), kept across refreshes. */
const history = { latest: [] as PointsMovement[], older: [] as PointsMovement[], cursor: null as string | null, agentId: "" };

async function showOlder(): Promise<void> {
  if (!history.cursor) return;
  ui.olderMovements.disabled = true;
  try {
    const page = await call<PointsAccount>("GET", `/v1/agents/${encodeURIComponent(history.agentId)}/points?limit=50&cursor=${history.cursor}`);
    history.older.push(...page.movements);
    history.cursor = page.nextCursor;
    renderPoints(page, false);
  } catch (error) {
    showText(ui.notice, describeError(error));
  } finally {
    ui.olderMovements.disabled = false;
  }
}
ui.olderMovements.addEventListener("click", () => void showOlder());

/** `latest`: the account's newest page (a refresh); otherwise an older page was added. */
function renderPoints(account: PointsAccount, latest = true): void {
  if (latest) {
    ui.balance.textContent = number(account.balance);
    ui.balance.dataset["balance"] = String(account.balance);
    ui.balanceUnit.textContent = m.balanceUnit(account.balance);
    showText(ui.held, account.held > 0 ? m.held(account.held) : undefined);
    if (history.agentId !== account.agentId) Object.assign(history, { older: [], cursor: null, agentId: account.agentId });
    if (history.older.length === 0) history.cursor = account.nextCursor;
    history.latest = account.movements;
  }
  const oldestLatest = history.latest.at(-1)?.seq ?? Infinity;
  const shown = [...history.latest, ...history.older.filter((move) => move.seq < oldestLatest)];
  ui.olderMovements.hidden = history.cursor === null;
  ui.movements.replaceChildren(
    ...shown.map((move) =>
      h(
        "tr",
        { "data-testid": "movement", "data-kind": move.kind },
        h("td", {}, when(move.at)),
        // Redemptions, badges and kudos say what they are in their reason; the others get a tag.
        h("td", {}, ...(TAGGED.has(move.kind) ? [h("span", { class: "tag" }, KIND_TEXT[move.kind]), " "] : []), isolated(move.reason)),
        h("td", { class: `num ${move.points < 0 ? "minus" : "plus"}` }, signedFormat.format(move.points)),
      ),
    ),
  );
  ui.movementsEmpty.hidden = shown.length > 0;
}

function renderGoals(progress: readonly GoalProgress[]): void {
  ui.goals.replaceChildren(...progress.map(goalItem));
  ui.goalsEmpty.hidden = progress.length > 0;
}

function renderBadges(awards: readonly BadgeAward[]): void {
  ui.badges.replaceChildren(
    ...awards.map((a) =>
      h("li", { class: "badge-earned", "data-testid": "badge", "data-badge": a.badgeId, title: a.reason }, h("span", { class: "icon", "aria-hidden": "true" }, a.icon), " ", isolated(a.badgeName), h("span", { class: "meta" }, ` · ${when(a.at)}`)),
    ),
  );
  ui.badgesEmpty.hidden = awards.length > 0;
}

function renderStore(rewards: readonly Reward[], balance: number, agentId: string): void {
  ui.store.replaceChildren(
    ...rewards.map((r) => {
      const button = h("button", { type: "button", "data-testid": "redeem", "data-reward": r.id }, r.requiresApproval ? m.request : m.redeem);
      const short = balance < r.cost;
      if (short) {
        button.setAttribute("disabled", "");
        button.title = m.morePointsNeeded(r.cost - balance);
      }
      button.addEventListener("click", () => void redeem(r, agentId, button));
      return h(
        "li",
        { class: "reward", "data-testid": "reward", "data-reward": r.id },
        h("strong", {}, isolated(r.name)),
        h("span", { class: "meta" }, [m.cost(r.cost), ...(r.stock !== null ? [m.left(r.stock)] : []), ...(r.requiresApproval ? [m.needsApproval] : [])].join(" · ")),
        ...(r.description ? [h("p", {}, r.description)] : []),
        button,
      );
    }),
  );
  ui.storeEmpty.hidden = rewards.length > 0;
}

async function redeem(reward: Reward, agentId: string, button: HTMLButtonElement): Promise<void> {
  button.disabled = true;
  try {
    await call<Redemption>("POST", "/v1/redemptions", { rewardId: reward.id });
    showText(ui.storeError);
  } catch (error) {
    showText(ui.storeError, error instanceof ApiError ? (error.problem?.errors?.[0]?.message ? `${reward.name}: ${error.problem.errors[0].message}` : error.message) : describeError(error));
  }
  await refreshAgent(agentId);
}

function renderRequests(requests: readonly Redemption[], agentId: string): void {
  ui.requests.replaceChildren(
    ...requests.map((r) => {
      const action = h("td", {});
      if (r.status === "pending") {
        const cancel = h("button", { type: "button", class: "link", "data-testid": "cancel" }, m.cancel);
        cancel.addEventListener("click", async () => {
          cancel.disabled = true;
          await call("POST", `/v1/redemptions/${encodeURIComponent(r.id)}/cancel`).catch((error: unknown) => showText(ui.storeError, describeError(error)));
          await refreshAgent(agentId);
        });
        action.append(cancel);
      }
      return h(
        "tr",
        { "data-testid": "request", "data-status": r.status, "data-reward": r.rewardId },
        h("td", {}, when(r.requestedAt)),
        h("td", {}, isolated(r.rewardName)),
        h("td", { class: "num" }, number(r.cost)),
        h("td", { "data-testid": "request-status" }, STATUS_TEXT[r.status], ...(r.decisionNote ? [h("span", { class: "meta" }, " · ", isolated(r.decisionNote))] : [])),
        action,
      );
    }),
  );
  ui.requestsEmpty.hidden = requests.length > 0;
}

// -----------------------------------------------------------------------------------------------
// The lead's approval queue

async function refreshLead(): Promise<void> {
  try {
    const [{ redemptions }, { progress }] = await Promise.all([
      call<{ redemptions: Redemption[] }>("GET", "/v1/redemptions?status=pending&limit=200"),
      call<{ progress: GoalProgress[] }>("GET", "/v1/goals/progress"),
    ]);
    renderQueue(redemptions);
    paceShown = progress;
    renderPace();
    showText(ui.notice);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) credential.ask(m.expired);
    else showText(ui.notice, describeError(error));
  }
}

async function refreshQueue(): Promise<void> {
  try {
    renderQueue((await call<{ redemptions: Redemption[] }>("GET", "/v1/redemptions?status=pending&limit=200")).redemptions);
  } catch (error) {
    showText(ui.queueError, describeError(error));
  }
}

function renderQueue(redemptions: readonly Redemption[]): void {
  ui.queue.replaceChildren(...redemptions.map(queueRow));
  ui.queueEmpty.hidden = redemptions.length > 0;
}

function queueRow(r: Redemption): HTMLTableRowElement {
  const note = h("input", { type: "text", maxlength: "500", "aria-label": m.noteFor(r.agentName ?? r.agentId), "data-testid": "decision-note", placeholder: m.notePlaceholder });
  const decide = (decision: "approve" | "reject") => async () => {
    for (const b of buttons) b.disabled = true;
    try {
      await call("POST", `/v1/redemptions/${encodeURIComponent(r.id)}/${decision}`, note.value.trim() ? { note: note.value.trim() } : undefined);
      showText(ui.queueError);
    } catch (error) {
      showText(ui.queueError, describeError(error));
    }
    await refreshQueue();
  };
  const approve = h("button", { type: "button", "data-testid": "approve" }, m.approve);
  const reject = h("button", { type: "button", class: "secondary", "data-testid": "reject" }, m.reject);
  const buttons = [approve, reject];
  approve.addEventListener("click", decide("approve"));
  reject.addEventListener("click", decide("reject"));
  return h(
    "tr",
    { "data-testid": "queued", "data-agent": r.agentId, "data-reward": r.rewardId },
    h("td", {}, when(r.requestedAt)),
    h("td", {}, r.agentName ?? r.agentId),
    h("td", {}, isolated(r.rewardName), ...(r.note ? [h("span", { class: "meta" }, " · ", isolated(m.quoted(r.note)))] : [])),
    h("td", { class: "num" }, number(r.cost)),
    h("td", {}, note),
    h("td", { class: "actions" }, approve, " ", reject),
  );
}

// -----------------------------------------------------------------------------------------------
// The lead's view of goals: who is behind pace

let paceShown: readonly GoalProgress[] = [];
ui.paceBehindOnly.addEventListener("change", () => renderPace());

function renderPace(): void {
  const behind = paceShown.filter((p) => p.behindPace && !p.reached);
  const shown = [...(ui.paceBehindOnly.checked ? behind : paceShown)].sort(paceOrder);
  const agents = new Set(paceShown.map((p) => p.agentId)).size;
  showText(ui.paceSummary, paceShown.length === 0 ? undefined : m.paceSummary(behind.length, paceShown.length, agents));
  ui.pace.replaceChildren(
    ...shown.map((p) => {
      const state = goalState(p);
      return h(
        "tr",
        { "data-testid": "pace-row", "data-agent": p.agentId, "data-metric": p.metric, "data-state": state.class, class: `goal-row ${state.class}` },
        h("td", {}, p.agentName),
        h("td", {}, p.teamName),
        h("td", {}, goalName(p)),
        h("td", { class: "num" }, p.score === null ? "–" : number(p.score)),
        h("td", { class: "num" }, number(p.expected)),
        h("td", { class: "num" }, number(p.target)),
        h("td", { class: "goal-state" }, state.text),
      );
    }),
  );
  showText(ui.paceEmpty, shown.length > 0 ? undefined : paceShown.length === 0 ? m.noGoalsForTeams : m.nobodyBehind);
}

// -----------------------------------------------------------------------------------------------
// Kudos (agents) and recognition by hand (leads): spot awards and manual badges

/** What a refusal says, for the person who asked. */
const refusal = (error: unknown) => (error instanceof ApiError ? (error.problem?.detail ?? error.problem?.errors?.[0]?.message ?? error.message) : describeError(error));

async function loadPeople(select: HTMLSelectElement): Promise<void> {
  try {
    const { people } = await call<PeopleList>("GET", "/v1/people");
    select.replaceChildren(...people.map((p) => new Option(p.name, p.id)));
  } catch (error) {
    showText(ui.notice, describeError(error));
  }
}

/**
 * Sends a form's request once: the Idempotency-Key stays the same until an answer arrives, so that
 * pressing the button again after a lost answer repeats the same request instead of a second one.
 */
function onceKeyed(send: (key: string) => Promise<string>, form: HTMLFormElement, result: HTMLParagraphElement): void {
  let key = crypto.randomUUID();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button")!;
    button.disabled = true;
    try {
      showText(result, await send(key));
      key = crypto.randomUUID();
      form.reset();
    } catch (error) {
      if (error instanceof ApiError) key = crypto.randomUUID();
      showText(result, refusal(error));
    } finally {
      button.disabled = false;
    }
  });
}

onceKeyed(
  async (key) => {
    const to = ui.kudosTo.selectedOptions[0];
    await call("POST", "/v1/kudos", { to: ui.kudosTo.value, message: ui.kudosMessage.value.trim() }, { "idempotency-key": key });
    return m.kudosSent(to?.text ?? ui.kudosTo.value);
  },
  ui.kudosForm,
  ui.kudosResult,
);

/** The manual badges a lead may give, by their option's value ("badge:<id>"): icon and name. */
const badgeNames = new Map<string, string>();

async function loadAwards(): Promise<void> {
  try {
    const { badges } = await call<{ badges: Badge[] }>("GET", "/v1/badges");
    const manual = badges.filter((b) => b.active && b.rule.kind === "manual");
    badgeNames.clear();
    for (const b of manual) badgeNames.set(`badge:${b.id}`, `${b.icon} ${b.name}`);
    ui.awardKind.replaceChildren(new Option(m.spotAwardOption, "spot"), ...[...badgeNames].map(([value, name]) => new Option(m.badgeOption(name), value)));
    ui.awardPointsField.hidden = false;
  } catch (error) {
    showText(ui.notice, describeError(error));
  }
}

ui.awardKind.addEventListener("change", () => {
  ui.awardPointsField.hidden = ui.awardKind.value !== "spot";
});

onceKeyed(
  async (key) => {
    const agent = ui.awardAgent.selectedOptions[0]?.text ?? ui.awardAgent.value;
    const reason = ui.awardReason.value.trim();
    if (ui.awardKind.value === "spot") {
      const points = Number(ui.awardPoints.value);
      await call("POST", `/v1/agents/${encodeURIComponent(ui.awardAgent.value)}/points`, { kind: "spot_award", points, reason }, { "idempotency-key": key });
      return m.pointsGiven(points, agent);
    }
    const badge = badgeNames.get(ui.awardKind.value) ?? ui.awardKind.selectedOptions[0]?.text ?? "";
    await call("POST", `/v1/badges/${encodeURIComponent(ui.awardKind.value.slice("badge:".length))}/awards`, { agentId: ui.awardAgent.value, reason });
    return m.badgeAwarded(badge, agent);
  },
  ui.awardForm,
  ui.awardResult,
);
ui.awardForm.addEventListener("reset", () => {
  // A reset puts the select back on its first option (a spot award): show its points again.
  queueMicrotask(() => {
    ui.awardPointsField.hidden = ui.awardKind.value !== "spot";
  });
});

credential.begin();
