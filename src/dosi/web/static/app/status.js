// Status levels of entities, the same for map colours, legends and the overview:
// 0 good · 1 fair · 2 poor · 3 critical · -1 closed / no data.

export const PALETTE = { 0: "#2fbf71", 1: "#f2c94c", 2: "#f2994a", 3: "#eb5757", "-1": "#7b8794" };

/** Which levels each layer can show (for its legend). */
export const LEVELS = {
  WasteContainer: [0, 1, 2, 3, -1],
  AirQualityObserved: [0, 1, 2, 3, -1],
  ParkingSpot: [0, 2, -1],
  Streetlight: [0, 3, -1],
  WaterObserved: [0, 1, 2, 3, -1],
};

export function number(value) {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (value && typeof value === "object" && typeof value.value === "number") return value.value;
  return null;
}

/** How many of the ascending `bounds` the value reaches (null: -1). */
export function bin(value, bounds) {
  if (value === null) return -1;
  let level = 0;
  while (level < bounds.length && value >= bounds[level]) level += 1;
  return level;
}

export function isFault(status) {
  return typeof status === "string" && status !== "ok";
}

export function levelOf(type, entity, thresholds) {
  switch (type) {
    case "WasteContainer":
      return bin(number(entity.fillingLevel), thresholds.fillingLevel);
    case "AirQualityObserved":
      return bin(number(entity.pm25), thresholds.pm25);
    case "ParkingSpot":
      return entity.status === "free" ? 0 : entity.status === "occupied" ? 2 : -1;
    case "Streetlight":
      return entity.status === undefined ? -1 : isFault(entity.status) ? 3 : 0;
    case "WaterObserved":
      return bin(number(entity.height), thresholds.height);
    default:
      return -1;
  }
}

/** A short label for an entity: its name, else the last part of its id. */
export function shortName(entity) {
  if (typeof entity.name === "string" && entity.name) return entity.name;
  return String(entity.id).split(":").pop();
}
