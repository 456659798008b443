// The operations centre's HTTP API as the control room uses it: incidents (lifecycle
// actions, assignment, comments, SOP steps, audit trail, CAP preview), linked services,
// the caller's permissions and the KPI report. Errors are ProblemDetails (RFC 9457).

import { HttpError } from "./api.js";

/** Lifecycle action (URL segment) → the state it leads to. */
export const ACTIONS = {
  acknowledge: "acknowledged",
  dispatch: "dispatched",
  resolve: "resolved",
  close: "closed",
  "false-alarm": "false-alarm",
};

/** Allowed next states (the server's dosi.ops.lifecycle.TRANSITIONS; it stays the judge). */
export const TRANSITIONS = {
  detected: ["acknowledged", "false-alarm"],
  acknowledged: ["dispatched", "resolved", "false-alarm"],
  dispatched: ["resolved", "false-alarm"],
  resolved: ["closed", "dispatched"],
  closed: [],
  "false-alarm": ["closed"],
};

export class ProblemError extends HttpError {
  constructor(status, problem) {
    super(status, problem?.detail ?? "");
    this.problem = problem ?? {};
  }
}

export class OpsApi {
  /** `api` lends its headers (tenant, credentials), so every call is made as the page's user. */
  constructor(config, api) {
    this.base = config.ops;
    this.api = api;
    this.config = config;
  }

  headers(extra = {}) {
    return { ...this.api.headers(), ...extra };
  }

  async request(method, path, body) {
    const init = { method, headers: this.headers() };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    const response = await fetch(this.base + path, init);
    if (!response.ok) throw new ProblemError(response.status, await problemOf(response));
    return response;
  }

  async json(method, path, body) {
    return (await this.request(method, path, body)).json();
  }

  incident(id) {
    return this.json("GET", `/incidents/${encodeURIComponent(id)}`);
  }

  /** Move the incident by `action` (acknowledge, dispatch, ...); 409 if the lifecycle refuses. */
  act(id, action, body = {}) {
    return this.json("POST", `/incidents/${encodeURIComponent(id)}/${action}`, body);
  }

  assign(id, assignee) {
    return this.json("POST", `/incidents/${encodeURIComponent(id)}/assign`, { assignee });
  }

  comment(id, text) {
    return this.json("POST", `/incidents/${encodeURIComponent(id)}/comments`, { text });
  }

  comments(id) {
    return this.json("GET", `/incidents/${encodeURIComponent(id)}/comments`);
  }

  checkStep(id, item, done) {
    const path = `/incidents/${encodeURIComponent(id)}/sop/${encodeURIComponent(item)}`;
    return this.json("PATCH", path, { done });
  }

  audit(id) {
    return this.json("GET", `/incidents/${encodeURIComponent(id)}/audit`);
  }

  async cap(id) {
    const response = await this.request("GET", `/incidents/${encodeURIComponent(id)}/cap`);
    return response.text();
  }

  /** {adapters: [{name, kind, categories, auto}], receipts: [...]} */
  services() {
    return this.json("GET", "/services");
  }
}

async function problemOf(response) {
  try {
    const body = await response.json();
    return body && typeof body === "object" ? body : {};
  } catch {
    return {};
  }
}

// -- permissions -------------------------------------------------------------------------

/** What each role may do (dosi.auth.roles), for a /auth/me that names roles only. */
const ROLE_PERMISSIONS = {
  viewer: ["read"],
  operator: ["read", "operate"],
  "city-admin": ["read", "write", "ingest", "provision", "operate", "admin", "federate"],
  device: ["ingest"],
  "federation-peer": ["read", "federate"],
};
const EVERYTHING = new Set(ROLE_PERMISSIONS["city-admin"]);

/**
 * The permissions of the page's user in `tenant`, as a Set ("read", "operate", ...).
 * Authentication off: everything. On: GET /auth/me ({permissions} or {roles}); when the
 * server has no such endpoint or refuses, only reading (the server checks every call anyway).
 */
export async function loadPermissions(config, api, tenant) {
  if (!config.auth?.enabled) return { permissions: EVERYTHING, user: null };
  try {
    const response = await fetch(config.auth.me, { headers: api.headers() });
    if (response.ok) return permissionsOf(await response.json(), tenant);
  } catch (error) {
    console.warn("permissions unavailable", error);
  }
  return { permissions: new Set(["read"]), user: null };
}

export function permissionsOf(me, tenant = "") {
  const user = me?.subject ?? me?.username ?? me?.sub ?? null;
  if (me?.anonymous) return { permissions: EVERYTHING, user };
  let listed = me?.permissions;
  if (listed && !Array.isArray(listed) && typeof listed === "object") {
    listed = [...(listed[tenant] ?? []), ...(listed["*"] ?? [])];
  }
  if (Array.isArray(listed)) return { permissions: new Set(listed), user };
  let roles = me?.roles ?? [];
  if (!Array.isArray(roles) && typeof roles === "object") {
    roles = [...(roles[tenant] ?? []), ...(roles["*"] ?? [])];
  }
  const granted = new Set();
  for (const role of roles) for (const p of ROLE_PERMISSIONS[role] ?? []) granted.add(p);
  return { permissions: granted, user };
}

// -- KPI report ----------------------------------------------------------------------------

/** The KPI app's report, or null when the app is not running (404) or fails. */
export async function loadKpiReport(config, api) {
  if (!config.kpi) return null;
  try {
    const response = await fetch(config.kpi, { headers: api.headers() });
    if (!response.ok) return null;
    return await response.json();
  } catch {
    return null;
  }
}
