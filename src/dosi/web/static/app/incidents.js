// The live incident board: open incidents, most severe first, kept current by the live
// stream; plus the labels incidents share with the detail view (title, place, state).

import { formatNumber, formatRelative, has, language, onLanguageChange, t } from "./i18n.js";
import { SEVERITY_COLOUR, incidentCanvas, severityRank } from "./incident-style.js";
import { pointOf } from "./map.js";

const REDRAW_MS = 0; // the store already batches a burst into one notification
const AGE_MS = 30_000; // ages ("3 minutes ago") move on by themselves
const FRESH_MS = 6000; // how long a new incident is highlighted

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The label of `prefix.value`, or the value itself when it has no translation. */
export function label(prefix, value) {
  return has(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : String(value ?? "");
}

/** A text in the page's language from a text or a {ko, zh, en} object. */
export function localized(value) {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    return value[language()] ?? value.en ?? Object.values(value).find((v) => typeof v === "string") ?? "";
  }
  return "";
}

export function incidentTitle(incident) {
  return localized(incident.title) || incident.description || label("category", incident.category);
}

/** Districts of the basemap, to name the place of an incident (point in polygon). */
export class Places {
  constructor(basemap) {
    this.districts = (basemap?.features ?? []).filter((f) => f.properties?.kind === "district");
  }

  /** The incident's area name, else the district it lies in, else "". */
  nameOf(incident) {
    const given = localized(incident.areaName) || localized(incident.address?.addressLocality);
    if (given) return given;
    const point = pointOf(incident.location);
    if (!point) return "";
    const district = this.districts.find((f) => containsPoint(f.geometry, point));
    if (!district) return "";
    const props = district.properties;
    return props[`name:${language()}`] ?? props.name ?? "";
  }
}

function containsPoint(geometry, point) {
  const polygons = geometry?.type === "Polygon" ? [geometry.coordinates]
    : geometry?.type === "MultiPolygon" ? geometry.coordinates : [];
  return polygons.some((rings) => rings.reduce((inside, ring, i) => (inRing(ring, point) ? !inside : inside), false));
}

function inRing(ring, [x, y]) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Board order: most severe first, then unacknowledged, then newest. */
export function boardOrder(a, b) {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    Number(b.state === "detected") - Number(a.state === "detected") ||
    String(b.dateIssued ?? "").localeCompare(String(a.dateIssued ?? ""))
  );
}

export class IncidentBoard {
  constructor({ root, counter, store, config, places, onPick }) {
    this.root = root;
    this.counter = counter;
    this.store = store;
    this.type = config.incidents.type;
    this.states = new Set(config.incidents.boardStates);
    this.places = places;
    this.onPick = onPick;
    this.selected = null;
    this.seen = null; // ids known at the first render: only later ones are "new"
    this.freshUntil = new Map();
    this.timer = null;
    this.unavailable = false;
    store.onChange((types) => types.has(this.type) && this.schedule());
    onLanguageChange(() => this.render());
    setInterval(() => this.render(), AGE_MS);
  }

  schedule() {
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.render();
      }, REDRAW_MS);
    }
  }

  open() {
    return this.store.all(this.type).filter((i) => this.states.has(i.state)).sort(boardOrder);
  }

  select(id) {
    this.selected = id;
    for (const item of this.root.querySelectorAll("li.incident")) {
      item.classList.toggle("selected", item.dataset.id === id);
    }
  }

  render() {
    const incidents = this.open();
    const now = Date.now();
    if (this.seen === null) {
      this.seen = new Set(incidents.map((i) => i.id));
    } else {
      for (const incident of incidents) {
        if (!this.seen.has(incident.id)) {
          this.seen.add(incident.id);
          this.freshUntil.set(incident.id, now + FRESH_MS);
        }
      }
    }
    this.counter.textContent = incidents.length ? formatNumber(incidents.length) : "";
    this.counter.title = t("incidents.count", { count: incidents.length });
    if (!incidents.length) {
      const text = this.unavailable ? "incidents.unavailable" : "incidents.none";
      this.root.replaceChildren(element("p", "muted", t(text)));
      return;
    }
    const list = element("ul", "incident-list");
    list.setAttribute("aria-label", t("incidents.title"));
    list.append(...incidents.map((incident) => this.#row(incident, now)));
    this.root.replaceChildren(list);
  }

  #row(incident, now) {
    const item = element("li", "incident");
    item.dataset.id = incident.id;
    item.dataset.state = incident.state;
    item.dataset.severity = incident.severity;
    item.style.borderLeftColor = SEVERITY_COLOUR[incident.severity] ?? SEVERITY_COLOUR.indeterminate;
    if ((this.freshUntil.get(incident.id) ?? 0) > now) item.classList.add("fresh");
    if (incident.id === this.selected) item.classList.add("selected");

    const button = element("button", "incident-row");
    button.type = "button";
    button.addEventListener("click", () => this.onPick(incident.id, this.type));
    const main = element("span", "incident-main");
    const title = element("span", "incident-title", incidentTitle(incident));
    const place = this.places.nameOf(incident);
    const meta = [label("severity", incident.severity), label("category", incident.category), place]
      .filter(Boolean)
      .join(" · ");
    main.append(title, element("span", "incident-meta muted", meta));

    const side = element("span", "incident-side");
    const state = element("span", `badge state state-${incident.state}`, label("state", incident.state));
    const age = element("time", "incident-age muted", incident.dateIssued ? formatRelative(incident.dateIssued) : "");
    if (incident.dateIssued) age.dateTime = incident.dateIssued;
    side.append(state, age);
    const count = Number(incident.count ?? 1);
    if (count > 1) {
      const repeat = element("span", "incident-count", `×${formatNumber(count)}`);
      repeat.title = t("incidents.repeated", { count });
      side.append(repeat);
    }
    button.append(incidentCanvas(incident), main, side);
    item.append(button);
    return item;
  }
}
