// The live change stream (Server-Sent Events from /ui/events): applies changes to the
// store, asks for a full reload after a gap or an overflow, and reports its state.
// Signed in, each (re)connection opens with a fresh stream ticket (auth.js).

import { streamUrl } from "./auth.js";

const RETRY_MS = 3000;

export class LiveFeed {
  /**
   * `onState(state)` hears "connecting" | "on" | "reconnecting" | "off";
   * `onResync(reason)` is called when the page must reload its data ("gap" | "overflow").
   */
  constructor({ url, tenant, session = null, store, onState, onResync, onEvent }) {
    this.url = tenant ? `${url}?tenant=${encodeURIComponent(tenant)}` : url;
    this.session = session;
    this.store = store;
    this.onState = onState;
    this.onResync = onResync;
    this.onEvent = onEvent;
    this.source = null;
    this.connectedOnce = false;
    this.lastEventAt = null;
  }

  start() {
    this.onState("connecting");
    streamUrl(this.url, this.session).then(
      (url) => this.open(url),
      (error) => {
        console.warn("live stream unavailable", error);
        this.onState("off");
        setTimeout(() => this.start(), RETRY_MS);
      },
    );
  }

  open(url) {
    const source = new EventSource(url);
    this.source = source;
    source.addEventListener("hello", () => {
      this.onState("on");
      // Changes made while we were away are not replayed: reload after a reconnect.
      if (this.connectedOnce) this.onResync("gap");
      this.connectedOnce = true;
    });
    source.addEventListener("changes", (event) => {
      for (const change of JSON.parse(event.data)) this.store.apply(change);
      this.lastEventAt = new Date();
      this.onEvent?.(this.lastEventAt);
    });
    source.addEventListener("resync", () => this.onResync("overflow"));
    source.addEventListener("bye", () => {
      source.close();
      this.onState("off");
      setTimeout(() => this.start(), RETRY_MS);
    });
    source.addEventListener("error", () => {
      if (source.readyState === EventSource.CLOSED) {
        // HTTP error (e.g. 503, or 401 once the ticket expired): the browser gives up,
        // so retry ourselves (with a new ticket).
        this.onState("off");
        setTimeout(() => this.source === source && this.start(), RETRY_MS);
      } else {
        this.onState("reconnecting");
      }
    });
  }

  stop() {
    this.source?.close();
    this.source = null;
  }
}
