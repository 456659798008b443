// The incident detail view: facts, lifecycle actions (by the user's permissions and the
// incident's state), dispatch to linked services, assignment, comments, the SOP checklist,
// delivery receipts, the audit trail and a readable preview of the public CAP alert.

import { HttpError } from "./api.js";
import { formatDateTime, formatNumber, formatPercent, formatRelative, language, onLanguageChange, t } from "./i18n.js";
import { incidentCanvas } from "./incident-style.js";
import { incidentTitle, label, localized } from "./incidents.js";
import { pointOf } from "./map.js";
import { ACTIONS, TRANSITIONS } from "./ops.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 400;
const CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2";
const CAP_LANGUAGES = { ko: "ko", "ko-KR": "ko", zh: "zh", "zh-CN": "zh", en: "en", "en-US": "en", "en-GB": "en" };

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = text;
  return el;
}

function when(value) {
  return value ? `${formatDateTime(value)} (${formatRelative(value)})` : "—";
}

function coordinates(geometry) {
  const point = pointOf(geometry);
  if (!point) return "—";
  const degrees = { maximumFractionDigits: 5 };
  return `${formatNumber(point[1], degrees)}, ${formatNumber(point[0], degrees)}`;
}

function reading(value) {
  if (typeof value === "number") return formatNumber(value);
  if (value && typeof value === "object" && typeof value.value === "number") {
    const unit = value.unitCode ? ` ${label("unit", value.unitCode)}` : "";
    return `${formatNumber(value.value)}${unit}`;
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

export class IncidentView {
  constructor({ ops, store, config, places, permissions, user, onClose, onChanged }) {
    this.ops = ops;
    this.store = store;
    this.type = config.incidents.type;
    this.proceduresUrl = config.procedures;
    this.places = places;
    this.permissions = permissions;
    this.user = user;
    this.onClose = onClose;
    this.onChanged = onChanged;
    this.panel = $("incident");
    this.incident = null;
    this.id = null;
    this.procedures = null; // the request for the checklist texts, made once
    this.proceduresLoaded = null; // {category: [{id, text}]} once it answered
    this.adapters = null;
    this.audit = [];
    this.comments = [];
    this.capXml = null;
    this.busy = false;
    this.refreshTimer = null;
    this.error = null; // {key, params}
    $("inc-close").addEventListener("click", () => this.close());
    $("inc-assign").addEventListener("submit", (event) => {
      event.preventDefault();
      const name = $("inc-assignee").value.trim();
      if (name) this.#run(() => this.ops.assign(this.id, name));
    });
    $("inc-comment").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("inc-comment-text").value.trim();
      if (!text) return;
      this.#run(async () => {
        await this.ops.comment(this.id, text);
        $("inc-comment-text").value = "";
      });
    });
    $("inc-cap-toggle").addEventListener("click", () => this.#toggleCap());
    store.onChange((types, ids) => {
      if (this.id && ids.has(this.id)) this.#scheduleRefresh();
    });
    onLanguageChange(() => this.incident && this.render());
  }

  get canOperate() {
    return this.permissions.has("operate");
  }

  async open(id) {
    const changed = this.id !== id;
    this.id = id;
    this.panel.hidden = false;
    if (changed) {
      this.incident = this.store.get(id) ?? null;
      this.audit = [];
      this.comments = [];
      this.capXml = null;
      this.error = null;
      $("inc-cap").replaceChildren();
      $("inc-cap").hidden = true;
      $("inc-dispatch").hidden = true;
      if (this.incident) this.render();
    }
    this.procedures ??= fetch(this.proceduresUrl, { headers: this.ops.headers() })
      .then((r) => (r.ok ? r.json() : {}))
      .catch(() => ({}))
      .then((body) => {
        this.proceduresLoaded = body;
        if (this.incident) this.render();
      });
    await this.reload();
  }

  close() {
    this.panel.hidden = true;
    this.id = null;
    this.incident = null;
    this.onClose?.();
  }

  /** Fetch the incident, its audit trail and its comments again. */
  async reload() {
    const id = this.id;
    if (!id) return;
    try {
      const [incident, audit, comments] = await Promise.all([
        this.ops.incident(id),
        this.ops.audit(id).catch(() => []),
        this.ops.comments(id).catch(() => []),
      ]);
      if (this.id !== id) return;
      this.incident = incident;
      this.audit = audit;
      this.comments = comments;
    } catch (error) {
      if (this.id !== id) return;
      if (!this.incident) this.incident = this.store.get(id) ?? null;
      if (error instanceof HttpError && error.status === 404) this.error = { key: "incident.error.gone" };
    }
    if (this.incident) this.render();
  }

  #scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    // The live stream has the new state at once; the audit trail follows shortly after.
    const live = this.store.get(this.id);
    if (live && this.incident) {
      this.incident = { ...this.incident, ...live };
      this.render();
    }
    this.refreshTimer = setTimeout(() => this.reload(), REFRESH_MS);
  }

  /** Run one request, show its failure (ProblemDetails) in the user's language. */
  async #run(work) {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    this.render();
    try {
      const updated = await work();
      if (updated && updated.id === this.id && updated.state) this.incident = { ...this.incident, ...updated };
      await this.reload();
      this.onChanged?.(this.incident);
    } catch (error) {
      await this.reload();
      this.error = errorMessage(error, this.incident);
    } finally {
      this.busy = false;
      this.render();
    }
  }

  render() {
    const incident = this.incident;
    if (!incident) return;
    $("inc-icon").replaceChildren(incidentCanvas(incident, 34));
    $("inc-category").textContent = label("category", incident.category);
    $("inc-title").textContent = incidentTitle(incident);
    $("inc-id").textContent = incident.id;
    this.panel.dataset.state = incident.state;
    this.#badges(incident);
    const errorBox = $("inc-error");
    errorBox.hidden = !this.error;
    errorBox.textContent = this.error ? t(this.error.key, this.error.params ?? {}) : "";
    this.#facts(incident);
    this.#actions(incident);
    this.#sop(incident);
    this.#deliveries(incident);
    this.#comments();
    this.#audit();
    $("inc-assignee").placeholder = t("incident.assign.placeholder");
    $("inc-comment-text").placeholder = t("incident.comment.placeholder");
    if (!$("inc-assignee").value && this.user) $("inc-assignee").value = this.user;
    for (const control of [$("inc-assignee"), $("inc-comment-text"), ...this.panel.querySelectorAll("form button")]) {
      control.disabled = !this.canOperate || this.busy;
      control.title = this.canOperate ? "" : t("incident.notAllowed");
    }
    $("inc-cap-toggle").textContent = t($("inc-cap").hidden ? "incident.cap.show" : "incident.cap.hide");
    if (this.capXml) this.#renderCap();
  }

  #badges(incident) {
    const severity = element("span", `badge severity severity-${incident.severity}`, label("severity", incident.severity));
    const state = element("span", `badge state state-${incident.state}`, label("state", incident.state));
    state.id = "inc-state";
    state.dataset.state = incident.state;
    $("inc-badges").replaceChildren(severity, state);
  }

  #facts(incident) {
    const rows = [
      ["incident.issued", when(incident.dateIssued)],
      ["incident.lastSeen", when(incident.lastSeen)],
      ["incident.count", formatNumber(Number(incident.count ?? 1))],
      ["incident.location", this.places.nameOf(incident) || coordinates(incident.location)],
      ["incident.assignee", incident.assignee || t("incident.unassigned")],
      ["incident.source", incident.alertSource || "—"],
    ];
    // The service derives the description from the title: show it only when it says more.
    const description = localized(incident.description);
    const titles = typeof incident.title === "object" && incident.title ? Object.values(incident.title) : [incident.title];
    if (description && !titles.includes(description)) rows.push(["incident.description", description]);
    const readings = Object.entries(incident.readings ?? {});
    if (readings.length) {
      rows.push(["incident.readings", readings.map(([k, v]) => `${label("attr", k)}: ${reading(v)}`).join(" · ")]);
    }
    const list = $("inc-facts");
    list.replaceChildren();
    for (const [key, value] of rows) {
      const term = element("dt", "", t(key));
      const detail = element("dd", "", value);
      detail.dataset.fact = key.split(".").pop();
      list.append(term, detail);
    }
  }

  #actions(incident) {
    const allowed = new Set(TRANSITIONS[incident.state] ?? []);
    const buttons = Object.entries(ACTIONS).map(([action, target]) => {
      const button = element("button", `action action-${action}`, t(`action.${action}`));
      button.type = "button";
      button.dataset.action = action;
      const possible = allowed.has(target);
      button.disabled = !this.canOperate || !possible || this.busy;
      button.title = !this.canOperate
        ? t("incident.notAllowed")
        : possible ? "" : t("incident.notNow", { state: label("state", incident.state) });
      button.addEventListener("click", () => {
        if (action === "dispatch") this.#chooseServices(incident);
        else this.#run(() => this.ops.act(incident.id, action));
      });
      return button;
    });
    $("inc-actions").replaceChildren(...buttons);
  }

  async #chooseServices(incident) {
    const box = $("inc-dispatch");
    box.hidden = false;
    box.replaceChildren(element("p", "muted", t("inspector.loading")));
    if (this.adapters === null) {
      try {
        this.adapters = (await this.ops.services()).adapters ?? [];
      } catch {
        this.adapters = [];
      }
    }
    const fitting = this.adapters.filter((a) => (a.categories ?? []).includes(incident.category));
    const fieldset = element("fieldset", "services");
    fieldset.append(element("legend", "", t("incident.dispatch.title")));
    const boxes = fitting.map((adapter) => {
      const row = element("label", "check");
      const input = element("input");
      input.type = "checkbox";
      input.value = adapter.name;
      input.checked = true;
      row.append(input, element("span", "", `${adapter.name} (${label("service", adapter.kind)})`));
      fieldset.append(row);
      return input;
    });
    if (!fitting.length) fieldset.append(element("p", "muted small", t("incident.dispatch.none")));
    const confirm = element("button", "action primary", t("incident.dispatch.confirm"));
    confirm.type = "button";
    confirm.id = "inc-dispatch-confirm";
    confirm.addEventListener("click", () => {
      box.hidden = true;
      const body = fitting.length ? { services: boxes.filter((b) => b.checked).map((b) => b.value) } : {};
      this.#run(() => this.ops.act(incident.id, "dispatch", body));
    });
    const cancel = element("button", "action", t("incident.dispatch.cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", () => (box.hidden = true));
    const buttons = element("div", "inc-actions");
    buttons.append(confirm, cancel);
    box.replaceChildren(fieldset, buttons);
  }

  #sop(incident) {
    const items = Array.isArray(incident.sopChecklist) ? incident.sopChecklist : [];
    const done = items.filter((i) => i.done).length;
    const progress = $("inc-sop-progress");
    progress.max = Math.max(items.length, 1);
    progress.value = done;
    $("inc-sop-summary").textContent = items.length
      ? `${t("incident.sop.progress", { done, total: items.length })} (${formatPercent(done / items.length)})`
      : t("incident.sop.none");
    const texts = new Map();
    for (const step of this.proceduresLoaded?.[incident.category] ?? []) texts.set(step.id, localized(step.text));
    const list = $("inc-sop");
    list.replaceChildren(
      ...items.map((entry) => {
        const item = element("li", entry.done ? "done" : "");
        item.dataset.item = entry.item;
        const row = element("label", "check");
        const box = element("input");
        box.type = "checkbox";
        box.checked = Boolean(entry.done);
        box.disabled = !this.canOperate || this.busy;
        box.addEventListener("change", () => this.#run(() => this.ops.checkStep(incident.id, entry.item, box.checked)));
        row.append(box, element("span", "", texts.get(entry.item) ?? entry.item));
        item.append(row);
        if (entry.done && entry.by) {
          item.append(element("div", "muted small", t("incident.sop.by", { actor: entry.by, time: formatDateTime(entry.at) })));
        }
        return item;
      }),
    );
  }

  #deliveries(incident) {
    const receipts = Array.isArray(incident.deliveries) ? incident.deliveries : [];
    const sentTo = Array.isArray(incident.dispatchedTo) ? incident.dispatchedTo : [];
    const answered = new Set(receipts.map((r) => r.service));
    const rows = receipts.map((receipt) => {
      const item = element("li", `delivery delivery-${receipt.status}`);
      item.dataset.service = receipt.service;
      const status = element("span", `badge delivery-${receipt.status}`, label("incident.delivery", receipt.status));
      const details = [label("event", receipt.event), t("incident.delivery.attempts", { count: Number(receipt.attempts ?? 1) })];
      if (receipt.reference) details.push(t("incident.delivery.reference", { reference: receipt.reference }));
      if (receipt.error) details.push(receipt.error);
      item.append(element("strong", "", receipt.service), status,
        element("div", "muted small", `${details.join(" · ")} · ${formatDateTime(receipt.at)}`));
      return item;
    });
    for (const name of sentTo.filter((n) => !answered.has(n))) {
      const item = element("li", "delivery delivery-pending");
      item.dataset.service = name;
      item.append(element("strong", "", name), element("span", "badge delivery-pending", t("incident.delivery.pending")));
      rows.push(item);
    }
    $("inc-deliveries").replaceChildren(...(rows.length ? rows : [element("li", "muted", t("incident.deliveries.none"))]));
  }

  #comments() {
    const list = $("inc-comments");
    if (!this.comments.length) {
      list.replaceChildren(element("li", "muted", t("incident.comments.none")));
      return;
    }
    list.replaceChildren(
      ...this.comments.map((note) => {
        const item = element("li", "comment");
        item.append(element("div", "muted small", `${note.actor} · ${formatDateTime(note.at)}`), element("div", "", note.text));
        return item;
      }),
    );
  }

  #audit() {
    const list = $("inc-audit");
    if (!this.audit.length) {
      list.replaceChildren(element("li", "muted", t("incident.audit.none")));
      return;
    }
    const steps = new Map();
    for (const step of this.proceduresLoaded?.[this.incident.category] ?? []) steps.set(step.id, localized(step.text));
    list.replaceChildren(
      ...[...this.audit].reverse().map((entry) => {
        const item = element("li", "audit");
        item.dataset.action = entry.action;
        const time = element("time", "muted small", formatDateTime(entry.at));
        time.dateTime = entry.at;
        item.append(time, element("span", "", auditText(entry, steps)), element("span", "muted small", entry.actor));
        return item;
      }),
    );
  }

  // -- CAP preview ---------------------------------------------------------------------

  async #toggleCap() {
    const box = $("inc-cap");
    if (!box.hidden) {
      box.hidden = true;
      this.render();
      return;
    }
    box.hidden = false;
    box.replaceChildren(element("p", "muted", t("inspector.loading")));
    this.render();
    try {
      this.capXml = await this.ops.cap(this.id);
      this.#renderCap();
    } catch {
      this.capXml = null;
      box.replaceChildren(element("p", "muted", t("incident.cap.failed")));
    }
  }

  #renderCap() {
    const box = $("inc-cap");
    const doc = new DOMParser().parseFromString(this.capXml, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) {
      box.replaceChildren(element("p", "muted", t("incident.cap.failed")));
      return;
    }
    const text = (parent, name) => parent.getElementsByTagNameNS(CAP_NS, name)[0]?.textContent?.trim() ?? "";
    const root = doc.documentElement;
    const header = element("p", "muted small",
      [text(root, "msgType"), text(root, "status"), text(root, "scope"), formatDateTime(text(root, "sent"))].filter(Boolean).join(" · "));
    const infos = [...root.getElementsByTagNameNS(CAP_NS, "info")];
    // The block in the page's language first.
    const ours = (info) => CAP_LANGUAGES[text(info, "language")] === language();
    infos.sort((a, b) => Number(ours(b)) - Number(ours(a)));
    const cards = infos.map((info) => {
      const code = text(info, "language") || "en-US";
      const card = element("article", "cap-info");
      card.lang = code;
      card.dataset.lang = CAP_LANGUAGES[code] ?? code;
      card.append(element("div", "cap-lang muted small", `${t("cap.language")}: ${code}`));
      card.append(element("h4", "", text(info, "headline") || text(info, "event")));
      const facts = element("dl", "facts");
      const add = (key, value) => {
        if (!value) return;
        facts.append(element("dt", "", t(key)), element("dd", "", value));
      };
      add("cap.event", text(info, "event"));
      add("cap.severity", [text(info, "urgency"), text(info, "severity"), text(info, "certainty")]
        .map((v) => label("cap.value", v)).join(" · "));
      add("cap.area", [...info.getElementsByTagNameNS(CAP_NS, "areaDesc")].map((a) => a.textContent.trim()).join(", "));
      add("cap.sender", text(info, "senderName"));
      add("cap.expires", text(info, "expires") ? formatDateTime(text(info, "expires")) : "");
      card.append(facts);
      if (text(info, "description")) card.append(element("p", "", text(info, "description")));
      if (text(info, "instruction")) card.append(element("p", "cap-instruction", text(info, "instruction")));
      return card;
    });
    const raw = element("details", "cap-xml");
    raw.append(element("summary", "", t("incident.cap.xml")), element("pre", "", this.capXml));
    box.replaceChildren(header, ...cards, raw);
  }
}

function auditText(entry, steps) {
  const [kind, detail] = String(entry.action).split(/:(.*)/s);
  const after = entry.after ?? {};
  switch (kind) {
    case "created":
      return t("audit.created");
    case "state":
      return t("audit.state", { state: label("state", detail) });
    case "assigned":
      return t("audit.assigned", { assignee: after.assignee ?? "" });
    case "comment":
      return `${t("audit.comment")}: ${after.text ?? ""}`;
    case "sop":
      return t(after.done ? "audit.sop.done" : "audit.sop.undone", { step: steps.get(detail) ?? detail });
    case "escalated":
      return t("audit.escalated", { severity: label("severity", after.severity) });
    case "signal":
      return t(detail === "clear" ? "audit.signal.clear" : "audit.signal.repeat");
    case "cap":
      return t("audit.cap", { type: label("cap.value", detail) });
    case "delivery":
      return t("audit.delivery", { service: after.service ?? "", status: label("incident.delivery", detail) });
    default:
      return entry.action;
  }
}

/** The message (translation key and parameters) for a failed request. */
export function errorMessage(error, incident) {
  const status = error instanceof HttpError ? error.status : 0;
  switch (status) {
    case 409:
      return { key: "incident.error.conflict", params: { state: label("state", incident?.state) } };
    case 401:
    case 403:
      return { key: "incident.error.forbidden" };
    case 404:
      return { key: "incident.error.gone" };
    case 400:
    case 422:
      return { key: "incident.error.invalid", params: { detail: error.problem?.detail ?? "" } };
    default:
      return { key: "incident.error.failed" };
  }
}
