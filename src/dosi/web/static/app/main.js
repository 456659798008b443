// The control room page: wires configuration, translations, map, layers panel, overview,
// inspector and the live stream together.

import { Api } from "./api.js";
import { signIn } from "./auth.js";
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
import { IncidentView } from "./incident-view.js";
import { IncidentBoard, Places } from "./incidents.js";
import { Inspector } from "./inspector.js";
import { LiveFeed } from "./live.js";
import { MapView, iconCanvas } from "./map.js";
import { OpsApi, loadKpiReport, loadPermissions } from "./ops.js";
import { Overview } from "./overview.js";
import { LEVELS } from "./status.js";
import { EntityStore } from "./store.js";

const $ = (id) => document.getElementById(id);
const HELLO_WAIT_MS = 2000;
const KPI_EVERY_MS = 60_000;

async function getJson(url, headers = {}) {
  const response = await fetch(url, { headers });
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
  const languageLoad = setLanguage(initialLanguage(config.languages));
  // With authentication on, the (translated) login form comes first: every call after it
  // carries the token (auth.js).
  const session = config.auth?.enabled ? await languageLoad.then(() => signIn(config)) : null;
  const bearer = session ? { Authorization: `Bearer ${session.token}` } : {};
  const basemapLoad = getJson(config.basemap, bearer); // meanwhile: translations, live stream
  await languageLoad;
  languageSelect(config.languages);
  clock();

  const api = new Api(config, tenant, session);
  const access = loadPermissions(config, api, tenant);
  const incidents = config.incidents;
  const store = new EntityStore([...config.layers.map((l) => l.type), incidents.type]);
  let board = null;
  let incidentsFailed = false;

  // Loads every layer and the open incidents; live changes wait until it is done. The
  // board and the overview hear of the new data through the store.
  const loadAll = async () => {
    store.beginLoad();
    try {
      const openOnly = { q: incidents.boardStates.map((s) => `state=="${s}"`).join("|") };
      await Promise.all([
        ...config.layers.map(async (layer) => {
          try {
            store.replaceAll(layer.type, await api.queryAll(layer));
          } catch (error) {
            console.error(error);
            toast(t("error.layer", { layer: t(`type.${layer.type}`) }));
          }
        }),
        api.queryAll(incidents, openOnly).then(
          (found) => store.replaceAll(incidents.type, found),
          (error) => {
            console.error(error);
            incidentsFailed = true;
            if (board) board.unavailable = true;
          },
        ),
      ]);
    } finally {
      store.endLoad();
    }
  };

  // The live stream starts before the data loads: changes made meanwhile are held, not lost.
  let hello;
  const connected = new Promise((resolve) => (hello = resolve));
  let lastEvent = null;
  const showLast = () => ($("live-last").textContent = lastEvent ? t("live.lastEvent", { time: formatRelative(lastEvent) }) : "");
  setInterval(showLast, 5000);
  onLanguageChange(showLast);
  const live = new LiveFeed({
    url: config.events,
    tenant,
    session,
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
  // Wait for "hello" while the main thread is idle (it would be late behind the map's
  // construction); then the server answers the queries while the map is built.
  await Promise.race([connected, new Promise((resolve) => setTimeout(resolve, HELLO_WAIT_MS))]);
  performance.mark("dosi:hello");
  const dataLoad = loadAll();

  const basemap = await basemapLoad;
  const view = new MapView({ container: $("map"), config, basemap, store, lang: document.documentElement.lang });
  layerPanel(config, store, view);
  onLanguageChange((code) => view.setLanguage(code));

  const inspector = new Inspector({ api, store, config, onClose: () => view.select(null) });
  const places = new Places(basemap);
  const ops = new OpsApi(config, api);
  const incidentView = new IncidentView({
    ops, store, config, places, permissions: new Set(["read"]), user: null,
    onClose: () => {
      view.select(null);
      board.select(null);
    },
  });
  access.then(({ permissions, user }) => {
    incidentView.permissions = permissions;
    incidentView.user = user;
    document.body.dataset.operate = String(permissions.has("operate"));
    incidentView.render();
  });
  // One detail panel at a time: an entity's inspector or an incident's view.
  const open = (id, type, fly) => {
    if (type === incidents.type) {
      if (!inspector.panel.hidden) inspector.close();
      board.select(id);
      incidentView.open(id);
    } else {
      if (!incidentView.panel.hidden) incidentView.close();
      inspector.open(id, type);
    }
    view.select(id, { fly });
  };
  const pick = (id, type) => open(id, type, true);
  board = new IncidentBoard({
    root: $("incident-board"), counter: $("incident-count"), store, config, places, onPick: pick,
  });
  board.unavailable = incidentsFailed;
  view.onSelect((id, type) => open(id, type, false));
  const overview = new Overview({ root: $("overview"), store, config, onPick: pick });

  await Promise.all([view.loaded, dataLoad]);
  performance.mark("dosi:data");
  // For tests and diagnostics: the running parts of the page.
  window.dosi = { config, api, ops, store, view, map: view.map, inspector, overview, live, pick, board, incidentView };
  board.render();
  view.flushNow();
  // "idle" comes once every source has its data and the frame with the markers is drawn:
  // the first meaningful paint (measure it with performance.getEntriesByName("dosi:ready")).
  view.drawn().then(() => {
    performance.mark("dosi:ready");
    document.body.dataset.ready = "true";
    // The overview and the KPI app's indicators are not part of the first paint.
    overview.render();
    const indicators = async () => overview.setKpi(await loadKpiReport(config, api));
    indicators();
    setInterval(indicators, KPI_EVERY_MS);
  });
}

start().catch((error) => {
  console.error(error);
  const banner = $("banner");
  banner.hidden = false;
  banner.textContent = t("app.startFailed");
});
