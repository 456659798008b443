// Translations (ko / zh / en) and locale-aware formatting of numbers and dates.
// Every string the page shows comes from /ui/assets/i18n/<lang>.json; elements name their
// string with data-i18n (text), data-i18n-title, data-i18n-aria (aria-label).

const STORAGE_KEY = "dosi.lang";
const LOCALES = { ko: "ko-KR", zh: "zh-CN", en: "en-GB" };
const FALLBACK = "en";

let dictionary = {};
let current = FALLBACK;
const listeners = new Set();
const numberFormats = new Map();
const dateFormats = new Map();

export function language() {
  return current;
}

export function locale() {
  return LOCALES[current] ?? current;
}

/** The language to start with: ?lang=, then the stored choice, then the browser's. */
export function initialLanguage(available) {
  const wanted = [
    new URLSearchParams(location.search).get("lang"),
    safeStorage(() => localStorage.getItem(STORAGE_KEY)),
    ...(navigator.languages ?? [navigator.language]),
  ];
  for (const tag of wanted) {
    const code = (tag ?? "").toLowerCase().split("-")[0];
    if (available.includes(code)) return code;
  }
  return available.includes(FALLBACK) ? FALLBACK : available[0];
}

export async function setLanguage(code) {
  const response = await fetch(`/ui/assets/i18n/${encodeURIComponent(code)}.json`);
  if (!response.ok) throw new Error(`translation ${code}: HTTP ${response.status}`);
  dictionary = await response.json();
  current = code;
  numberFormats.clear();
  dateFormats.clear();
  document.documentElement.lang = code;
  safeStorage(() => localStorage.setItem(STORAGE_KEY, code));
  translateTree(document);
  for (const listener of listeners) listener(code);
}

export function onLanguageChange(listener) {
  listeners.add(listener);
}

export function has(key) {
  return Object.hasOwn(dictionary, key);
}

/** The string for `key` with {name} placeholders filled (numbers are formatted). */
export function t(key, params = {}) {
  const text = dictionary[key];
  if (text === undefined) {
    console.warn(`missing translation: ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? formatNumber(value) : String(value);
  });
}

export function translateTree(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAria));
  }
}

/** The language's own name for `code` (한국어, 中文, English): no translation needed. */
export function languageName(code) {
  try {
    return new Intl.DisplayNames([LOCALES[code] ?? code], { type: "language" }).of(code);
  } catch {
    return code;
  }
}

export function formatNumber(value, options = {}) {
  const key = JSON.stringify(options);
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale(), { maximumFractionDigits: 2, ...options });
    numberFormats.set(key, format);
  }
  return format.format(value);
}

export function formatPercent(fraction, digits = 0) {
  return formatNumber(fraction, { style: "percent", maximumFractionDigits: digits });
}

function dateFormat(options) {
  const key = JSON.stringify(options);
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale(), options);
    dateFormats.set(key, format);
  }
  return format;
}

export function formatDateTime(value, options = { dateStyle: "medium", timeStyle: "medium" }) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : dateFormat(options).format(date);
}

export function formatTime(value) {
  return formatDateTime(value, { timeStyle: "medium" });
}

/** "3 minutes ago" in the current language. */
export function formatRelative(value, now = Date.now()) {
  const seconds = Math.round((new Date(value).getTime() - now) / 1000);
  if (Number.isNaN(seconds)) return "";
  const format = new Intl.RelativeTimeFormat(locale(), { numeric: "auto" });
  const steps = [
    [60, "second"],
    [60, "minute"],
    [24, "hour"],
    [7, "day"],
    [Infinity, "week"],
  ];
  let amount = seconds;
  for (const [size, unit] of steps) {
    if (Math.abs(amount) < size) return format.format(Math.round(amount), unit);
    amount /= size;
  }
  return "";
}

function safeStorage(read) {
  try {
    return read();
  } catch {
    return null; // storage disabled (private mode, sandbox)
  }
}
