// The NGSI-LD API as the control room uses it: paged keyValues queries per entity type,
// one entity with system attributes, and the temporal API (ETSI GS CIM 009 §6.18).

const LINK_REL = 'rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"';
const PARALLEL_PAGES = 4;

export class HttpError extends Error {
  constructor(status, detail) {
    super(`HTTP ${status}${detail ? `: ${detail}` : ""}`);
    this.status = status;
  }
}

export class Api {
  /** `session` is the signed-in user's ({token}, auth.js), null with authentication off. */
  constructor(config, tenant, session = null) {
    this.base = config.api;
    this.pageSize = config.maxLimit;
    this.tenant = tenant;
    this.session = session;
  }

  headers(context) {
    const headers = { Accept: "application/json" };
    if (context) headers.Link = `<${context}>; ${LINK_REL}`;
    if (this.tenant) headers["NGSILD-Tenant"] = this.tenant;
    if (this.session) headers.Authorization = `Bearer ${this.session.token}`;
    return headers;
  }

  async get(path, context) {
    const response = await fetch(this.base + path, { headers: this.headers(context) });
    if (!response.ok) {
      let detail = "";
      try {
        detail = (await response.json()).detail ?? "";
      } catch {
        // not a ProblemDetails body
      }
      throw new HttpError(response.status, detail);
    }
    return response;
  }

  /** Every entity of `layer.type` in keyValues form, fetched page by page (limit/offset),
   * with only the members the map and the overview use (`pick`: no entity is filtered out,
   * unlike `attrs`; the answer is half the size). `extra` adds query parameters (`q`). */
  async queryAll(layer, extra = {}) {
    const pick = ["id", "type", "location", ...layer.attrs].join(",");
    const query = (offset) => {
      const params = new URLSearchParams({
        type: layer.type,
        options: "keyValues",
        pick,
        limit: String(this.pageSize),
        offset: String(offset),
        ...extra,
      });
      if (offset === 0) params.set("count", "true");
      return `/entities?${params}`;
    };
    const first = await this.get(query(0), layer.context);
    const total = Number(first.headers.get("NGSILD-Results-Count") ?? 0);
    const pages = [await first.json()];
    const offsets = [];
    for (let offset = pages[0].length; offset < total; offset += this.pageSize) offsets.push(offset);
    // A few pages in flight at a time; each worker takes the next offset when it is done.
    let next = 0;
    const worker = async () => {
      while (next < offsets.length) {
        const index = next++;
        pages[index + 1] = await (await this.get(query(offsets[index]), layer.context)).json();
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL_PAGES, offsets.length) }, worker));
    return pages.flat();
  }

  /** One entity, normalized, with createdAt/modifiedAt. */
  async entity(id, context) {
    const response = await this.get(`/entities/${encodeURIComponent(id)}?options=sysAttrs`, context);
    return response.json();
  }

  /**
   * The history of one attribute since `from` as [[epochSeconds, value], ...], sorted.
   * `method` is "raw" (temporalValues) or an aggregation (avg/min/max over `period`,
   * an ISO 8601 duration). Throws HttpError (404/400/501 mean: no history here).
   */
  async history(id, context, { attr, from, method, period }) {
    const params = new URLSearchParams({ timerel: "after", timeAt: from.toISOString(), attrs: attr });
    if (method === "raw") {
      params.set("options", "temporalValues");
    } else {
      params.set("options", "aggregatedValues");
      params.set("aggrMethods", method);
      params.set("aggrPeriodDuration", period);
    }
    const response = await this.get(`/temporal/entities/${encodeURIComponent(id)}?${params}`, context);
    return parseHistory(await response.json(), attr, method);
  }
}

/** Points of `attr` in a temporal entity: simplified ("values" / aggregated method
 * arrays) or normalized (instances with observedAt); multi-instance attributes merged. */
export function parseHistory(body, attr, method) {
  const raw = body?.[attr];
  const instances = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const points = [];
  const add = (value, time) => {
    const seconds = Date.parse(time) / 1000;
    if (typeof value === "number" && Number.isFinite(seconds)) points.push([seconds, value]);
  };
  for (const item of instances) {
    if (method !== "raw" && Array.isArray(item?.[method])) {
      for (const [value, start] of item[method]) add(value, start);
    } else if (Array.isArray(item?.values)) {
      for (const [value, time] of item.values) add(value, time);
    } else if (item && "value" in item) {
      add(item.value, item.observedAt ?? item.modifiedAt);
    }
  }
  points.sort((a, b) => a[0] - b[0]);
  return points;
}
