// The entities on the map, per type, kept current by the live stream. Listeners hear
// which types changed, at most once per task (bursts are batched).

export class EntityStore {
  constructor(types) {
    this.byType = new Map(types.map((type) => [type, new Map()]));
    this.typeOf = new Map();
    this.listeners = new Set();
    this.pending = new Set();
    this.updatedAt = null;
    this.held = null;
  }

  has(type) {
    return this.byType.has(type);
  }

  all(type) {
    return [...(this.byType.get(type)?.values() ?? [])];
  }

  count(type) {
    return this.byType.get(type)?.size ?? 0;
  }

  get(id) {
    const type = this.typeOf.get(id);
    return type ? this.byType.get(type).get(id) : undefined;
  }

  replaceAll(type, entities) {
    const map = this.byType.get(type);
    for (const id of map.keys()) this.typeOf.delete(id);
    map.clear();
    for (const entity of entities) this.#put(type, entity);
    this.#changed(type);
  }

  /** Hold live changes while a full load runs; `endLoad` applies them afterwards, so a
   * query answered just before a change cannot overwrite it. */
  beginLoad() {
    this.held ??= [];
  }

  endLoad() {
    const held = this.held ?? [];
    this.held = null;
    for (const change of held) this.apply(change);
  }

  /** Apply one change from the live stream ({op, entity} or {op: "deleted", id, type}). */
  apply(change) {
    if (this.held) {
      this.held.push(change);
      return;
    }
    if (change.op === "deleted") {
      const type = this.typeOf.get(change.id) ?? change.type;
      if (!this.has(type)) return;
      this.byType.get(type).delete(change.id);
      this.typeOf.delete(change.id);
      this.#changed(type, change.id);
      return;
    }
    const entity = change.entity;
    if (!entity || !this.has(entity.type)) return;
    this.#put(entity.type, entity);
    this.updatedAt = entity.modifiedAt ?? new Date().toISOString();
    this.#changed(entity.type, entity.id);
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  #put(type, entity) {
    this.byType.get(type).set(entity.id, entity);
    this.typeOf.set(entity.id, type);
  }

  #changed(type, id) {
    const first = this.pending.size === 0;
    this.pending.add(type);
    if (id) (this.pendingIds ??= new Set()).add(id);
    if (!first) return;
    queueMicrotask(() => {
      const types = new Set(this.pending);
      const ids = this.pendingIds ?? new Set();
      this.pending.clear();
      this.pendingIds = null;
      for (const listener of this.listeners) listener(types, ids);
    });
  }
}
