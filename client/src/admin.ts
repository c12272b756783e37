/**
 * The admin console: what agents and wallboards may see and the viewer links (the first section),
 * the directory (with the agents' CSV import), metrics, boards, webhook sources, API keys, badges,
 * the rewards catalog and the approval queue, one section at a time (client/src/admin/). The
 * credential (an admin API key or an admin viewer token) comes from `#token=…` or this browser's
 * storage; every change goes through the REST API with it.
 */
import { approvalsSection } from "./admin/approvals.ts";
import { reloadAll, useCredential } from "./admin/api.ts";
import { badgesSection } from "./admin/badges.ts";
import { boardsSection } from "./admin/boards.ts";
import { catalogSection } from "./admin/catalog.ts";
import { directorySection } from "./admin/directory.ts";
import { keysSection, loadKeyNames } from "./admin/keys.ts";
import { metricsSection } from "./admin/metrics.ts";
import { setUpNavigation } from "./admin/nav.ts";
import { sourcesSection } from "./admin/sources.ts";
import { showTokens } from "./admin/tokens.ts";
import { visibilitySection } from "./admin/visibility.ts";
import { languagePicker, translatePage } from "./i18n.ts";
import { m } from "./messages/admin.ts";
import { common } from "./messages/common.ts";
import { ApiError, describeError, element, h, setUpCredential, showText } from "./page.ts";

const ADMIN_STORAGE_KEY = "floorboard.adminKey";

const ui = {
  forgetKey: element("forget-key", HTMLButtonElement),
  notice: element("notice", HTMLParagraphElement),
  keyForm: element("key-form", HTMLFormElement),
  console: element("console", HTMLDivElement),
};

translatePage({ ...common, ...m });
document.title = m.pageTitle;
element("language-slot", HTMLSpanElement).replaceWith(languagePicker(common.language));

const showNotice = (message?: string) => showText(ui.notice, message);

const navigation = setUpNavigation(
  [
    // The viewer links share the first section with the visibility settings they open boards under.
    { name: "visibility", show: () => Promise.all([visibilitySection.show(), showTokens()]).then(() => undefined) },
    directorySection,
    metricsSection,
    boardsSection,
    sourcesSection,
    keysSection,
    badgesSection,
    catalogSection,
    approvalsSection,
  ],
  "visibility",
);

const credential = setUpCredential({
  storageKey: ADMIN_STORAGE_KEY,
  form: ui.keyForm,
  heading: m.keyFormHeading,
  label: m.keyFormLabel,
  // `admin` in backticks is the scope's name, shown as code.
  hint: m.keyFormHint.split("`").map((part, i) => (i % 2 === 1 ? h("code", {}, part) : part)),
  submit: m.open,
  forget: ui.forgetKey,
  notice: ui.notice,
  use: (token) => void openConsole(token),
  drop: () => (ui.console.hidden = true),
});

async function openConsole(token: string): Promise<void> {
  useCredential(token);
  showNotice();
  try {
    await Promise.all([reloadAll(), loadKeyNames()]);
  } catch (error) {
    if (error instanceof ApiError && error.refusedCredential) {
      credential.ask(m.credentialRefused(error.status));
    } else {
      ui.keyForm.hidden = false;
      showNotice(m.couldNotLoadOrg(describeError(error)));
    }
    return;
  }
  credential.accepted();
  ui.console.hidden = false;
  navigation.start();
}

// Last, once every binding above exists (see app.ts).
credential.begin();
