// The entity inspector: attributes, last update, and a history chart from the temporal API.

import uPlot from "../vendor/uplot/uPlot.esm.js";
import { HttpError } from "./api.js";
import {
  formatDateTime,
  formatNumber,
  formatPercent,
  formatRelative,
  has,
  language,
  onLanguageChange,
  t,
} from "./i18n.js";
import { shortName } from "./status.js";

const RANGES = {
  hour: { ms: 3600e3, period: "PT5M", axis: { hour: "2-digit", minute: "2-digit" } },
  day: { ms: 86400e3, period: "PT1H", axis: { hour: "2-digit", minute: "2-digit" } },
  week: { ms: 7 * 86400e3, period: "PT6H", axis: { month: "short", day: "numeric" } },
};
/** Attributes charted first when an entity has them. */
const PREFERRED = ["fillingLevel", "pm25", "height", "airQualityIndex", "pm10", "flow"];
const NO_HISTORY = new Set([400, 404, 501]);
const HIDDEN = new Set(["id", "type", "@context", "createdAt", "modifiedAt", "scope"]);
const REFRESH_MS = 600;

const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

export function attributeLabel(name) {
  return has(`attr.${name}`) ? t(`attr.${name}`) : name;
}

export function valueLabel(value) {
  return typeof value === "string" && has(`value.${value}`) ? t(`value.${value}`) : value;
}

/** A human reading of a normalized attribute instance. */
export function formatAttribute(name, attr) {
  switch (attr?.type) {
    case "GeoProperty": {
      const c = attr.value?.coordinates;
      if (attr.value?.type === "Point" && Array.isArray(c)) {
        return `${formatNumber(c[1], { maximumFractionDigits: 5 })}, ${formatNumber(c[0], { maximumFractionDigits: 5 })}`;
      }
      return attr.value?.type ?? "";
    }
    case "Relationship":
      return String(attr.object);
    case "LanguageProperty": {
      const map = attr.languageMap ?? {};
      return map[language()] ?? map["@none"] ?? Object.values(map)[0] ?? "";
    }
    case "ListProperty":
      return JSON.stringify(attr.valueList);
    case "JsonProperty":
      return JSON.stringify(attr.json);
    default:
      return formatValue(name, attr?.value, attr?.unitCode);
  }
}

export function formatValue(name, value, unitCode) {
  if (typeof value === "number") {
    if (name === "fillingLevel" && value >= 0 && value <= 1) return formatPercent(value);
    const unit = unitCode && has(`unit.${unitCode}`) ? ` ${t(`unit.${unitCode}`)}` : "";
    return `${formatNumber(value)}${unit}`;
  }
  if (typeof value === "string") {
    if (/^\d{4}-\d\d-\d\dT/.test(value)) return formatDateTime(value);
    return String(valueLabel(value));
  }
  if (Array.isArray(value)) return value.map((v) => valueLabel(v)).join(", ");
  if (value && typeof value === "object") return JSON.stringify(value);
  return value === undefined || value === null ? "" : String(value);
}

function numericAttributes(entity) {
  const names = Object.entries(entity)
    .filter(([name, attr]) => !HIDDEN.has(name) && typeof first(attr)?.value === "number")
    .map(([name]) => name);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function rank(name) {
  const i = PREFERRED.indexOf(name);
  return i === -1 ? PREFERRED.length : i;
}

function first(attr) {
  return Array.isArray(attr) ? attr[0] : attr;
}

export class Inspector {
  constructor({ api, store, config, onClose }) {
    this.api = api;
    this.store = store;
    this.contexts = Object.fromEntries(config.layers.map((l) => [l.type, l.context]));
    this.onClose = onClose;
    this.panel = $("inspector");
    this.range = "day";
    this.method = "raw";
    this.attr = null;
    this.entity = null;
    this.current = null; // {id, type}
    this.chart = null;
    this.refreshTimer = null;
    this.historyToken = 0;
    $("insp-close").addEventListener("click", () => this.close());
    $("hist-attr").addEventListener("change", (e) => {
      this.attr = e.target.value;
      this.loadHistory();
    });
    $("hist-aggr").addEventListener("change", (e) => {
      this.method = e.target.value;
      this.loadHistory();
    });
    for (const button of $("hist-range").querySelectorAll("button")) {
      button.addEventListener("click", () => {
        this.range = button.dataset.range;
        this.#markRange();
        this.loadHistory();
      });
    }
    this.#markRange();
    store.onChange((types, ids) => {
      if (this.current && ids.has(this.current.id)) this.#scheduleRefresh();
    });
    onLanguageChange(() => {
      if (this.entity) this.#render();
      if (this.current) this.loadHistory();
    });
    new ResizeObserver(() => this.#resizeChart()).observe($("hist-chart"));
  }

  #markRange() {
    for (const button of $("hist-range").querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button.dataset.range === this.range));
    }
  }

  async open(id, type) {
    const changed = this.current?.id !== id;
    this.current = { id, type };
    this.panel.hidden = false;
    if (changed) {
      this.entity = null;
      this.attr = null;
      $("insp-type").textContent = has(`type.${type}`) ? t(`type.${type}`) : type;
      $("insp-title").textContent = shortName(this.store.get(id) ?? { id });
      $("insp-id").textContent = id;
      $("insp-updated").textContent = "";
      this.#message(t("inspector.loading"));
      $("insp-attrs").tBodies[0].replaceChildren();
    }
    await this.#load();
    if (changed) await this.loadHistory();
  }

  close() {
    this.panel.hidden = true;
    this.current = null;
    this.entity = null;
    this.chart?.destroy();
    this.chart = null;
    this.onClose?.();
  }

  #scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.current && this.#load(), REFRESH_MS);
  }

  async #load() {
    const { id, type } = this.current;
    try {
      const entity = await this.api.entity(id, this.contexts[type]);
      if (this.current?.id !== id) return;
      this.entity = entity;
      this.#message(null);
      this.#render();
    } catch (error) {
      if (this.current?.id !== id) return;
      this.entity = null;
      this.#message(t(error instanceof HttpError && error.status === 404 ? "inspector.gone" : "inspector.failed"));
      $("insp-attrs").tBodies[0].replaceChildren();
    }
  }

  #message(text) {
    const el = $("insp-message");
    el.hidden = !text;
    el.textContent = text ?? "";
  }

  #render() {
    const entity = this.entity;
    const type = this.current.type;
    $("insp-type").textContent = has(`type.${type}`) ? t(`type.${type}`) : type;
    $("insp-title").textContent = shortName({ id: entity.id, name: first(entity.name)?.value });
    if (entity.modifiedAt) {
      $("insp-updated").textContent = `${formatDateTime(entity.modifiedAt)} (${formatRelative(entity.modifiedAt)})`;
      $("insp-updated").dateTime = entity.modifiedAt;
    }
    const rows = [];
    for (const [name, raw] of Object.entries(entity)) {
      if (HIDDEN.has(name)) continue;
      const attr = first(raw);
      const row = element("tr");
      row.dataset.attr = name;
      const label = element("th", "", attributeLabel(name));
      label.scope = "row";
      label.title = name;
      const value = element("td", "value", formatAttribute(name, attr));
      if (Array.isArray(raw) && raw.length > 1) {
        value.append(element("span", "muted", ` · ${t("inspector.instances", { count: raw.length })}`));
      }
      const observed = element("td", "muted", attr?.observedAt ? formatDateTime(attr.observedAt) : "");
      row.append(label, value, observed);
      rows.push(row);
    }
    $("insp-attrs").tBodies[0].replaceChildren(...rows);
    this.#fillAttributeSelect();
  }

  #fillAttributeSelect() {
    const select = $("hist-attr");
    const names = numericAttributes(this.entity);
    if (!names.includes(this.attr)) this.attr = names[0] ?? null;
    select.replaceChildren(
      ...names.map((name) => {
        const option = element("option", "", attributeLabel(name));
        option.value = name;
        option.selected = name === this.attr;
        return option;
      }),
    );
    select.disabled = names.length === 0;
  }

  async loadHistory() {
    if (!this.current) return;
    const token = ++this.historyToken;
    if (!this.entity) await this.#waitForEntity();
    if (token !== this.historyToken || !this.current) return;
    if (!this.attr) {
      this.#showChart(null, t(this.entity ? "history.noNumeric" : "history.none"));
      return;
    }
    const { id, type } = this.current;
    const range = RANGES[this.range];
    $("hist-message").hidden = false;
    $("hist-message").textContent = t("history.loading");
    const to = new Date();
    const from = new Date(to.getTime() - range.ms);
    try {
      const points = await this.api.history(id, this.contexts[type], {
        attr: this.attr,
        from,
        method: this.method,
        period: range.period,
      });
      if (token !== this.historyToken) return;
      this.#showChart(points.length ? points : null, t("history.none"), [from, to]);
    } catch (error) {
      if (token !== this.historyToken) return;
      const none = error instanceof HttpError && NO_HISTORY.has(error.status);
      this.#showChart(null, t(none ? "history.none" : "history.failed"));
    }
  }

  async #waitForEntity() {
    for (let i = 0; i < 50 && !this.entity && this.current; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  #showChart(points, emptyText, span = null) {
    const box = $("hist-chart");
    this.chart?.destroy();
    this.chart = null;
    const message = $("hist-message");
    if (!points) {
      box.hidden = true;
      message.hidden = false;
      message.textContent = emptyText;
      box.dataset.points = "0";
      return;
    }
    box.hidden = false;
    message.hidden = false;
    message.textContent = t("history.points", { count: points.length });
    box.dataset.points = String(points.length);
    const name = this.attr;
    const unit = first(this.entity?.[name])?.unitCode;
    const percent = name === "fillingLevel";
    const formatY = (v) => (v === null || v === undefined ? "—" : formatValue(name, v, unit));
    const formatX = (s) => formatDateTime(s * 1000, RANGES[this.range].axis);
    const formatWhen = (s) => formatDateTime(s * 1000, { dateStyle: "medium", timeStyle: "short" });
    const [from, to] = span.map((d) => d.getTime() / 1000);
    const options = {
      width: Math.max(box.clientWidth, 200),
      height: 180,
      legend: { show: true },
      scales: { x: { time: true, range: [from, to] }, y: percent ? { range: [0, 1] } : { auto: true } },
      series: [
        { label: t("history.time"), value: (u, v) => (v === null ? "—" : formatWhen(v)) },
        {
          label: `${attributeLabel(name)} (${t(`history.aggr.${this.method}`)})`,
          stroke: "#4cc3ff",
          fill: "rgba(76,195,255,0.12)",
          width: 2,
          points: { show: points.length < 60 },
          value: (u, v) => formatY(v),
        },
      ],
      axes: [
        { stroke: "#8fa6c9", grid: { stroke: "#1f2c44" }, space: 70, values: (u, splits) => splits.map(formatX) },
        { stroke: "#8fa6c9", grid: { stroke: "#1f2c44" }, size: 64,
          values: (u, splits) => splits.map((v) => (percent ? formatPercent(v) : formatNumber(v))) },
      ],
    };
    const data = [points.map((p) => p[0]), points.map((p) => p[1])];
    this.chart = new uPlot(options, data, box);
  }

  #resizeChart() {
    const box = $("hist-chart");
    if (this.chart && box.clientWidth > 0) this.chart.setSize({ width: box.clientWidth, height: 180 });
  }
}
