/**
 * The pages' languages: English, Swedish, Malay and Arabic (right to left).
 *
 * Each page keeps its words in a catalog of its own under client/src/messages/ (one object per
 * language, each typed as the English one, so a missing or misspelt message fails the type check).
 * The language is chosen once per page load: `?lang=` in the address, then what this browser chose
 * before (the picker stores it), then the browser's own languages, then English. Numbers and dates
 * are formatted for the browser's own variant of that language when it has one (sv-FI, en-GB).
 *
 * Only the platform's Intl is used: plural rules, number and date formats need nothing bundled.
 */

export const LANGUAGES = {
  en: { name: "English", dir: "ltr" },
  sv: { name: "Svenska", dir: "ltr" },
  ms: { name: "Bahasa Melayu", dir: "ltr" },
  ar: { name: "العربية", dir: "rtl" },
} as const;

export type Language = keyof typeof LANGUAGES;
/** One page's messages in every language, each shaped like the English ones. */
export type Catalog<T> = { readonly [L in Language]: T };

const STORAGE_KEY = "floorboard.lang";

// Object.hasOwn is too new for the older browsers in TVs and kiosks.
const isLanguage = (value: string | null | undefined): value is Language => value != null && Object.prototype.hasOwnProperty.call(LANGUAGES, value);
/** The browser's languages, most wanted first (some embedded browsers have only `navigator.language`). */
const browserLanguages = (): readonly string[] => (typeof navigator === "undefined" ? [] : (navigator.languages ?? [navigator.language]).filter(Boolean));
const languageOf = (tag: string) => tag.toLowerCase().split("-")[0];

function storedLanguage(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // Storage refused (a locked-down kiosk): the browser's languages decide.
  }
}

function chooseLanguage(): Language {
  const asked = typeof location === "undefined" ? null : new URLSearchParams(location.search).get("lang");
  if (isLanguage(asked)) return asked;
  const stored = storedLanguage();
  if (isLanguage(stored)) return stored;
  return browserLanguages().map(languageOf).find(isLanguage) ?? "en";
}

/** The page's language, fixed for this load. */
export const language: Language = chooseLanguage();

/** The tag numbers and dates are formatted with: the browser's own variant of the language, if it has one. */
export const locale: string = browserLanguages().find((tag) => languageOf(tag) === language) ?? language;

export const direction: "ltr" | "rtl" = LANGUAGES[language].dir;

/** This page's messages in the chosen language. */
export function messages<T>(catalog: Catalog<T>): T {
  return catalog[language];
}

const pluralRules = new Intl.PluralRules(locale);

/**
 * The form of a word that goes with `count` (Intl's plural categories: English has `one` and
 * `other`; Arabic also `zero`, `two`, `few` and `many`). Missing forms fall back to `other`.
 */
export function plural(count: number, forms: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }): string {
  return forms[pluralRules.select(count)] ?? forms.other;
}

const integerFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });

/** A number in the page's locale (up to two decimals). */
export const formatNumber = (value: number): string => (Number.isInteger(value) ? integerFormat : decimalFormat).format(value);

/** A moment in the page's locale, in `timeZone` when given (the org's) or the viewer's own. */
export function formatDateTime(at: string | number | Date, options: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" }, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, timeZone ? { ...options, timeZone } : options).format(new Date(at));
}

/**
 * Sets the document's language and direction, and the words of the page's static HTML: an
 * element's `data-i18n` names the message for its text, `data-i18n-attr` ("aria-label:key title:key")
 * those of its attributes. Messages that are functions are not for static text and are skipped.
 */
export function translatePage(page: object, root: ParentNode = document): void {
  const texts = page as Record<string, unknown>;
  const text = (key: string | undefined) => {
    const value = key === undefined ? undefined : texts[key];
    return typeof value === "string" ? value : undefined;
  };
  document.documentElement.lang = locale;
  document.documentElement.dir = direction;
  for (const node of root.querySelectorAll<HTMLElement>("[data-i18n]")) {
    const value = text(node.dataset["i18n"]);
    if (value !== undefined) node.textContent = value;
  }
  for (const node of root.querySelectorAll<HTMLElement>("[data-i18n-attr]")) {
    for (const pair of (node.dataset["i18nAttr"] ?? "").split(/\s+/)) {
      const [attribute, key] = pair.split(":");
      const value = text(key);
      if (attribute && value !== undefined) node.setAttribute(attribute, value);
    }
  }
}

/**
 * A language picker: choosing a language keeps it in this browser and reloads the page in it (a
 * `?lang=` in the address is dropped, so the choice is what counts from then on).
 */
export function languagePicker(label: string): HTMLElement {
  const select = document.createElement("select");
  select.id = "language-select";
  select.dataset["testid"] = "language-select";
  select.setAttribute("aria-label", label);
  for (const [code, { name }] of Object.entries(LANGUAGES)) {
    const option = new Option(name, code, false, code === language);
    option.lang = code;
    select.append(option);
  }
  select.addEventListener("change", () => {
    try {
      localStorage.setItem(STORAGE_KEY, select.value);
    } catch {
      // Without storage the choice lasts as long as the address carries it.
    }
    const url = new URL(location.href);
    url.searchParams.delete("lang");
    if (storedLanguage() !== select.value) url.searchParams.set("lang", select.value);
    location.replace(url.pathname + url.search + url.hash);
  });
  const wrapper = document.createElement("div");
  wrapper.className = "language";
  wrapper.append(select);
  return wrapper;
}
