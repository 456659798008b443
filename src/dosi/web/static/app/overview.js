// The city overview: KPIs computed in the browser from the entities on the map
// (bins to collect, PM2.5 and AQI by district, river levels, parking occupancy, light
// faults), and the indicators of the KPI app when it runs (GET /apps/kpi/report).

import { formatDateTime, formatNumber, formatPercent, has, language, onLanguageChange, t } from "./i18n.js";
import { PALETTE, bin, isFault, number, shortName } from "./status.js";

const REDRAW_MS = 1000;
const LIST = 5;

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The overview numbers, from plain entity lists (keyValues): pure, for tests too. */
export function computeOverview(store, thresholds) {
  const bins = store.all("WasteContainer");
  const withFill = bins.filter((b) => number(b.fillingLevel) !== null);
  const toCollect = withFill
    .filter((b) => number(b.fillingLevel) >= thresholds.collectAt)
    .sort((a, b) => number(b.fillingLevel) - number(a.fillingLevel));

  const districts = new Map();
  const indices = new Map();
  for (const station of store.all("AirQualityObserved")) {
    const name = typeof station.areaServed === "string" ? station.areaServed : "—";
    const pm25 = number(station.pm25);
    if (pm25 !== null) {
      const entry = districts.get(name) ?? { name, sum: 0, count: 0 };
      entry.sum += pm25;
      entry.count += 1;
      districts.set(name, entry);
    }
    const index = number(station.airQualityIndex);
    if (index !== null) {
      const entry = indices.get(name) ?? { name, sum: 0, count: 0, max: -Infinity };
      entry.sum += index;
      entry.count += 1;
      entry.max = Math.max(entry.max, index);
      indices.set(name, entry);
    }
  }
  const air = [...districts.values()]
    .map((d) => ({ name: d.name, pm25: d.sum / d.count, stations: d.count }))
    .sort((a, b) => b.pm25 - a.pm25);
  const aqi = [...indices.values()]
    .map((d) => ({ name: d.name, aqi: d.sum / d.count, max: d.max, stations: d.count }))
    .sort((a, b) => b.aqi - a.aqi);

  const rivers = store
    .all("WaterObserved")
    .filter((g) => number(g.height) !== null)
    .map((g) => ({ id: g.id, name: shortName(g), height: number(g.height) }))
    .sort((a, b) => b.height - a.height);

  const spots = store.all("ParkingSpot");
  const occupied = spots.filter((s) => s.status === "occupied").length;
  const free = spots.filter((s) => s.status === "free").length;

  const lights = store.all("Streetlight").filter((l) => l.status !== undefined);
  const faults = lights.filter((l) => isFault(l.status));

  return {
    bins: { total: withFill.length, toCollect },
    air,
    aqi,
    rivers,
    parking: { free, occupied, open: free + occupied, total: spots.length },
    lights: { total: lights.length, faults },
  };
}

export class Overview {
  constructor({ root, store, config, onPick }) {
    this.root = root;
    this.store = store;
    this.thresholds = config.thresholds;
    this.onPick = onPick;
    this.timer = null;
    this.kpi = null; // the KPI app's report; null hides the section

    store.onChange(() => this.schedule());
    onLanguageChange(() => this.render());
  }

  schedule() {
    if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.render();
      }, REDRAW_MS);
    }
  }

  render() {
    const data = computeOverview(this.store, this.thresholds);
    this.root.replaceChildren(
      this.#bins(data.bins),
      this.#air(data.air),
      this.#aqi(data.aqi),
      this.#rivers(data.rivers),
      this.#parking(data.parking),
      this.#lights(data.lights),
    );
    if (this.kpi) this.root.append(this.#indicators(this.kpi));
  }

  /** Show the KPI app's report (null: the app is not running, the section goes away). */
  setKpi(report) {
    this.kpi = Array.isArray(report?.indicators) && report.indicators.length ? report : null;
    const section = this.root.querySelector("#kpi-indicators");
    if (this.kpi) {
      const tile = this.#indicators(this.kpi);
      if (section) section.replaceWith(tile);
      else this.root.append(tile);
    } else {
      section?.remove();
    }
  }

  #tile(key, id) {
    const tile = element("section", "tile");
    tile.id = `kpi-${id}`;
    tile.append(element("h3", "", t(key)));
    return tile;
  }

  #entityList(entities, describe) {
    if (!entities.length) return element("p", "muted", t("overview.none"));
    const list = element("ul", "picks");
    for (const entity of entities.slice(0, LIST)) {
      const item = element("li");
      const button = element("button", "link", shortName(entity));
      button.type = "button";
      button.addEventListener("click", () => this.onPick(entity.id, entity.type));
      item.append(button, element("span", "muted", describe(entity)));
      list.append(item);
    }
    return list;
  }

  #bins({ total, toCollect }) {
    const tile = this.#tile("overview.bins.title", "bins");
    if (!total) return empty(tile);
    const big = element("div", "big", formatNumber(toCollect.length));
    big.style.color = toCollect.length ? PALETTE[2] : PALETTE[0];
    tile.append(
      big,
      element("p", "muted", t("overview.bins.summary", {
        count: toCollect.length, total, threshold: formatPercent(this.thresholds.collectAt),
      })),
      this.#entityList(toCollect, (b) => formatPercent(number(b.fillingLevel))),
    );
    return tile;
  }

  #air(districts) {
    const tile = this.#tile("overview.air.title", "air");
    if (!districts.length) return empty(tile);
    const bounds = this.thresholds.pm25;
    const scale = Math.max(bounds[bounds.length - 1], ...districts.map((d) => d.pm25));
    const list = element("ul", "bars");
    for (const d of districts) {
      const item = element("li");
      item.title = t("overview.air.stations", { count: d.stations });
      const bar = element("span", "bar");
      const fill = element("span", "fill");
      fill.style.width = `${Math.min(100, (100 * d.pm25) / scale)}%`;
      fill.style.background = PALETTE[bin(d.pm25, bounds)];
      bar.append(fill);
      item.append(element("span", "name", d.name), bar,
        element("span", "num", `${formatNumber(d.pm25, { maximumFractionDigits: 0 })} ${t("unit.GQ")}`));
      list.append(item);
    }
    tile.append(list);
    return tile;
  }

  #aqi(districts) {
    const tile = this.#tile("overview.aqi.title", "aqi");
    if (!districts.length) return empty(tile);
    const bounds = this.thresholds.airQualityIndex ?? [51, 101, 251];
    const scale = Math.max(bounds[bounds.length - 1], ...districts.map((d) => d.aqi));
    const list = element("ul", "bars");
    for (const d of districts) {
      const item = element("li");
      item.title = t("overview.aqi.stations", { count: d.stations, max: formatNumber(d.max, { maximumFractionDigits: 0 }) });
      const bar = element("span", "bar");
      const fill = element("span", "fill");
      fill.style.width = `${Math.min(100, (100 * d.aqi) / scale)}%`;
      fill.style.background = PALETTE[bin(d.aqi, bounds)];
      bar.append(fill);
      item.append(element("span", "name", d.name), bar,
        element("span", "num", `${t("attr.airQualityIndex.short")} ${formatNumber(d.aqi, { maximumFractionDigits: 0 })}`));
      list.append(item);
    }
    tile.append(list);
    return tile;
  }

  #indicators(report) {
    const tile = this.#tile("overview.kpi.title", "indicators");
    const grid = element("div", "kpi-grid");
    for (const indicator of report.indicators) {
      const cell = element("div", "kpi");
      cell.dataset.indicator = indicator.id;
      const name = localizedText(indicator.name) || indicator.id;
      cell.title = localizedText(indicator.definition) || name;
      const value = typeof indicator.value === "number" ? indicatorValue(indicator) : t("overview.kpi.noValue");
      cell.append(element("div", "kpi-value", value), element("div", "kpi-name muted small", name));
      grid.append(cell);
    }
    tile.append(grid);
    const start = report.period?.start;
    const end = report.period?.end;
    if (start && end) {
      const day = { dateStyle: "medium" };
      tile.append(element("p", "muted small", t("overview.kpi.period", {
        from: formatDateTime(start, day), to: formatDateTime(end, day),
      })));
    }
    return tile;
  }

  #rivers(gauges) {
    const tile = this.#tile("overview.river.title", "river");
    if (!gauges.length) return empty(tile);
    const [watch, warning, alarm] = this.thresholds.height;
    const metres = (v) => `${formatNumber(v)} ${t("unit.MTR")}`;
    const scale = Math.max(alarm * 1.15, ...gauges.map((g) => g.height));
    const list = element("ul", "bars");
    for (const g of gauges) {
      const item = element("li");
      const bar = element("span", "bar");
      const fill = element("span", "fill");
      fill.style.width = `${Math.min(100, (100 * g.height) / scale)}%`;
      fill.style.background = PALETTE[bin(g.height, this.thresholds.height)];
      bar.append(fill);
      for (const mark of [watch, warning, alarm]) {
        const tick = element("span", "tick");
        tick.style.left = `${(100 * mark) / scale}%`;
        bar.append(tick);
      }
      const name = element("button", "link name", g.name);
      name.type = "button";
      name.addEventListener("click", () => this.onPick(g.id, "WaterObserved"));
      item.append(name, bar, element("span", "num", metres(g.height)));
      list.append(item);
    }
    tile.append(list, element("p", "muted small", t("overview.river.thresholds", {
      watch: metres(watch), warning: metres(warning), alarm: metres(alarm),
    })));
    return tile;
  }

  #parking({ free, occupied, open }) {
    const tile = this.#tile("overview.parking.title", "parking");
    if (!open) return empty(tile);
    const share = occupied / open;
    const big = element("div", "big", formatPercent(share));
    big.style.color = PALETTE[share >= 0.9 ? 3 : share >= 0.75 ? 2 : 0];
    tile.append(big, element("p", "muted", t("overview.parking.summary", { free, total: open })));
    return tile;
  }

  #lights({ total, faults }) {
    const tile = this.#tile("overview.lights.title", "lights");
    if (!total) return empty(tile);
    const big = element("div", "big", formatNumber(faults.length));
    big.style.color = faults.length ? PALETTE[3] : PALETTE[0];
    tile.append(
      big,
      element("p", "muted", t("overview.lights.summary", { count: faults.length, total })),
      this.#entityList(faults, (l) => String(valueText(l.status))),
    );
    return tile;
  }
}

function localizedText(value) {
  if (typeof value === "string") return value;
  return value?.[language()] ?? value?.en ?? "";
}

/** An indicator's value with its unit, in the page's locale (percent as a percent). */
function indicatorValue(indicator) {
  const value = indicator.value;
  if (indicator.unitCode === "P1") return formatPercent(value / 100, 1);
  const digits = Math.abs(value) >= 100 ? 0 : 1;
  const unit = has(`unit.${indicator.unitCode}`) ? t(`unit.${indicator.unitCode}`) : indicator.unit ?? "";
  return `${formatNumber(value, { maximumFractionDigits: digits })} ${unit}`.trim();
}

function valueText(value) {
  return has(`value.${value}`) ? t(`value.${value}`) : value;
}

function empty(tile) {
  tile.append(element("p", "muted", t("overview.empty")));
  return tile;
}
