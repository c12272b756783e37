/**
 * The manager dashboard, for team leads, managers and admins: the full boards of the teams and
 * departments their credential covers, live; who is behind pace on their goals; team against team;
 * and a board's current period against earlier ones. The credential (a lead's, manager's or admin's
 * viewer token, or a read key) comes from `#token=…` or this browser's storage; what it may see is
 * decided by the server. Agents and wallboards are pointed to their own pages.
 */
import type { Board, BoardList, Me } from "../../protocol/index.ts";
import { startBoards } from "./dashboard/boards.ts";
import { startPace } from "./dashboard/pace.ts";
import { createSession } from "./dashboard/session.ts";
import { startVersus } from "./dashboard/versus.ts";
import { languagePicker, translatePage } from "./i18n.ts";
import { common } from "./messages/common.ts";
import { m } from "./messages/dashboard.ts";
import { api, ApiError, describeError, element, h, setUpCredential, showText } from "./page.ts";

const STORAGE_KEY = "floorboard.dashboardToken";

const ui = {
  bar: element("bar", HTMLElement),
  who: element("who", HTMLSpanElement),
  forgetKey: element("forget-key", HTMLButtonElement),
  notice: element("notice", HTMLParagraphElement),
  elsewhere: element("elsewhere", HTMLElement),
  elsewhereText: element("elsewhere-text", HTMLParagraphElement),
  elsewhereLink: element("elsewhere-link", HTMLAnchorElement),
  keyForm: element("key-form", HTMLFormElement),
  dashboard: element("dashboard", HTMLDivElement),
};

// "Change key" is a word every page shares; the rest are this page's.
translatePage({ ...common, ...m });
ui.bar.insertBefore(languagePicker(common.language), ui.forgetKey);

const ROLE_TEXT = { lead: m.roleLead, manager: m.roleManager, admin: m.roleAdmin, key: m.roleKey } as const;

let parts: { stop(): void }[] = [];
const stopAll = () => {
  for (const part of parts) part.stop();
  parts = [];
};

const credential = setUpCredential({
  storageKey: STORAGE_KEY,
  form: ui.keyForm,
  heading: m.formHeading,
  label: m.formLabel,
  hint: [m.formHintBefore, h("code", {}, "#token="), m.formHintAfter],
  submit: m.formSubmit,
  forget: ui.forgetKey,
  notice: ui.notice,
  use: (token) => void start(token),
  drop: () => {
    stopAll();
    ui.dashboard.hidden = true;
    showText(ui.who);
  },
});

async function start(token: string): Promise<void> {
  stopAll();
  ui.elsewhere.hidden = true;
  let me: Me;
  let boards: Board[];
  try {
    [me, boards] = await Promise.all([api<Me>(token, "GET", "/v1/me"), api<BoardList>(token, "GET", "/v1/boards").then((list) => list.boards.filter((b) => b.active))]);
  } catch (error) {
    if (error instanceof ApiError && error.refusedCredential) credential.ask(common.refused(error.status));
    else {
      // The answer was lost, not refused: keep the credential, and let it be tried again.
      ui.keyForm.hidden = false;
      showText(ui.notice, common.couldNotLoad(m.boards, describeError(error)));
    }
    return;
  }
  if (me.role === "agent" || me.role === "display") {
    // Their own pages show them what they may see; this one is not for them.
    credential.ask();
    showText(ui.elsewhereText, me.role === "agent" ? m.forAgents : m.forDisplays);
    ui.elsewhereLink.textContent = me.role === "agent" ? m.openLivePage : m.openWallboard;
    ui.elsewhereLink.href = `${me.role === "agent" ? "/" : "/wallboard.html"}#token=${encodeURIComponent(token)}`;
    ui.elsewhere.hidden = false;
    return;
  }
  credential.accepted();
  showText(ui.notice);
  showText(ui.who, ROLE_TEXT[me.role]);
  ui.dashboard.hidden = false;
  const session = createSession(token, boards);
  const refused = () => credential.ask(m.expired);
  parts = [startBoards(session), startPace(session, refused), startVersus(session)];
}

credential.begin();
