/**
 * Webhook sources: a contact-centre platform's account that posts its webhooks to Floorboard. Each
 * shows the URL to paste into the platform (with a Copy button); its secret is shown on request
 * (every showing is audited), rotated, and the source deactivated or opened again.
 */
import type { Platform, Source } from "../../../protocol/index.ts";
import { m } from "../messages/admin.ts";
import { element, h } from "../page.ts";
import { call, path } from "./api.ts";
import type { Section } from "./nav.ts";
import { actionButton, confirmed, copyField, editDialog, Form, optional, sectionNotice, statusTag } from "./ui.ts";

const notice = sectionNotice("sources-notice");
element("sources-heading", HTMLHeadingElement).after(notice.node);

const PLATFORM_NAMES: Record<Platform, string> = {
  twilio: "Twilio",
  amazon_connect: "Amazon Connect",
  genesys_cloud: "Genesys Cloud",
  aircall: "Aircall",
  zendesk: "Zendesk",
  talkdesk: "Talkdesk",
  generic: m.platformGeneric,
};
/** These platforms issue the secret themselves (the server refuses a source without it); for the others Floorboard makes one up. */
const PLATFORM_ISSUES_SECRET: ReadonlySet<Platform> = new Set(["twilio", "aircall", "zendesk"]);

const listNode = h("ul", { class: "cards", "data-testid": "source-list", "aria-labelledby": "sources-list-heading" });
const empty = h("p", { class: "empty", hidden: "" }, m.noSources);

const create = new Form("source-create");
const name = create.input("name", { label: m.fieldName, required: true, hint: m.sourceNameHint });
const platform = create.select("platform", { label: m.fieldPlatform, required: true }, Object.entries(PLATFORM_NAMES));
const secret = create.input("secret", { label: m.fieldSecret, hint: m.secretGenerated, attrs: { autocomplete: "off", spellcheck: "false" } });
const unknownAgents = create.select("unknownAgents", { label: m.fieldUnknownAgents, hint: m.unknownAgentsHint }, [
  ["refuse", m.unknownRefuse],
  ["provision", m.unknownProvision],
]);
create.finish(m.addSource);
const created = h("div", { class: "result", "data-testid": "source-created", tabindex: "-1", hidden: "" });

/** The secret field says whether the chosen platform needs its secret. */
function showSecretNeed(): void {
  const needed = PLATFORM_ISSUES_SECRET.has(platform.value as Platform);
  secret.required = needed;
  const hint = secret.closest(".field")!.querySelector(".hint")!;
  hint.textContent = needed ? m.secretFromPlatform(PLATFORM_NAMES[platform.value as Platform]) : m.secretGenerated;
}
platform.addEventListener("change", showSecretNeed);
showSecretNeed();

create.onSubmit(async () => {
  const source = await call<Source & { secret: string }>("POST", "/v1/sources", {
    name: name.value,
    platform: platform.value,
    ...(optional(secret) ? { secret: secret.value.trim() } : {}),
    unknownAgents: unknownAgents.value,
  });
  create.node.reset();
  showSecretNeed();
  created.replaceChildren(
    h("p", {}, m.sourceCreated(source.name, PLATFORM_NAMES[source.platform])),
    copyField("source-created-url", m.webhookUrl, source.url),
    copyField("source-created-secret", m.fieldSecret, source.secret, { secret: true }),
    h("p", { class: "hint" }, m.secretShownAgain),
  );
  created.hidden = false;
  created.focus();
  await load();
});

element("sources-panel", HTMLElement).append(listNode, empty, h("h2", { id: "source-create-heading" }, m.newSource), create.node, created);

async function load(): Promise<void> {
  const { sources } = await call<{ sources: Source[] }>("GET", "/v1/sources");
  listNode.replaceChildren(...sources.map(card));
  empty.hidden = sources.length > 0;
}

function card(source: Source): HTMLLIElement {
  const secretArea = h("div", { class: "secret-area", "data-testid": "source-secret-area" });
  const showSecret = actionButton(m.showSecret, "source-show-secret", () => void reveal(source, secretArea, showSecret), { label: m.showSecretOf(source.name) });
  const actions = source.active
    ? [
        showSecret,
        actionButton(m.rotateSecret, "source-rotate", () => rotate(source, secretArea), { label: m.rotateSecretOf(source.name) }),
        actionButton(m.deactivate, "source-deactivate", () => void deactivate(source), { danger: true, label: m.deactivateWhat(source.name) }),
      ]
    : [actionButton(m.reactivate, "source-reactivate", () => void reactivate(source), { label: m.reactivateWhat(source.name) })];
  return h(
    "li",
    { class: "card", "data-testid": "source-row", "data-id": source.id, "data-active": String(source.active) },
    h("div", { class: "card-head" }, h("h3", {}, source.name), h("span", { class: "muted" }, PLATFORM_NAMES[source.platform]), statusTag(source.active)),
    copyField("source-url", m.webhookUrl, source.url),
    ...(source.previousSecretUntil ? [h("p", { class: "hint" }, m.previousSecretUntil(source.previousSecretUntil))] : []),
    h("div", { class: "actions" }, ...actions),
    secretArea,
  );
}

/** Shows the source's secret (the server records the showing), or hides it again. */
async function reveal(source: Source, area: HTMLElement, button: HTMLButtonElement): Promise<void> {
  if (area.childElementCount > 0) {
    area.replaceChildren();
    button.textContent = m.showSecret;
    return;
  }
  try {
    const { secret: value } = await call<{ secret: string }>("GET", path`/v1/sources/${source.id}/secret`);
    area.replaceChildren(copyField("source-secret", m.secretOf(source.name), value, { secret: true }), h("p", { class: "hint" }, m.secretShowingAudited));
    button.textContent = m.hideSecret;
    notice.show();
  } catch (error) {
    notice.failed(m.showingSecret(source.name), error);
  }
}

function rotate(source: Source, area: HTMLElement): void {
  const fromPlatform = PLATFORM_ISSUES_SECRET.has(source.platform);
  let given: HTMLInputElement | undefined;
  let overlap: HTMLSelectElement;
  editDialog(
    m.rotateSecretOf(source.name),
    "rotate-secret",
    (form) => {
      form.node.prepend(h("p", { class: "hint" }, fromPlatform ? m.rotateFromPlatform(PLATFORM_NAMES[source.platform]) : m.rotateGenerated));
      if (fromPlatform) given = form.input("secret", { label: m.newSecret, required: true, attrs: { autocomplete: "off", spellcheck: "false" } });
      overlap = form.select("previousSecretValidSeconds", { label: m.previousSecret }, [
        ["86400", m.previousForADay],
        ["0", m.previousRevoked],
      ]);
    },
    async () => {
      const rotated = await call<Source & { secret: string }>("POST", path`/v1/sources/${source.id}/secret`, {
        ...(given ? { secret: given.value.trim() } : {}),
        previousSecretValidSeconds: Number(overlap.value),
      });
      await load();
      const fresh = [...listNode.querySelectorAll<HTMLElement>("[data-testid=source-row]")].find((node) => node.dataset["id"] === source.id);
      (fresh?.querySelector<HTMLElement>("[data-testid=source-secret-area]") ?? area).replaceChildren(
        copyField("source-secret", m.secretOf(source.name), rotated.secret, { secret: true }),
        h("p", { class: "hint" }, m.secretRotated),
      );
      notice.show();
    },
  );
}

async function deactivate(source: Source): Promise<void> {
  if (!confirmed(m.confirmDeactivateSource(source.name))) return;
  await act(m.deactivating(source.name), () => call("DELETE", path`/v1/sources/${source.id}`));
}

async function reactivate(source: Source): Promise<void> {
  await act(m.reactivating(source.name), () => call("PATCH", path`/v1/sources/${source.id}`, { active: true }));
}

async function act(what: string, request: () => Promise<unknown>): Promise<void> {
  try {
    await request();
    notice.show();
    await load();
  } catch (error) {
    notice.failed(what, error);
  }
}

export const sourcesSection: Section = {
  name: "sources",
  async show() {
    try {
      await load();
      notice.show();
    } catch (error) {
      notice.failed(m.loadSources, error);
    }
  },
};
