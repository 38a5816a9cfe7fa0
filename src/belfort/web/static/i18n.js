// The pages' words in the reader's language, from the same gettext catalogs as the
// templates: the page carries the messages its scripts use (base.html, #belfort-messages),
// looked up by their English text. A message not in the catalog shows in English.
//
//   _("Chain intact: {count} records.", { count })     fields in braces, as in Python
//   ngettext("{count} camera", "{count} cameras", n)   `count` is filled in by itself

const page = typeof document === "undefined" ? null : document;

function readCatalog() {
  const element = page && page.getElementById("belfort-messages");
  if (!element) return {};
  try {
    return JSON.parse(element.textContent) || {};
  } catch {
    return {};
  }
}

const catalog = readCatalog();

/** The page's language (nl, fr, de or en) and the site's time zone, as the server set them. */
export const language = (page && page.documentElement.lang) || "en";
export const timeZone = (page && page.documentElement.dataset.timeZone) || "Europe/Brussels";

/** `text` with each `{name}` replaced by `values[name]` (a missing one stays as written). */
export function fill(text, values = {}) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** `message` in the page's language, its `{fields}` filled from `values`. */
export function _(message, values = {}, messages = catalog) {
  const translated = messages[message];
  return fill(typeof translated === "string" && translated ? translated : message, values);
}

/** Which plural form (0, 1, …) of a catalog entry agrees with `count` in `lang`:
 * gettext's order is the singular first, then the plural, as Intl's "one" and "other". */
export function pluralIndex(count, lang = language) {
  return new Intl.PluralRules(lang).select(count) === "one" ? 0 : 1;
}

/** The form of a counted message that agrees with `count`; `{count}` is filled in. */
export function ngettext(singular, plural, count, values = {}, messages = catalog, lang = language) {
  const forms = messages[singular];
  const english = count === 1 ? singular : plural;
  const text = Array.isArray(forms) ? forms[Math.min(pluralIndex(count, lang), forms.length - 1)] || english : english;
  return fill(text, { count, ...values });
}
