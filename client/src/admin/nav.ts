/**
 * The console's sections, one shown at a time: the side navigation's links (`#directory`, …) name
 * them, so a section can be bookmarked and the browser's back button works. The link of the section
 * shown carries `aria-current="page"`.
 */
export interface Section {
  /** As in `#<name>`, the section's `data-section` and its link's `data-section-link`. */
  readonly name: string;
  /** Called each time the section is shown: it loads what it lists afresh. */
  show(): Promise<void> | void;
}

/** `start()` shows the section the address names (the fallback when none); again after a change of credential. */
export function setUpNavigation(sections: readonly Section[], fallback: string): { start(): void } {
  const byName = new Map(sections.map((s) => [s.name, s]));
  const links = [...document.querySelectorAll<HTMLAnchorElement>("[data-section-link]")];
  const panels = [...document.querySelectorAll<HTMLElement>("[data-section]")];

  const open = (wanted: string, moveFocus: boolean) => {
    const section = byName.get(wanted) ?? byName.get(fallback)!;
    for (const link of links) {
      if (link.dataset["sectionLink"] === section.name) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    for (const panel of panels) panel.hidden = panel.dataset["section"] !== section.name;
    if (moveFocus) document.querySelector<HTMLElement>(`[data-section="${section.name}"] h1`)?.focus();
    void section.show();
  };

  let listening = false;
  return {
    start() {
      if (!listening) addEventListener("hashchange", () => open(location.hash.slice(1), true));
      listening = true;
      open(location.hash.slice(1), false);
    },
  };
}
