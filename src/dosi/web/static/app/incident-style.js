// How incidents look, the same on the map, the board and the detail view: a glyph per
// category on a disc coloured by severity (ITU-T X.733 severities).

export const SEVERITIES = ["critical", "major", "minor", "warning", "indeterminate"];
export const SEVERITY_COLOUR = {
  critical: "#eb5757",
  major: "#f2994a",
  minor: "#f2c94c",
  warning: "#4cc3ff",
  indeterminate: "#7b8794",
};
export const CATEGORIES = [
  "fire", "flood", "crime", "traffic", "air", "waste", "infrastructure", "health", "person-at-risk",
];
export const STATES = ["detected", "acknowledged", "dispatched", "resolved", "closed", "false-alarm"];

const ICON_PX = 30;
const PIXEL_RATIO = 2;

/** 4 (critical) … 0 (indeterminate or unknown). */
export function severityRank(severity) {
  const index = SEVERITIES.indexOf(severity);
  return index === -1 ? 0 : SEVERITIES.length - 1 - index;
}

export function iconId(incident) {
  const category = CATEGORIES.includes(incident.category) ? incident.category : "other";
  const severity = SEVERITIES.includes(incident.severity) ? incident.severity : "indeterminate";
  return `incident-${category}-${severity}`;
}

/** Glyphs in a unit square (0..1), drawn in white over the disc. */
const GLYPHS = {
  fire(ctx) {
    ctx.beginPath();
    ctx.moveTo(0.5, 0.2);
    ctx.bezierCurveTo(0.62, 0.36, 0.72, 0.44, 0.7, 0.6);
    ctx.bezierCurveTo(0.69, 0.74, 0.6, 0.8, 0.5, 0.8);
    ctx.bezierCurveTo(0.4, 0.8, 0.31, 0.74, 0.3, 0.6);
    ctx.bezierCurveTo(0.29, 0.5, 0.36, 0.42, 0.42, 0.36);
    ctx.bezierCurveTo(0.44, 0.46, 0.48, 0.5, 0.52, 0.52);
    ctx.bezierCurveTo(0.5, 0.4, 0.48, 0.3, 0.5, 0.2);
    ctx.fill();
  },
  flood(ctx) {
    ctx.beginPath();
    for (const y of [0.36, 0.5, 0.64]) {
      ctx.moveTo(0.24, y);
      ctx.bezierCurveTo(0.33, y - 0.07, 0.41, y + 0.07, 0.5, y);
      ctx.bezierCurveTo(0.59, y - 0.07, 0.67, y + 0.07, 0.76, y);
    }
    ctx.stroke();
  },
  crime(ctx) {
    ctx.beginPath();
    ctx.moveTo(0.5, 0.2);
    ctx.lineTo(0.74, 0.3);
    ctx.bezierCurveTo(0.74, 0.56, 0.66, 0.72, 0.5, 0.82);
    ctx.bezierCurveTo(0.34, 0.72, 0.26, 0.56, 0.26, 0.3);
    ctx.closePath();
    ctx.fill();
  },
  traffic(ctx) {
    ctx.beginPath();
    ctx.moveTo(0.24, 0.62);
    ctx.lineTo(0.24, 0.5);
    ctx.lineTo(0.34, 0.34);
    ctx.lineTo(0.66, 0.34);
    ctx.lineTo(0.76, 0.5);
    ctx.lineTo(0.76, 0.62);
    ctx.closePath();
    ctx.fill();
    for (const x of [0.34, 0.66]) {
      ctx.beginPath();
      ctx.arc(x, 0.66, 0.07, 0, Math.PI * 2);
      ctx.fill();
    }
  },
  air(ctx) {
    ctx.beginPath();
    ctx.arc(0.38, 0.56, 0.12, Math.PI * 0.5, Math.PI * 1.5);
    ctx.arc(0.5, 0.42, 0.14, Math.PI, 0);
    ctx.arc(0.64, 0.54, 0.12, Math.PI * 1.5, Math.PI * 0.5);
    ctx.closePath();
    ctx.fill();
  },
  waste(ctx) {
    ctx.beginPath();
    ctx.moveTo(0.3, 0.34);
    ctx.lineTo(0.7, 0.34);
    ctx.lineTo(0.64, 0.8);
    ctx.lineTo(0.36, 0.8);
    ctx.closePath();
    ctx.fill();
    ctx.fillRect(0.26, 0.24, 0.48, 0.06);
  },
  infrastructure(ctx) {
    ctx.beginPath();
    ctx.moveTo(0.56, 0.18);
    ctx.lineTo(0.3, 0.54);
    ctx.lineTo(0.48, 0.54);
    ctx.lineTo(0.42, 0.82);
    ctx.lineTo(0.7, 0.44);
    ctx.lineTo(0.52, 0.44);
    ctx.closePath();
    ctx.fill();
  },
  health(ctx) {
    ctx.fillRect(0.43, 0.24, 0.14, 0.52);
    ctx.fillRect(0.24, 0.43, 0.52, 0.14);
  },
  "person-at-risk"(ctx) {
    ctx.beginPath();
    ctx.arc(0.5, 0.3, 0.09, 0, Math.PI * 2);
    ctx.fill();
    ctx.beginPath();
    ctx.moveTo(0.5, 0.42);
    ctx.lineTo(0.5, 0.62);
    ctx.moveTo(0.32, 0.5);
    ctx.lineTo(0.68, 0.5);
    ctx.moveTo(0.5, 0.62);
    ctx.lineTo(0.38, 0.8);
    ctx.moveTo(0.5, 0.62);
    ctx.lineTo(0.62, 0.8);
    ctx.stroke();
  },
  other(ctx) {
    ctx.fillRect(0.45, 0.24, 0.1, 0.36);
    ctx.fillRect(0.45, 0.68, 0.1, 0.1);
  },
};

/** ImageData of an incident marker: the category's glyph on its severity's colour. */
export function drawIncidentIcon(category, severity, cssPx = ICON_PX) {
  const size = cssPx * PIXEL_RATIO;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  ctx.beginPath();
  ctx.arc(size / 2, size / 2, size * 0.44, 0, Math.PI * 2);
  ctx.fillStyle = SEVERITY_COLOUR[severity] ?? SEVERITY_COLOUR.indeterminate;
  ctx.fill();
  ctx.lineWidth = size * 0.06;
  ctx.strokeStyle = "#0b1220";
  ctx.stroke();
  ctx.save();
  ctx.scale(size, size);
  ctx.fillStyle = "#ffffff";
  ctx.strokeStyle = "#ffffff";
  ctx.lineWidth = 0.07;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  (GLYPHS[category] ?? GLYPHS.other)(ctx);
  ctx.restore();
  return ctx.getImageData(0, 0, size, size);
}

/** A canvas of the marker for lists (CSS size `cssPx`). */
export function incidentCanvas(incident, cssPx = 22) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = cssPx * PIXEL_RATIO;
  canvas.className = "swatch incident-icon";
  canvas.style.width = canvas.style.height = `${cssPx}px`;
  canvas.getContext("2d").putImageData(drawIncidentIcon(incident.category, incident.severity, cssPx), 0, 0);
  return canvas;
}

export { PIXEL_RATIO as INCIDENT_PIXEL_RATIO };
