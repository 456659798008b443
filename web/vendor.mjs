// Copy the dist files the control room needs from node_modules into
// src/dosi/web/static/vendor.
// Run after `npm ci`: `npm run vendor`. The copied files are committed, so dosi serves
// them without npm, a CDN or the internet at run time.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "src", "dosi", "web", "static", "vendor");
const files = {
  "maplibre-gl": ["dist/maplibre-gl.mjs", "dist/maplibre-gl-worker.mjs", "dist/maplibre-gl.css", "LICENSE.txt"],
  uplot: ["dist/uPlot.esm.js", "dist/uPlot.min.css", "LICENSE"],
};

rmSync(target, { recursive: true, force: true });
const versions = {};
for (const [pkg, paths] of Object.entries(files)) {
  const root = join(here, "node_modules", pkg);
  versions[pkg] = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
  mkdirSync(join(target, pkg), { recursive: true });
  for (const path of paths) {
    const name = path.split("/").pop();
    copyFileSync(join(root, path), join(target, pkg, name));
  }
}
// MapLibre bundles its (permissively licensed) dependencies: keep their notices beside it.
const notices = [];
const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));
for (const [path, meta] of Object.entries(lock.packages)) {
  if (!path.startsWith("node_modules/") || path === "node_modules/maplibre-gl" || path === "node_modules/uplot") continue;
  const dir = join(here, path);
  const file = existsSync(dir) && readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const text = file ? readFileSync(join(dir, file), "utf8").trim() : `(${meta.license ?? "no licence file"})`;
  notices.push(`${path.slice("node_modules/".length)} ${meta.version} (${meta.license ?? "?"})\n\n${text}\n`);
}
writeFileSync(join(target, "maplibre-gl", "THIRD-PARTY-LICENSES.txt"), notices.join("\n" + "-".repeat(72) + "\n"));
console.log("vendored", versions, `${notices.length} bundled dependency notices`);
