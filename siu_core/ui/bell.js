// The bell in the top bar: the caller's notifications (assigned, customer answered, @mention, SLA about
// to be missed), unread count in the tab title and on the queue rows, mark read, preferences, and, for
// new ones while the tab is open, a browser notification (after the teammate allowed it from a button)
// and an optional short beep made with WebAudio (no sound file).

import { api } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { explain, say } from "./feedback.js";
import { actorName, clock } from "./format.js";

const TEXT = {
  assigned: (n) => (n.by ? `${actorName(`user:${n.by}`)} assigned you a thread` : "A thread was assigned to you"),
  answered: () => "A customer answered in your thread",
  mention: (n) => `${actorName(`user:${n.by}`)} mentioned you`,
  sla_soon: () => "A thread of yours is about to miss its first-response target",
};
const KIND_LABEL = { assigned: "Assigned to me", answered: "Customer answered", mention: "@mentions", sla_soon: "SLA about to breach" };

/** One short, quiet beep (about 0.15 s), made in the page. */
function beep() {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!Ctx) return;
  try {
    const ctx = new Ctx();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.15);
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.16);
    osc.onended = () => ctx.close();
  } catch {
    // A page without audio (autoplay policy, no device) simply stays silent.
  }
}

export function notificationText(n) {
  return (TEXT[n.kind] || (() => "Inbox notification"))(n);
}

export class Bell {
  /** ``hooks``: href(threadId) for a link, changed() when the unread counts moved (queue dots, title). */
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.data = null;
    this.sig = "";
    this.known = null; // ids seen so far (null until the first answer: nothing pops up on load)
    this.prefs = null;
  }

  unread() {
    return (this.data && this.data.unread) || 0;
  }

  unreadFor(threadId) {
    return (this.data && this.data.unread_by_thread && this.data.unread_by_thread[threadId]) || 0;
  }

  async refresh() {
    const data = await api.notifications();
    this.data = data;
    this.prefs = data.preferences || this.prefs;
    const items = data.notifications || [];
    const fresh = this.known ? items.filter((n) => !n.read && !this.known.has(n.id)) : [];
    this.known = new Set(items.map((n) => n.id));
    if (fresh.length) this.announce(fresh);
    const sig = JSON.stringify([items.map((n) => [n.id, n.read]), data.unread, data.preferences]);
    if (sig === this.sig) return;
    this.sig = sig;
    this.draw();
    this.hooks.changed();
  }

  announce(fresh) {
    const prefs = this.prefs || {};
    say(fresh.length === 1 ? notificationText(fresh[0]) : `${fresh.length} new notifications`);
    if (prefs.sound) beep();
    if (prefs.browser !== false && "Notification" in window && Notification.permission === "granted") {
      for (const n of fresh.slice(0, 3)) {
        // The text names the event, never the customer's words (it shows on the lock screen).
        const note = new Notification("siu inbox", { body: notificationText(n), tag: n.id });
        note.onclick = () => {
          window.focus();
          window.location.hash = this.hooks.href(n.thread_id);
        };
      }
    }
  }

  /** The thread is open: its notifications are read (the next poll redraws the dots). */
  async readThread(threadId) {
    if (!this.unreadFor(threadId)) return;
    try {
      await api.markRead({ thread_id: threadId });
      await this.refresh();
    } catch (err) {
      if (err.status !== 401) say(explain(err));
    }
  }

  draw() {
    const items = (this.data && this.data.notifications) || [];
    const count = this.unread();
    const list = items.length
      ? h("ul", { class: "bell-list" }, items.map((n) => h("li", { class: n.read ? "is-read" : "is-unread", "data-kind": n.kind },
        h("a", { href: this.hooks.href(n.thread_id), "data-thread": n.thread_id },
          n.read ? null : h("span", { class: "unread-dot", "aria-hidden": "true" }),
          `${notificationText(n)} · ${clock(n.at, Date.now())}`, n.read ? null : h("span", { class: "sr-only" }, " (unread)")))))
      : h("p", { class: "muted small" }, "Nothing yet. You are told here when a thread is assigned to you, a customer answers you, someone mentions you, or an SLA is about to be missed.");
    const markAll = h("button", { type: "button", class: "small", id: "bell-read-all", disabled: count ? null : "" }, "Mark all read");
    markAll.addEventListener("click", async () => {
      try {
        await api.markRead({ until: new Date().toISOString() });
        await this.refresh();
        say("All notifications marked read.");
      } catch (err) {
        say(explain(err));
      }
    });
    const details = h("details", { class: "bell-menu" },
      h("summary", { id: "bell-summary", "aria-label": `Notifications, ${count} unread` }, icon("bell"),
        h("span", { class: `bell-count${count ? "" : " is-zero"}`, "aria-hidden": "true" }, String(count))),
      h("div", { class: "bell-panel" },
        h("div", { class: "bell-head" }, h("strong", {}, "Notifications"), markAll), list, this.settings()));
    // A redraw keeps what the teammate had open (the list, the preferences) and where the focus was.
    if (this.root.querySelector("details.bell-menu[open]")) details.open = true;
    const settings = details.querySelector("details.bell-settings");
    if (settings && this.root.querySelector("details.bell-settings[open]")) settings.open = true;
    const focused = document.activeElement && this.root.contains(document.activeElement) ? document.activeElement.id : null;
    replace(this.root, details);
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  settings() {
    const prefs = this.prefs;
    if (!prefs) return null;
    const box = (id, label, checked, onChange) => {
      const input = h("input", { type: "checkbox", id, checked: checked ? "" : null });
      input.addEventListener("change", () => onChange(input.checked));
      return h("li", {}, input, h("label", { for: id }, ` ${label}`));
    };
    const save = async (change) => {
      try {
        const saved = await api.savePreferences({ ...this.prefs, ...change, events: { ...this.prefs.events, ...(change.events || {}) } });
        this.prefs = saved.preferences;
        this.sig = "";
        await this.refresh();
        say("Preferences saved.");
      } catch (err) {
        say(explain(err));
        this.sig = "";
        this.draw();
      }
    };
    const kinds = Object.keys(prefs.events || {});
    const parts = [
      h("ul", { class: "bell-prefs" },
        kinds.map((k) => box(`pref-${k}`, KIND_LABEL[k] || k, prefs.events[k], (on) => save({ events: { [k]: on } }))),
        box("pref-browser", "Browser notifications", prefs.browser, (on) => save({ browser: on })),
        box("pref-sound", "Sound", prefs.sound, (on) => save({ sound: on })),
        box("pref-slack", "Slack direct messages", prefs.slack, (on) => save({ slack: on }))),
    ];
    if ("Notification" in window && Notification.permission === "default" && prefs.browser) {
      const ask = h("button", { type: "button", class: "small", id: "bell-permission" }, "Turn on browser notifications");
      ask.addEventListener("click", async () => {
        const answer = await Notification.requestPermission();
        say(answer === "granted" ? "Browser notifications are on." : "The browser did not allow notifications.");
        this.sig = "";
        this.draw();
      });
      parts.push(ask);
    }
    return h("details", { class: "bell-settings" }, h("summary", {}, "Preferences"), parts);
  }
}
