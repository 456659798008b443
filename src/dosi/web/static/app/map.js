// The city map: a generated vector basemap (plus an optional tile source), one clustered
// GeoJSON source per entity type with status-coloured icons, and selection.

import * as maplibregl from "../vendor/maplibre-gl/maplibre-gl.mjs";
import { t } from "./i18n.js";
import { INCIDENT_PIXEL_RATIO, SEVERITY_COLOUR, drawIncidentIcon, iconId, severityRank } from "./incident-style.js";
import { LEVELS, PALETTE, levelOf } from "./status.js";

const ICON_PX = 30; // CSS pixels of a point icon
const PIXEL_RATIO = 2;
const FLUSH_MS = 250; // at most one setData per source per FLUSH_MS (re-clustering costs)
const FONT = ["Noto Sans CJK KR", "Noto Sans CJK SC", "DejaVu Sans"];
const MAPLIBRE_STRINGS = [
  "Map.Title",
  "NavigationControl.ZoomIn",
  "NavigationControl.ZoomOut",
  "NavigationControl.ResetBearing",
  "AttributionControl.ToggleAttribution",
  "ScaleControl.Meters",
  "ScaleControl.Kilometers",
];
const EMPTY = { type: "FeatureCollection", features: [] };
const INCIDENT_LAYERS = ["incident-halo", "incident-points"];

function maplibreLocale() {
  return Object.fromEntries(MAPLIBRE_STRINGS.map((k) => [k, t(`maplibre.${k}`)]));
}

// -- icons -------------------------------------------------------------------------------

function roundedRect(ctx, x, y, w, h, r) {
  ctx.beginPath();
  ctx.moveTo(x + r, y);
  ctx.arcTo(x + w, y, x + w, y + h, r);
  ctx.arcTo(x + w, y + h, x, y + h, r);
  ctx.arcTo(x, y + h, x, y, r);
  ctx.arcTo(x, y, x + w, y, r);
  ctx.closePath();
}

const SHAPES = {
  WasteContainer(ctx, s) {
    roundedRect(ctx, s * 0.22, s * 0.26, s * 0.56, s * 0.6, s * 0.08);
    ctx.fill();
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(s * 0.16, s * 0.2);
    ctx.lineTo(s * 0.84, s * 0.2);
    ctx.stroke();
  },
  AirQualityObserved(ctx, s) {
    ctx.beginPath();
    ctx.arc(s / 2, s / 2, s * 0.36, 0, Math.PI * 2);
    ctx.fill();
    ctx.stroke();
    ctx.beginPath();
    for (const dy of [-0.1, 0.06]) {
      ctx.moveTo(s * 0.3, s * (0.5 + dy));
      ctx.bezierCurveTo(s * 0.42, s * (0.42 + dy), s * 0.55, s * (0.58 + dy), s * 0.7, s * (0.5 + dy));
    }
    ctx.stroke();
  },
  ParkingSpot(ctx, s) {
    roundedRect(ctx, s * 0.16, s * 0.16, s * 0.68, s * 0.68, s * 0.14);
    ctx.fill();
    ctx.stroke();
    ctx.beginPath();
    ctx.moveTo(s * 0.4, s * 0.7);
    ctx.lineTo(s * 0.4, s * 0.3);
    ctx.lineTo(s * 0.55, s * 0.3);
    ctx.arc(s * 0.55, s * 0.41, s * 0.11, -Math.PI / 2, Math.PI / 2);
    ctx.lineTo(s * 0.4, s * 0.52);
    ctx.stroke();
  },
  Streetlight(ctx, s) {
    ctx.beginPath();
    ctx.moveTo(s / 2, s * 0.12);
    ctx.lineTo(s * 0.86, s / 2);
    ctx.lineTo(s / 2, s * 0.88);
    ctx.lineTo(s * 0.14, s / 2);
    ctx.closePath();
    ctx.fill();
    ctx.stroke();
    ctx.beginPath();
    ctx.arc(s / 2, s / 2, s * 0.1, 0, Math.PI * 2);
    ctx.stroke();
  },
  WaterObserved(ctx, s) {
    ctx.beginPath();
    ctx.moveTo(s / 2, s * 0.1);
    ctx.bezierCurveTo(s * 0.62, s * 0.32, s * 0.82, s * 0.48, s * 0.82, s * 0.62);
    ctx.arc(s / 2, s * 0.62, s * 0.32, 0, Math.PI);
    ctx.bezierCurveTo(s * 0.18, s * 0.48, s * 0.38, s * 0.32, s / 2, s * 0.1);
    ctx.fill();
    ctx.stroke();
  },
};

/** ImageData of `type`'s shape filled with the colour of `level`. */
export function drawIcon(type, level) {
  const size = ICON_PX * PIXEL_RATIO;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = PALETTE[level];
  ctx.strokeStyle = "#0b1220";
  ctx.lineWidth = size * 0.07;
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  (SHAPES[type] ?? SHAPES.AirQualityObserved)(ctx, size);
  return ctx.getImageData(0, 0, size, size);
}

/** A small legend swatch (canvas) of the same icon. */
export function iconCanvas(type, level, cssPx = 18) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = cssPx * PIXEL_RATIO;
  canvas.className = "swatch";
  const ctx = canvas.getContext("2d");
  ctx.putImageData(scaled(drawIcon(type, level), canvas.width), 0, 0);
  return canvas;
}

function scaled(image, size) {
  const source = document.createElement("canvas");
  source.width = source.height = image.width;
  source.getContext("2d").putImageData(image, 0, 0);
  const target = document.createElement("canvas");
  target.width = target.height = size;
  const ctx = target.getContext("2d");
  ctx.drawImage(source, 0, 0, size, size);
  return ctx.getImageData(0, 0, size, size);
}

// -- style -------------------------------------------------------------------------------

function labelField(lang) {
  return ["coalesce", ["get", `name:${lang}`], ["get", "name"]];
}

function basemapLayers(lang, overTiles) {
  const kind = (k) => ["==", ["get", "kind"], k];
  const road = (c) => ["all", kind("road"), ["==", ["get", "class"], c]];
  return [
    { id: "bm-outline", type: "fill", source: "basemap", filter: kind("outline"),
      paint: { "fill-color": "#111b2e", "fill-opacity": overTiles ? 0.35 : 1 } },
    { id: "bm-district", type: "fill", source: "basemap", filter: kind("district"),
      paint: { "fill-color": "#15233b", "fill-opacity": overTiles ? 0.25 : 0.9 } },
    { id: "bm-park", type: "fill", source: "basemap", filter: kind("park"),
      paint: { "fill-color": "#133527", "fill-opacity": 0.9 } },
    { id: "bm-water", type: "fill", source: "basemap", filter: kind("water"),
      paint: { "fill-color": "#0f3d63" } },
    { id: "bm-district-line", type: "line", source: "basemap", filter: kind("district"),
      paint: { "line-color": "#2c4166", "line-width": 1, "line-dasharray": [3, 2] } },
    { id: "bm-street", type: "line", source: "basemap", filter: road("street"),
      paint: { "line-color": "#22324f", "line-width": ["interpolate", ["linear"], ["zoom"], 11, 0.4, 16, 3] } },
    { id: "bm-arterial", type: "line", source: "basemap", filter: road("arterial"),
      layout: { "line-cap": "round", "line-join": "round" },
      paint: { "line-color": "#3a5075", "line-width": ["interpolate", ["linear"], ["zoom"], 10, 1, 16, 7] } },
    { id: "bm-outline-line", type: "line", source: "basemap", filter: kind("outline"),
      paint: { "line-color": "#40587f", "line-width": 1.5 } },
    { id: "bm-labels", type: "symbol", source: "basemap", filter: kind("label"),
      layout: { "text-field": labelField(lang), "text-font": FONT, "text-size": 13,
        "text-letter-spacing": 0.08, "text-max-width": 8 },
      paint: { "text-color": "#8fa6c9", "text-halo-color": "#0b1220", "text-halo-width": 1.5 } },
  ];
}

function baseStyle(config, basemap, lang) {
  const tiles = config.tiles;
  const sources = { basemap: { type: "geojson", data: basemap } };
  const layers = [{ id: "background", type: "background", paint: { "background-color": "#0b1220" } }];
  if (tiles && tiles.kind === "raster") {
    sources.tiles = { type: "raster", tiles: [tiles.url], tileSize: 256, attribution: tiles.attribution };
    layers.push({ id: "tiles", type: "raster", source: "tiles", paint: { "raster-saturation": -0.6, "raster-brightness-max": 0.55 } });
  }
  return { version: 8, sources, layers: [...layers, ...basemapLayers(lang, Boolean(tiles))] };
}

// -- the map view ------------------------------------------------------------------------

export class MapView {
  constructor({ container, config, basemap, store, lang }) {
    this.config = config;
    this.store = store;
    this.types = config.layers.map((l) => l.type);
    this.incidentType = config.incidents?.type ?? null;
    this.boardStates = new Set(config.incidents?.boardStates ?? []);
    this.dirty = new Set();
    this.timer = null;
    this.selected = null;
    this.selectListeners = new Set();
    const styled = config.tiles && config.tiles.kind === "style";
    this.map = new maplibregl.Map({
      container,
      style: styled ? config.tiles.url : baseStyle(config, basemap, lang),
      bounds: basemap.bbox,
      fitBoundsOptions: { padding: 16 },
      maxZoom: 19,
      fadeDuration: 0, // markers appear at once: an operator wants the state, not an animation
      attributionControl: false,
      locale: maplibreLocale(),
    });
    this.basemap = basemap;
    this.styled = styled;
    this.lang = lang;
    this.#addControls();
    this.loaded = new Promise((resolve) => this.map.once("load", resolve)).then(() => this.#setup());
  }

  #addControls() {
    this.controls = [
      [new maplibregl.NavigationControl({ visualizePitch: false }), "top-right"],
      [new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left"],
      [new maplibregl.AttributionControl({ compact: true, customAttribution: this.#attribution() }), "bottom-right"],
    ];
    for (const [control, where] of this.controls) this.map.addControl(control, where);
  }

  #attribution() {
    const parts = [t("map.attribution")];
    if (this.config.tiles?.attribution) parts.push(this.config.tiles.attribution);
    return parts;
  }

  #setup() {
    const map = this.map;
    if (this.styled) {
      map.addSource("basemap", { type: "geojson", data: this.basemap });
      for (const layer of basemapLayers(this.lang, true)) map.addLayer(layer);
    }
    for (const type of this.types) {
      for (const level of LEVELS[type] ?? [-1]) {
        map.addImage(`${type}-${level}`, drawIcon(type, level), { pixelRatio: PIXEL_RATIO });
      }
    }
    this.types.forEach((type, index) => this.#addTypeLayers(type, index));
    if (this.incidentType) this.#addIncidentLayers();
    map.addSource("selected", { type: "geojson", data: EMPTY });
    map.addLayer({
      id: "selected-ring", type: "circle", source: "selected",
      paint: { "circle-radius": 17, "circle-color": "rgba(0,0,0,0)", "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 2.5 },
    });
    this.store.onChange((types) => this.refresh(types));
    this.refresh(new Set(this.incidentType ? [...this.types, this.incidentType] : this.types));
  }

  /** Incidents: one marker each (never clustered), the most severe on top, a halo while
   * nobody has acknowledged them. Marker images are drawn when first needed. */
  #addIncidentLayers() {
    const map = this.map;
    const resolve = (id) => {
      const match = /^incident-(.+)-(critical|major|minor|warning|indeterminate)$/.exec(id);
      if (match && !map.hasImage(id)) {
        map.addImage(id, drawIncidentIcon(match[1], match[2]), { pixelRatio: INCIDENT_PIXEL_RATIO });
      }
    };
    if (typeof map.setMissingStyleImageResolver === "function") map.setMissingStyleImageResolver(resolve);
    else map.on("styleimagemissing", (event) => resolve(event.id));
    map.addSource("incidents", { type: "geojson", data: EMPTY });
    map.addLayer({
      id: "incident-halo", type: "circle", source: "incidents", filter: ["==", ["get", "state"], "detected"],
      paint: { "circle-radius": 20, "circle-color": ["get", "colour"], "circle-opacity": 0.28,
        "circle-stroke-color": ["get", "colour"], "circle-stroke-width": 1.5 },
    });
    map.addLayer({
      id: "incident-points", type: "symbol", source: "incidents",
      layout: {
        "icon-image": ["get", "icon"],
        "icon-size": ["interpolate", ["linear"], ["zoom"], 10, 1, 16, 1.3],
        "icon-allow-overlap": true,
        "icon-ignore-placement": true,
        "symbol-sort-key": ["get", "rank"], // lower keys are drawn first, under the others
      },
    });
    map.on("mouseenter", "incident-points", () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", "incident-points", () => (map.getCanvas().style.cursor = ""));
    map.on("click", "incident-points", (event) => {
      const feature = event.features?.[0];
      if (feature) this.#emitSelect(feature.properties.id, this.incidentType);
    });
  }

  /** The incidents the board lists, as map features. */
  incidentFeatures() {
    const features = [];
    for (const incident of this.store.all(this.incidentType)) {
      if (!this.boardStates.has(incident.state)) continue;
      const coordinates = pointOf(incident.location);
      if (!coordinates) continue;
      features.push({
        type: "Feature",
        geometry: { type: "Point", coordinates },
        properties: {
          id: incident.id,
          icon: iconId(incident),
          rank: severityRank(incident.severity),
          state: incident.state,
          colour: SEVERITY_COLOUR[incident.severity] ?? SEVERITY_COLOUR.indeterminate,
        },
      });
    }
    return { type: "FeatureCollection", features };
  }

  #addTypeLayers(type, index) {
    const map = this.map;
    map.addSource(`ent-${type}`, {
      type: "geojson",
      data: EMPTY,
      cluster: true,
      clusterRadius: 42,
      clusterMaxZoom: 15,
      clusterProperties: { worst: ["max", ["get", "lvl"]] },
    });
    // Clusters of different types at one place fan out a little instead of stacking.
    const angle = (2 * Math.PI * index) / this.types.length;
    const shift = [Math.round(11 * Math.cos(angle)), Math.round(11 * Math.sin(angle))];
    map.addLayer({
      id: `${type}-clusters`, type: "symbol", source: `ent-${type}`, filter: ["has", "point_count"],
      layout: {
        "icon-image": ["concat", type, "-", ["to-string", ["get", "worst"]]],
        "icon-size": ["step", ["get", "point_count"], 1.05, 10, 1.25, 100, 1.45, 1000, 1.7],
        "icon-allow-overlap": true,
        "icon-ignore-placement": true,
        "text-field": ["get", "point_count_abbreviated"],
        "text-font": FONT,
        "text-size": 11,
        "text-allow-overlap": true,
        "text-ignore-placement": true,
        "text-offset": [0, 1.55],
      },
      paint: {
        "icon-translate": shift, "text-translate": shift,
        "text-color": "#e8eef8", "text-halo-color": "#0b1220", "text-halo-width": 1.6,
      },
    });
    map.addLayer({
      id: `${type}-points`, type: "symbol", source: `ent-${type}`, filter: ["!", ["has", "point_count"]],
      layout: {
        "icon-image": ["concat", type, "-", ["to-string", ["get", "lvl"]]],
        "icon-size": ["interpolate", ["linear"], ["zoom"], 11, 0.6, 16, 0.9],
        "icon-allow-overlap": true,
        "icon-ignore-placement": true,
      },
    });
    for (const layer of [`${type}-clusters`, `${type}-points`]) {
      map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
      map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
    }
    map.on("click", `${type}-points`, (event) => {
      const feature = event.features?.[0];
      if (feature) this.#emitSelect(feature.properties.id, type);
    });
    map.on("click", `${type}-clusters`, async (event) => {
      const feature = event.features?.[0];
      if (!feature) return;
      const source = map.getSource(`ent-${type}`);
      const zoom = await source.getClusterExpansionZoom(feature.properties.cluster_id);
      map.easeTo({ center: feature.geometry.coordinates, zoom });
    });
  }

  features(type) {
    const thresholds = this.config.thresholds;
    const features = [];
    for (const entity of this.store.all(type)) {
      const coordinates = pointOf(entity.location);
      if (!coordinates) continue;
      features.push({
        type: "Feature",
        geometry: { type: "Point", coordinates },
        properties: { id: entity.id, lvl: levelOf(type, entity, thresholds) },
      });
    }
    return { type: "FeatureCollection", features };
  }

  /** Redraw the sources of `types` soon (bursts of changes are coalesced). */
  refresh(types) {
    for (const type of types) this.dirty.add(type);
    if (this.timer === null) this.timer = setTimeout(() => this.#flush(), FLUSH_MS);
  }

  /** Redraw everything that is pending now (not after FLUSH_MS). */
  flushNow() {
    clearTimeout(this.timer);
    this.#flush();
  }

  #flush() {
    this.timer = null;
    for (const type of this.dirty) {
      if (type === this.incidentType) {
        this.map.getSource("incidents")?.setData(this.incidentFeatures());
        continue;
      }
      const source = this.map.getSource(`ent-${type}`);
      if (source) source.setData(this.features(type));
    }
    this.dirty.clear();
    if (this.selected) this.#drawSelection();
  }

  /**
   * Resolves once the markers of every layer are drawn: on the map's "idle", or, when live
   * updates keep the map from ever going idle, once every source has been drawn loaded
   * (not necessarily in the same frame: under steady updates and a busy CPU some source
   * is always re-clustering).
   */
  drawn() {
    const map = this.map;
    const sources = Object.keys(map.getStyle().sources).filter((id) => id.startsWith("ent-"));
    return new Promise((resolve) => {
      const drawnOnce = new Set();
      const done = () => {
        map.off("idle", done);
        map.off("render", check);
        resolve();
      };
      const check = () => {
        for (const id of sources) if (map.isSourceLoaded(id)) drawnOnce.add(id);
        if (drawnOnce.size === sources.length) done();
      };
      map.on("idle", done);
      map.on("render", check);
      map.triggerRepaint();
    });
  }

  setVisible(type, visible) {
    const layers = type === this.incidentType ? INCIDENT_LAYERS : [`${type}-clusters`, `${type}-points`];
    for (const layer of layers) {
      this.map.setLayoutProperty(layer, "visibility", visible ? "visible" : "none");
    }
  }

  onSelect(listener) {
    this.selectListeners.add(listener);
  }

  #emitSelect(id, type) {
    for (const listener of this.selectListeners) listener(id, type);
  }

  /** Highlight (and optionally fly to) the entity `id`; null clears. */
  select(id, { fly = false } = {}) {
    this.selected = id;
    this.#drawSelection();
    const coordinates = id ? pointOf(this.store.get(id)?.location) : null;
    if (fly && coordinates) this.map.easeTo({ center: coordinates, zoom: Math.max(this.map.getZoom(), 16) });
  }

  #drawSelection() {
    const coordinates = this.selected ? pointOf(this.store.get(this.selected)?.location) : null;
    const data = coordinates
      ? { type: "FeatureCollection", features: [{ type: "Feature", geometry: { type: "Point", coordinates }, properties: {} }] }
      : EMPTY;
    this.map.getSource("selected")?.setData(data);
  }

  setLanguage(lang) {
    this.lang = lang;
    this.map.getContainer().lang = lang;
    if (this.map.getLayer("bm-labels")) this.map.setLayoutProperty("bm-labels", "text-field", labelField(lang));
    // MapLibre reads its UI strings when a control is added: re-add the controls.
    Object.assign(this.map._locale, maplibreLocale());
    for (const [control] of this.controls) this.map.removeControl(control);
    this.#addControls();
    this.map.getCanvas().setAttribute("aria-label", t("maplibre.Map.Title"));
  }

  /** Rendered features of one type (points and clusters): for tests and diagnostics. */
  rendered(type) {
    if (type === this.incidentType) return this.map.queryRenderedFeatures({ layers: ["incident-points"] });
    return this.map.queryRenderedFeatures({ layers: [`${type}-clusters`, `${type}-points`] });
  }
}

/** [lon, lat] of a GeoJSON geometry: the point itself, else the first vertex. */
export function pointOf(geometry) {
  let coordinates = geometry?.coordinates;
  while (Array.isArray(coordinates) && Array.isArray(coordinates[0])) coordinates = coordinates[0];
  if (!Array.isArray(coordinates) || coordinates.length < 2) return null;
  const [lon, lat] = coordinates;
  return Number.isFinite(lon) && Number.isFinite(lat) ? [lon, lat] : null;
}
