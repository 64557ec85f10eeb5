// The thread view: header with the actions (claim, reassign, close), the messages, the reply box,
// and the side panel (labels and their correction, SLA, the customer's earlier threads, audit trail).

import { api } from "./api.js";
import { Composer } from "./composer.js";
import { CustomerPanel } from "./customer.js";
import { NotesPanel } from "./notes.js";
import { busyWhile, customerText, h, icon, isolated, replace, srOnly } from "./dom.js";
import { confirmDialog, errorBox, explain, say, showError } from "./feedback.js";
import { channelIcon, channelLabel, channelName } from "./channels.js";
import { actorName, clock, customerHandle, fullTime, languageName, topicName } from "./format.js";
import { sinceEl, slaEl } from "./live.js";
import { forgetMedia, messageItem } from "./messages.js";
import { snoozeText } from "./queue.js";

const NEAR_BOTTOM = 80;
/** Presence heartbeats (the API's figures): "viewing" while the tab is visible, "typing" at most this often. */
const HEARTBEAT_MS = 15_000;
/** While a colleague has the thread open too, its presence (and messages) are asked for this often, past the
 * poll round's reuse: "typing" must show within seconds. Alone on a thread, nothing extra is asked. */
const WATCH_MS = 4_000;
const TYPING_MS = 5_000;
/** Alone on a thread nobody watches the beats: one every ALONE_MS (the API's viewing expiry is twice that). */
const ALONE_MS = 30_000;

/** "Ana is viewing", "Ana and Ben are typing…": who else is on the thread now. */
function presenceText(others) {
  const names = (state) => others.filter((p) => p.state === state).map((p) => p.name || p.id);
  const say = (list, verb) => (list.length ? `${list.length > 1 ? `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]} are` : `${list[0]} is`} ${verb}` : null);
  return [say(names("typing"), "typing…"), say(names("viewing"), "viewing")].filter(Boolean).join(" · ");
}

export class ThreadView {
  /** ``hooks``: changed() after an action, closed(id) after a close, href(id) for a thread link. */
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.me = null;
    this.id = null;
    this.data = null;
    this.older = [];
    this.sigs = {};
    this.composer = new Composer((result) => this.afterReply(result), () => this.typing());
    this.presenceEl = h("p", { class: "presence muted", id: "thread-presence", "aria-live": "polite", hidden: true });
    this.beats = null;
    this.lastTyping = 0;
    this.notes = new NotesPanel(() => this.refresh().catch(() => {}));
    this.customer = new CustomerPanel((tid) => this.hooks.href(tid), () => this.hooks.changed());
    this.editing = { reassign: false, labels: false };
  }

  /** Show a thread (fetches it); the reply draft of the previous one is kept. */
  async open(id, me) {
    this.me = me;
    if (id !== this.id) {
      forgetMedia();
      this.id = id;
      this.data = null;
      this.older = [];
      this.sigs = {};
      this.editing = { reassign: false, labels: false };
      this.drawPresence([]);
      replace(this.root, h("p", { class: "empty", role: "status" }, "Loading the thread…"));
      this.startBeats();
    }
    await this.refresh(true);
  }

  /** Say "viewing" now and every HEARTBEAT_MS while the tab is visible ("typing" if the teammate just typed). */
  startBeats() {
    clearInterval(this.beats);
    this.lastTyping = 0;
    this.beat("viewing");
    this.beats = setInterval(() => {
      // Typing beats keep the teammate "viewing" too (docs/inbox-api.md): no viewing beat while typing.
      const gap = this.company ? HEARTBEAT_MS : ALONE_MS;
      if (this.id && document.visibilityState === "visible" && Date.now() - this.lastBeat >= gap - 1_000) this.beat("viewing");
    }, HEARTBEAT_MS);
  }

  /** A keystroke in the reply box: a "typing" heartbeat, at most every TYPING_MS. */
  typing() {
    const now = Date.now();
    if (now - this.lastTyping < (this.company ? TYPING_MS : ALONE_MS)) return;
    this.lastTyping = now;
    this.beat("typing");
  }

  beat(state) {
    const id = this.id;
    if (!id) return;
    this.lastBeat = Date.now();
    api.presence(id, state).then((answer) => {
      if (id === this.id && answer && Array.isArray(answer.others)) this.drawPresence(answer.others);
    }).catch(() => {}); // presence is a courtesy: a failed heartbeat never disturbs the thread
  }

  drawPresence(others) {
    const company = Array.isArray(others) && others.length > 0;
    this.company = company;
    if (company && !this.watch) {
      this.watch = setInterval(() => {
        if (this.id && document.visibilityState === "visible") this.refresh(false, true).catch(() => {});
      }, WATCH_MS);
    } else if (!company && this.watch) {
      clearInterval(this.watch);
      this.watch = null;
    }
    const text = presenceText(Array.isArray(others) ? others : []);
    if (text === this.presenceEl.textContent) return;
    this.presenceEl.textContent = text;
    this.presenceEl.hidden = !text;
  }

  /** Nothing selected. */
  clear(message = "Pick a thread from the list, or press j.") {
    this.id = null;
    clearInterval(this.beats);
    clearInterval(this.watch);
    this.watch = null;
    this.beats = null;
    this.data = null;
    forgetMedia();
    replace(this.root, h("div", { class: "empty" }, icon("inbox"), h("p", {}, message)));
  }

  /** Fetch again and redraw only what changed (polling calls this every few seconds). */
  async refresh(first = false, fresh = false) {
    const id = this.id;
    if (!id) return;
    let data;
    try {
      data = await api.thread(id, fresh);
    } catch (err) {
      if (id !== this.id) return;
      if (first || err.status === 404 || err.status === 403) {
        this.data = null;
        replace(this.root, h("div", { class: "empty" }, icon("alert"), h("p", { role: "alert" }, explain(err)),
          h("p", {}, h("a", { href: this.hooks.href(null) }, "Back to the queue"))));
      }
      if (!first) throw err;
      return;
    }
    if (id !== this.id) return;
    const had = this.data;
    this.data = data;
    if (!had || !this.article) this.build();
    this.draw();
  }

  build() {
    this.head = h("header", { class: "thread-head" });
    this.olderEl = h("div", { class: "older" });
    this.list = h("ol", { class: "messages", "aria-label": "Messages", tabindex: "-1" });
    this.scroller = h("div", { class: "conversation" }, this.olderEl, this.list);
    this.side = h("aside", { class: "thread-side", "aria-label": "Thread details" });
    this.article = h("article", { class: "thread", "aria-labelledby": "thread-title", "data-thread": this.id },
      this.head, this.presenceEl,
      h("div", { class: "thread-main" }, h("div", { class: "thread-conv" }, this.scroller, this.composer.el, this.notes.el), this.side));
    replace(this.root, this.article);
  }

  draw() {
    const d = this.data;
    const headSig = JSON.stringify([d.customer, d.channel, d.account, d.status, d.team, d.assignee, d.sla, d.flagged, d.can_act, d.labels && d.labels.urgency, d.snoozed_until]);
    if (headSig !== this.sigs.head && !this.editing.reassign) {
      this.sigs.head = headSig;
      this.drawHead();
    }
    const messages = this.allMessages();
    const listSig = JSON.stringify([messages, d.before]);
    if (listSig !== this.sigs.list) {
      const atBottom = !this.sigs.list || this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight < NEAR_BOTTOM;
      const grew = this.sigs.list && messages.length > (this.shownCount || 0);
      this.sigs.list = listSig;
      this.drawMessages(messages);
      if (atBottom) this.scroller.scrollTop = this.scroller.scrollHeight;
      if (grew && messages[messages.length - 1].direction === "in") say(`New message from ${d.customer && d.customer.name ? isolated(d.customer.name) : "the customer"}.`);
    }
    const sideSig = JSON.stringify([d.labels, d.history, d.history_hidden, d.sla, d.status, d.can_act]);
    if (sideSig !== this.sigs.side && !this.editing.labels) {
      this.sigs.side = sideSig;
      this.drawSide();
    }
    this.composer.update(d, this.me);
    this.notes.update(d);
    this.drawPresence(d.presence);
    this.customer.show(d.id).catch(() => {});
  }

  allMessages() {
    const seen = new Set(this.data.messages.map((m) => m.id));
    return [...this.older.filter((m) => !seen.has(m.id)), ...this.data.messages];
  }

  drawHead() {
    const d = this.data;
    const name = (d.customer && d.customer.name) || customerHandle(d.customer) || "Customer";
    const actions = h("div", { class: "actions", role: "group", "aria-label": "Thread actions" });
    this.actionError = errorBox();
    const open = d.status === "open";
    if (open && d.can_act && !d.assignee) {
      actions.append(h("button", { type: "button", class: "primary", id: "claim-thread", onclick: (e) => this.claim(e.currentTarget) }, "Claim"));
    }
    if (open && d.can_act) {
      actions.append(
        h("button", { type: "button", id: "reassign-thread", "aria-expanded": "false", "aria-controls": "reassign-panel", onclick: () => this.toggleReassign() }, icon("user"), " Reassign…"),
        h("button", { type: "button", id: "close-thread", "aria-keyshortcuts": "e c", onclick: (e) => this.close(e.currentTarget) }, icon("check"), " Close"),
        d.snoozed_until
          ? h("button", { type: "button", id: "unsnooze-thread", onclick: (e) => this.snooze(e.currentTarget, null) }, icon("clock"), " Unsnooze")
          : this.snoozeMenu());
    }
    const who = d.assignee ? `assigned to ${d.assignee}${this.me && d.assignee === this.me.id ? " (you)" : ""}` : `unassigned, waiting in ${d.team || "a team"}'s queue`;
    this.reassignPanel = h("div", { id: "reassign-panel", class: "reassign-panel", hidden: true });
    replace(this.head,
      h("h2", { id: "thread-title", class: "thread-title" }, channelIcon(d.channel, channelName(d.channel)), " ", h("span", { class: "customer" }, customerText(name)),
        d.customer && d.customer.name && d.customer.id ? h("span", { class: "muted customer-id" }, " ", customerText(customerHandle(d.customer))) : null),
      h("p", { class: "thread-meta" },
        h("span", { class: `tag tag-status-${d.status}` }, d.status === "open" ? "Open" : "Closed"), " ",
        d.labels && d.labels.urgency === "urgent" ? h("span", { class: "tag tag-urgent" }, "Urgent") : null, " ",
        slaEl(d.sla), d.flagged ? h("span", { class: "tag tag-overdue" }, " flagged: no one eligible") : null, " ",
        d.snoozed_until ? h("span", { class: "tag tag-snoozed", id: "snoozed-tag" }, icon("clock"), ` Snoozed ${snoozeText(d.snoozed_until)}`) : null, " ",
        h("span", {}, `${channelLabel(d)} · team ${d.team || "none"} · ${who}`),
        d.last_inbound_at ? h("span", { class: "muted" }, " · customer wrote ", sinceEl(d.last_inbound_at)) : null),
      actions, this.reassignPanel, this.actionError);
  }

  drawMessages(messages) {
    const byId = new Map(messages.map((m) => [m.id, m]));
    const customer = this.data.customer && this.data.customer.name;
    const now = Date.now();
    this.shownCount = messages.length;
    replace(this.list, messages.map((m) => messageItem(m, { customer, byId, now })));
    const cursor = this.olderCursor === undefined ? this.data.before : this.olderCursor;
    if (cursor) {
      replace(this.olderEl, h("button", { type: "button", class: "link", onclick: (e) => this.loadOlder(e.currentTarget, cursor) }, "Show earlier messages"));
    } else {
      this.olderEl.replaceChildren();
    }
    if (!messages.length) this.list.append(h("li", { class: "muted" }, "No messages yet."));
  }

  async loadOlder(button, cursor) {
    try {
      const page = await busyWhile(button, api.olderMessages(this.id, cursor));
      const top = this.scroller.scrollHeight - this.scroller.scrollTop;
      this.older = [...page.messages, ...this.older];
      this.olderCursor = page.before || null;
      this.sigs.list = "";
      this.drawMessages(this.allMessages());
      this.scroller.scrollTop = this.scroller.scrollHeight - top;
    } catch (err) {
      showError(this.actionError, err);
    }
  }

  drawSide() {
    const d = this.data;
    const labels = d.labels || {};
    const parts = [];
    const labelsSection = h("section", { class: "side-section", "aria-labelledby": "labels-title" },
      h("h3", { id: "labels-title" }, "Labels", labels.corrected ? h("span", { class: "tag tag-ok small" }, " corrected") : null),
      h("dl", { class: "facts" },
        h("dt", {}, "Topic"), h("dd", { "data-label": "topic" }, topicName(labels.topic)),
        h("dt", {}, "Urgency"), h("dd", { "data-label": "urgency" }, labels.urgency || "—"),
        h("dt", {}, "Language"), h("dd", {}, labels.language ? `${languageName(labels.language)} (${labels.language})` : "—"),
        h("dt", {}, "Summary"), h("dd", {}, labels.summary ? customerText(labels.summary) : "—", h("span", { class: "muted small block" }, "for staff only, never sent")),
        h("dt", {}, "Labeled by"), h("dd", {}, labels.labeler || "—", labels.fallback ? " (fallback rules)" : "")));
    if (d.can_act) {
      labelsSection.append(h("button", { type: "button", id: "correct-labels", class: "small", "aria-expanded": "false", onclick: (e) => this.editLabels(labelsSection, e.currentTarget) }, "Correct labels"));
      labelsSection.append(" ", h("button", { type: "button", id: "relabel", class: "small", title: "Ask the labeler to read the thread again", onclick: (e) => this.relabel(e.currentTarget) }, "Label again"));
    }
    parts.push(labelsSection);
    if (d.sla) {
      parts.push(h("section", { class: "side-section", "aria-labelledby": "sla-title" },
        h("h3", { id: "sla-title" }, "First response"),
        h("dl", { class: "facts" },
          d.sla.started_at ? [h("dt", {}, "Clock started"), h("dd", {}, fullTime(d.sla.started_at))] : null,
          d.sla.due_at ? [h("dt", {}, "Due"), h("dd", {}, fullTime(d.sla.due_at))] : null,
          h("dt", {}, "State"), h("dd", {}, d.sla.answered ? "answered" : d.sla.breached ? `breached${d.sla.breached_at ? ` at ${fullTime(d.sla.breached_at)}` : ""}` : "waiting for a first reply"))));
    }
    const history = Array.isArray(d.history) ? d.history : [];
    parts.push(h("section", { class: "side-section", "aria-labelledby": "history-title" },
      h("h3", { id: "history-title" }, "Earlier threads with this customer"),
      history.length
        ? h("ul", { class: "history" }, history.map((t) => h("li", {},
          h("a", { href: this.hooks.href(t.id) }, `${clock(t.opened_at)} · ${topicName(t.labels && t.labels.topic)}`),
          h("span", { class: "muted small block" }, `${t.status === "open" ? "open" : "closed"} · ${t.message_count} message${t.message_count === 1 ? "" : "s"}${t.assignee ? ` · ${t.assignee}` : ""}`))))
        : h("p", { class: "muted" }, d.history_hidden ? "None you can open." : "None: this is the first."),
      d.history_hidden ? h("p", { class: "muted small", id: "history-hidden" }, hiddenHistory(d.history_hidden)) : null));
    if (this.me && this.me.role === "admin") parts.push(this.auditSection());
    replace(this.side, this.customer.el, parts);
  }

  auditSection() {
    const body = h("div", { class: "audit-body" }, h("p", { class: "muted" }, "Open to load."));
    const details = h("details", { class: "side-section audit", id: "audit" }, h("summary", {}, h("h3", { class: "inline" }, "Audit trail")), body);
    details.addEventListener("toggle", async () => {
      if (!details.open) return;
      replace(body, h("p", { class: "muted", role: "status" }, "Loading…"));
      try {
        const trail = await api.audit(this.id);
        const rows = trail.rows || [];
        replace(body, rows.length ? h("ol", { class: "audit-list" }, rows.map((r) => h("li", {},
          h("span", { class: "audit-action" }, String(r.action || "").replace(/_/g, " ")),
          h("span", { class: "muted small block" }, `${fullTime(r.at)} · ${actorName(r.by) || "—"}`),
          describeChange(r)))) : h("p", { class: "muted" }, "No audit rows."));
      } catch (err) {
        replace(body, h("p", { class: "error", role: "alert" }, explain(err)));
      }
    });
    return details;
  }

  editLabels(section, button) {
    if (this.editing.labels) return;
    this.editing.labels = true;
    button.setAttribute("aria-expanded", "true");
    button.hidden = true;
    const d = this.data;
    const topics = knownTopics(this.me, d.labels && d.labels.topic);
    const topic = h("select", { id: "label-topic" }, topics.map((t) => h("option", { value: t }, topicName(t))));
    topic.value = (d.labels && d.labels.topic) || topics[0];
    const urgency = h("select", { id: "label-urgency" }, h("option", { value: "normal" }, "normal"), h("option", { value: "urgent" }, "urgent"));
    urgency.value = (d.labels && d.labels.urgency) || "normal";
    const error = errorBox();
    const done = () => {
      this.editing.labels = false;
      this.sigs.side = "";
      this.drawSide();
      const again = document.getElementById("correct-labels");
      if (again) again.focus();
    };
    const save = h("button", { type: "submit", class: "primary small" }, "Save correction");
    const form = h("form", { class: "labels-form", "aria-label": "Correct labels" },
      h("label", { for: "label-topic" }, "Topic"), topic,
      h("label", { for: "label-urgency" }, "Urgency"), urgency,
      h("p", { class: "muted small" }, "Corrections are audited and feed the taxonomy review."),
      h("div", { class: "form-actions" }, h("button", { type: "button", class: "small", onclick: done }, "Cancel"), save), error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      if (topic.value !== (d.labels && d.labels.topic)) body.topic = topic.value;
      if (urgency.value !== (d.labels && d.labels.urgency)) body.urgency = urgency.value;
      if (!Object.keys(body).length) {
        done();
        return;
      }
      try {
        await busyWhile(save, api.labels(this.id, body));
        say("Labels corrected.");
        done();
        await this.refresh();
        this.hooks.changed();
      } catch (err) {
        showError(error, err);
      }
    });
    section.append(form);
    topic.focus();
  }

  async relabel(button) {
    try {
      const answer = await busyWhile(button, api.relabel(this.id));
      say(answer.changed ? "The labeler gave new labels." : "The labeler gave the same labels.");
      this.sigs.side = "";
      await this.refresh();
      this.hooks.changed();
    } catch (err) {
      showError(this.actionError, err);
    }
  }

  async toggleReassign() {
    const button = document.getElementById("reassign-thread");
    const panel = this.reassignPanel;
    if (this.editing.reassign) {
      this.editing.reassign = false;
      panel.hidden = true;
      panel.replaceChildren();
      button.setAttribute("aria-expanded", "false");
      button.focus();
      return;
    }
    this.editing.reassign = true;
    button.setAttribute("aria-expanded", "true");
    panel.hidden = false;
    replace(panel, h("p", { class: "muted", role: "status" }, "Finding who can take it…"));
    const choices = await this.reassignChoices();
    if (!this.editing.reassign) return;
    const error = errorBox();
    let field;
    if (choices) {
      field = h("select", { id: "reassign-to", required: true },
        h("option", { value: "" }, "Choose a teammate"),
        choices.map((c) => h("option", { value: c.id, disabled: c.disabled || null }, c.label)));
    } else {
      field = h("input", { id: "reassign-to", required: true, pattern: "[A-Za-z0-9_.@+\\-]+", autocomplete: "off" });
    }
    const submit = h("button", { type: "submit", class: "primary" }, "Reassign");
    const form = h("form", { class: "reassign-form", "aria-label": "Reassign the thread" },
      h("label", { for: "reassign-to" }, choices ? "Reassign to (eligible now listed first)" : "Reassign to (teammate id)"), field,
      h("div", { class: "form-actions" }, h("button", { type: "button", onclick: () => this.toggleReassign() }, "Cancel"), submit), error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const to = field.value.trim();
      if (!to) return;
      try {
        await busyWhile(submit, api.reassign(this.id, to));
        say(`Reassigned to ${to}.`);
        this.editing.reassign = false;
        this.sigs.head = "";
        await this.refresh();
        this.hooks.changed();
      } catch (err) {
        showError(error, err);
        field.focus();
      }
    });
    replace(panel, form);
    field.focus();
  }

  /** Who can take this thread now, eligible first; null when the inbox cannot say (then an id is typed). */
  async reassignChoices() {
    const d = this.data;
    try {
      const answer = await api.eligible(this.id);
      const people = (answer.teammates || []).filter((p) => !this.me || p.id !== d.assignee);
      return people.map((p) => ({
        id: p.id,
        disabled: p.can_take === false,
        label: `${p.name || p.id} (${p.id}) · ${p.reason || p.status}${p.capacity ? ` · ${p.open_threads || 0}/${p.capacity} open` : ""}`,
      }));
    } catch (err) {
      if (!(err.status === 404 && /no endpoint/.test(err.message))) {
        if (err.status !== 403) showError(this.actionError, err);
      }
    }
    if (this.me && this.me.role === "admin") {
      try {
        const roster = (await api.roster()).roster || [];
        return roster.filter((p) => p.id !== d.assignee).map((p) => ({
          id: p.id,
          disabled: p.status === "off",
          label: `${p.name} (${p.id}) · ${p.status}${d.team && !(p.teams || []).includes(d.team) ? ` · not on ${d.team}` : ""} · ${p.open_threads}/${p.capacity} open`,
        }));
      } catch (err) {
        showError(this.actionError, err);
      }
    }
    return null;
  }

  async claim(button) {
    try {
      await busyWhile(button, api.claim(this.id));
      say("Claimed: the thread is yours.");
      await this.refresh();
      this.hooks.changed();
    } catch (err) {
      await this.refresh().catch(() => {});
      showError(this.actionError, err);
    }
  }

  /** Close after confirming (the e / c shortcuts land here too). */
  async close(button) {
    const d = this.data;
    if (!d || d.status !== "open" || !d.can_act) return;
    const name = (d.customer && d.customer.name) || "this customer";
    const ok = await confirmDialog("Close this thread?", `The conversation with ${isolated(name)} leaves the queue. It reopens if they write again.`, "Close thread");
    if (!ok) return;
    const target = button || document.getElementById("close-thread");
    try {
      await busyWhile(target || document.createElement("button"), api.close(this.id));
      say("Thread closed.");
      const id = this.id;
      this.hooks.changed();
      this.hooks.closed(id);
    } catch (err) {
      await this.refresh().catch(() => {});
      showError(this.actionError, err);
    }
  }

  /** The snooze menu: 1 hour, tomorrow 9:00, next Monday 9:00 (the teammate's clock), or until the customer replies. */
  snoozeMenu() {
    const at = (days, hour) => {
      const d = new Date();
      d.setDate(d.getDate() + days);
      d.setHours(hour, 0, 0, 0);
      return d.toISOString();
    };
    const choices = {
      hour: () => new Date(Date.now() + 3_600_000).toISOString(),
      tomorrow: () => at(1, 9),
      week: () => at(((8 - new Date().getDay()) % 7) || 7, 9),
      customer: () => "customer_reply",
    };
    const select = h("select", { id: "snooze-thread", "aria-label": "Snooze the thread" },
      h("option", { value: "" }, "Snooze…"), h("option", { value: "hour" }, "For 1 hour"), h("option", { value: "tomorrow" }, "Until tomorrow 9:00"),
      h("option", { value: "week" }, "Until next week (Monday 9:00)"), h("option", { value: "customer" }, "Until the customer replies"));
    select.addEventListener("change", () => {
      const pick = choices[select.value];
      if (pick) this.snooze(select, pick());
    });
    return select;
  }

  /** Snooze until ``until`` (null: unsnooze); the thread leaves the queue and the "Snoozed" list shows it. */
  async snooze(control, until) {
    try {
      await busyWhile(control, until ? api.snooze(this.id, until) : api.unsnooze(this.id));
      say(until ? `Snoozed ${snoozeText(until)}.` : "Back in the queue.");
      this.sigs.head = "";
      await this.refresh();
      this.hooks.changed();
    } catch (err) {
      showError(this.actionError, err);
    }
  }

  afterReply() {
    this.refresh().catch(() => {});
    this.hooks.changed();
  }

  focusReply() {
    if (this.composer.focus()) return true;
    const note = this.composer.el.querySelector(".window-note");
    if (note) say(note.textContent.trim());
    return false;
  }
}

function knownTopics(me, current) {
  const topics = new Set(me && Array.isArray(me.topics) ? me.topics : []);
  if (current) topics.add(current);
  topics.add("other");
  return Array.from(topics).sort();
}

function describeChange(row) {
  const parts = [];
  const show = (value) => (value && typeof value === "object" ? Object.entries(value).filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join(", ") : value);
  if (row.before) parts.push(`before ${show(row.before)}`);
  if (row.after) parts.push(`after ${show(row.after)}`);
  if (row.notes) parts.push(String(row.notes));
  return parts.length ? h("span", { class: "small block audit-change" }, srOnly("Change: "), parts.join(" → ")) : null;
}

/** Earlier threads handled by teams the reader is not on: a count only, never their text. */
function hiddenHistory(count) {
  return `${count} earlier conversation${count === 1 ? "" : "s"} with other teams`;
}
