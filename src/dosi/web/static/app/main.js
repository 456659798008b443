// The control room page: wires configuration, translations, map, layers panel, overview,
// inspector and the live stream together.

import { Api } from "./api.js";
import {
  formatNumber,
  formatRelative,
  formatTime,
  initialLanguage,
  languageName,
  onLanguageChange,
  setLanguage,
  t,
} from "./i18n.js";
import { Inspector } from "./inspector.js";
import { LiveFeed } from "./live.js";
import { MapView, iconCanvas } from "./map.js";
import { Overview } from "./overview.js";
import { LEVELS } from "./status.js";
import { EntityStore } from "./store.js";

const $ = (id) => document.getElementById(id);
const HELLO_WAIT_MS = 2000;

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function toast(text) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 5000);
}

function languageSelect(languages) {
  const select = $("lang-select");
  select.replaceChildren(
    ...languages.map((code) => {
      const option = document.createElement("option");
      option.value = code;
      option.lang = code;
      option.textContent = languageName(code);
      return option;
    }),
  );
  select.value = document.documentElement.lang;
  select.addEventListener("change", () => setLanguage(select.value));
  onLanguageChange((code) => (select.value = code));
}

function layerPanel(config, store, view) {
  const list = $("layer-list");
  const rows = new Map();
  for (const layer of config.layers) {
    const item = document.createElement("li");
    item.dataset.type = layer.type;
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.id = `toggle-${layer.type}`;
    box.addEventListener("change", () => view.setVisible(layer.type, box.checked));
    const name = document.createElement("span");
    name.className = "layer-name";
    const count = document.createElement("span");
    count.className = "count";
    label.append(box, iconCanvas(layer.type, 0), name, count);
    const legend = document.createElement("ul");
    legend.className = "legend";
    const levels = (LEVELS[layer.type] ?? [-1]).map((level) => {
      const entry = document.createElement("li");
      const text = document.createElement("span");
      entry.append(iconCanvas(layer.type, level, 14), text);
      legend.append(entry);
      return [level, text];
    });
    item.append(label, legend);
    list.append(item);
    rows.set(layer.type, { box, name, count, levels });
  }
  const render = () => {
    for (const [type, row] of rows) {
      const label = t(`type.${type}`);
      row.name.textContent = label;
      row.box.setAttribute("aria-label", t("layers.toggle", { layer: label }));
      row.count.textContent = formatNumber(store.count(type));
      row.count.title = t("layers.total", { count: store.count(type) });
      for (const [level, text] of row.levels) {
        text.textContent = t(level === -1 ? "status.unknown" : `status.${type}.${level}`);
      }
    }
  };
  store.onChange(render);
  onLanguageChange(render);
  render();
}

function liveIndicator(state) {
  const dot = $("live-dot");
  dot.dataset.state = state;
  const text = $("live-text");
  text.dataset.i18n = `live.${state}`;
  text.textContent = t(`live.${state}`);
  document.body.dataset.live = state;
}

function clock() {
  const tick = () => ($("clock").textContent = formatTime(new Date()));
  tick();
  setInterval(tick, 1000);
  onLanguageChange(tick);
}

async function start() {
  const params = new URLSearchParams(location.search);
  const tenant = params.get("tenant") ?? "";
  const config = await getJson("/ui/config.json");
  await setLanguage(initialLanguage(config.languages));
  languageSelect(config.languages);
  clock();

  const api = new Api(config, tenant);
  const store = new EntityStore(config.layers.map((l) => l.type));
  const basemap = await getJson(config.basemap);
  const view = new MapView({ container: $("map"), config, basemap, store, lang: document.documentElement.lang });
  layerPanel(config, store, view);
  onLanguageChange((code) => view.setLanguage(code));

  const inspector = new Inspector({ api, store, config, onClose: () => view.select(null) });
  const pick = (id, type) => {
    view.select(id, { fly: true });
    inspector.open(id, type);
  };
  view.onSelect((id, type) => {
    view.select(id);
    inspector.open(id, type);
  });
  const overview = new Overview({ root: $("overview"), store, config, onPick: pick });

  const loadAll = async () => {
    store.beginLoad();
    try {
      await Promise.all(
        config.layers.map(async (layer) => {
          try {
            store.replaceAll(layer.type, await api.queryAll(layer));
          } catch (error) {
            console.error(error);
            toast(t("error.layer", { layer: t(`type.${layer.type}`) }));
          }
        }),
      );
    } finally {
      store.endLoad();
    }
    overview.render();
  };

  let hello;
  const connected = new Promise((resolve) => (hello = resolve));
  let lastEvent = null;
  const showLast = () => ($("live-last").textContent = lastEvent ? t("live.lastEvent", { time: formatRelative(lastEvent) }) : "");
  setInterval(showLast, 5000);
  onLanguageChange(showLast);
  const live = new LiveFeed({
    url: config.events,
    tenant,
    store,
    onState: (state) => {
      liveIndicator(state);
      if (state === "on") hello();
    },
    onResync: async (reason) => {
      if (reason === "overflow") toast(t("live.resynced"));
      await loadAll();
    },
    onEvent: (at) => {
      lastEvent = at;
      showLast();
    },
  });
  live.start();
  performance.mark("dosi:start");
  await Promise.race([connected, new Promise((resolve) => setTimeout(resolve, HELLO_WAIT_MS))]);
  performance.mark("dosi:hello");
  await Promise.all([view.loaded, loadAll()]);
  performance.mark("dosi:data");
  // For tests and diagnostics: the running parts of the page.
  window.dosi = { config, api, store, view, map: view.map, inspector, overview, live, pick };
  view.flushNow();
  // "idle" comes once every source has its data and the frame with the markers is drawn:
  // the first meaningful paint (measure it with performance.getEntriesByName("dosi:ready")).
  view.drawn().then(() => {
    performance.mark("dosi:ready");
    document.body.dataset.ready = "true";
  });
}

start().catch((error) => {
  console.error(error);
  const banner = $("banner");
  banner.hidden = false;
  banner.textContent = t("app.startFailed");
});
