// The list pane: my queue and my teams' unassigned threads (with Claim), or, for admins, every
// team's unassigned queue and any teammate's queue. Redrawn only when the threads change.

import { api, fullAnswerCount } from "./api.js";
import { busyWhile, customerText, h, icon, isolated, replace, srOnly } from "./dom.js";
import { explain, say } from "./feedback.js";
import { channelIcon, channelLabel } from "./channels.js";
import { customerHandle, firstLine, languageName, topicName } from "./format.js";
import { sinceEl, slaEl } from "./live.js";

/** The section key of a queue from GET /api/queues (the same keys sections() uses). */
function queueKey(q) {
  if (q.queue === "mine") return "mine";
  return q.queue === "team" ? `team:${q.team}` : `who:${q.assignee}`;
}

function queueTitle(q) {
  if (q.queue === "mine") return "your queue";
  return q.queue === "team" ? `Unassigned · ${q.team}` : `the queue of ${q.assignee}`;
}

/** "back Thu 09:00" or "until the customer replies": when a snoozed thread comes back. */
export function snoozeText(until) {
  if (until === "customer_reply") return "until the customer replies";
  const at = new Date(until);
  return Number.isNaN(at.getTime()) ? "snoozed" : `back ${at.toLocaleString(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" })}`;
}

export class QueuePane {
  /** ``hooks``: href(id) for a row's link, claimed(id) after a claim, unread(id) with a thread's unread notifications. */
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.mode = "mine";
    this.me = null;
    this.sig = "";
    this.selected = null;
    this.teammate = "";
    this.teams = [];
    this.roster = null;
    this.overview = null; // GET /api/queues: every queue's count (the empty states)
    this.last = null;
    this.focusKey = null;
  }

  /** Show a teammate's queue in the All queues view (an admin landing on the busiest queue). */
  showTeammate(id) {
    this.teammate = id;
    this.sig = "";
  }

  /** Scroll to a queue's section at the next draw (the landing queue). */
  focusOn(target) {
    this.focusKey = target.queue === "teammate" ? `who:${target.assignee}` : target.queue === "team" ? `team:${target.team}` : "mine";
  }

  /** The unread notifications changed: redraw the rows' dots. */
  redrawDots() {
    if (!this.last || this.mode === "search") return;  // the search results hold the list pane now
    this.sig = "";
    this.draw(...this.last);
  }

  setMode(mode, me) {
    if (mode !== this.mode || me !== this.me) this.sig = "";
    this.mode = mode;
    this.me = me;
  }

  sections() {
    if (this.mode === "all") {
      const list = this.teams.map((team) => ({ key: `team:${team}`, title: `Unassigned · ${team}`, params: { team }, claim: true, empty: "Nobody waiting." }));
      if (this.teammate) list.unshift({ key: `who:${this.teammate}`, title: `Queue of ${this.teammate}`, params: { assignee: this.teammate }, claim: false, empty: "No open threads." });
      return list;
    }
    const teams = (this.me && this.me.teams) || [];
    return [
      { key: "mine", title: "Assigned to me", params: {}, claim: false, empty: "Nothing assigned to you right now." },
      ...teams.map((team) => ({ key: `team:${team}`, title: `Unassigned · ${team}`, params: { team }, claim: true, empty: "Nobody waiting." })),
      { key: "snoozed", title: "Snoozed", load: () => api.snoozed(), claim: false, empty: "Nothing snoozed." },
    ];
  }

  /** Fetch every section; redraw when something changed. Throws the first network error (for the banner). */
  async refresh() {
    if (this.mode === "search") return;  // the search results hold the list pane
    const mode = this.mode;
    if (mode === "all") await this.loadTeams();
    const sections = this.sections();
    const answered = fullAnswerCount();
    const read = (s) => (s.load ? s.load() : api.queue(s.params)).then((data) => ({ data }), (error) => ({ error }));
    // The first section alone, then the rest: in a poll, a 304 on the first spares the others' requests.
    const first = sections.length ? [await read(sections[0])] : [];
    if (first.length && first[0].error && first[0].error.status === 401) throw first[0].error;  // signed out: ask no more
    const results = first.concat(await Promise.all(sections.slice(1).map(read)));
    const network = results.find((r) => r.error && r.error.status === 0);
    if (network) throw network.error;
    // The other queues' counts matter only where a section is empty (its hint): no extra request otherwise.
    const empty = results.some((r) => r.data && !(r.data.threads || []).length);
    // ... and only when a read got a full answer: the counts move with the inbox's change counter too.
    const stale = !this.overview || fullAnswerCount() !== answered;
    const overview = empty ? (stale ? await api.queues().catch(() => this.overview) : this.overview) : null;
    // The teammate went elsewhere while the sections loaded (a search, the other queue view): the
    // navigation that took them there draws the list pane; this answer is for a view no longer shown.
    if (this.mode !== mode) return;
    this.overview = overview;
    const sig = JSON.stringify([this.mode, this.teammate, sections.map((s) => s.key), results.map((r) => (r.error ? r.error.message : r.data.threads)),
      overview && overview.queues]);
    if (sig === this.sig) return;
    this.sig = sig;
    this.draw(sections, results);
  }

  async loadTeams() {
    if (this.roster) return;
    const teams = new Set([...(this.me.all_teams || []), ...(this.me.teams || [])]);
    try {
      this.roster = (await api.roster()).roster || [];
      for (const entry of this.roster) (entry.teams || []).forEach((t) => teams.add(t));
    } catch {
      this.roster = [];
    }
    this.teams = Array.from(teams).sort();
  }

  /** Where else work waits, for an empty section: "4 waiting in Unassigned · sales", each a link. */
  elsewhere(key) {
    const queues = ((this.overview && this.overview.queues) || []).filter((q) => q.count > 0 && queueKey(q) !== key)
      .sort((a, b) => b.count - a.count);
    if (!queues.length) return null;
    const links = queues.map((q) => {
      const target = queueKey(q);
      const link = h("a", { href: q.view === "all" ? "#/all" : "#/queue", class: "elsewhere-link", "data-queue": target },
        `${q.count} waiting in ${queueTitle(q)}`);
      link.addEventListener("click", (event) => {
        if (q.assignee) this.showTeammate(q.assignee);
        this.focusOn(q);
        const here = (this.mode === "all") === (q.view === "all");
        if (here) {
          event.preventDefault();
          this.redrawDots();
        }
      });
      return link;
    });
    return h("span", { class: "elsewhere" }, " — ", links.flatMap((l, i) => (i ? [", ", l] : [l])));
  }

  draw(sections, results) {
    this.last = [sections, results];
    const parts = [h("h1", { id: "list-title", class: "pane-title" }, this.mode === "all" ? "All queues" : "Inbox")];
    if (this.mode === "all") parts.push(this.teammatePicker());
    sections.forEach((section, i) => {
      const result = results[i];
      const titleId = `section-${i}`;
      const threads = result.data ? result.data.threads || [] : [];
      parts.push(h("section", { class: "queue-section", "aria-labelledby": titleId, "data-key": section.key },
        h("h2", { id: titleId, class: "section-title" }, section.title, h("span", { class: "count" }, result.data ? ` ${threads.length}` : "")),
        result.error
          ? h("p", { class: "error" }, explain(result.error))
          : threads.length
            ? h("ul", { class: "rows" }, threads.map((t) => this.row(t, section.claim)))
            : h("p", { class: "muted empty-section" }, section.empty, this.elsewhere(section.key))));
    });
    const focused = document.activeElement && this.root.contains(document.activeElement) ? document.activeElement.closest("[data-id]") : null;
    replace(this.root, parts);
    this.select(this.selected);
    if (focused) {
      const again = this.root.querySelector(`[data-id="${CSS.escape(focused.dataset.id)}"] a`);
      if (again) again.focus();
    }
    if (this.focusKey) {
      const target = this.root.querySelector(`[data-key="${CSS.escape(this.focusKey)}"]`);
      this.focusKey = null;
      if (target) {
        target.scrollIntoView({ block: "start" });
        const title = target.querySelector(".section-title");
        title.setAttribute("tabindex", "-1");
        title.focus();
      }
    }
  }

  teammatePicker() {
    const select = h("select", { id: "teammate-queue" }, h("option", { value: "" }, "Nobody"),
      (this.roster || []).map((p) => h("option", { value: p.id }, `${p.name} (${p.id}) · ${p.open_threads} open`)));
    select.value = this.teammate;
    select.addEventListener("change", () => {
      this.teammate = select.value;
      this.refresh().catch(() => {});
    });
    return h("div", { class: "field-inline" }, h("label", { for: "teammate-queue" }, "Also show the queue of"), select);
  }

  row(t, claimable) {
    const labels = t.labels || {};
    const customer = (t.customer && (t.customer.name || customerHandle(t.customer))) || "Customer";
    const line = firstLine(t.preview || labels.summary) || "(no text)";
    const sla = slaEl(t.sla);
    const overdue = sla && sla.dataset.overdue === "true";
    const unread = this.hooks.unread(t.id);
    const li = h("li", { class: `row${overdue ? " row-overdue" : ""}${labels.urgency === "urgent" ? " row-urgent" : ""}${unread ? " row-unread" : ""}`, "data-id": t.id },
      h("a", { class: "row-link", href: this.hooks.href(t.id) },
        unread ? h("span", { class: "unread-dot", title: `${unread} unread` }, srOnly(`${unread} unread notification${unread > 1 ? "s" : ""}`)) : null,
        h("span", { class: `row-icon channel-${t.channel}` }, channelIcon(t.channel, channelLabel(t))),
        h("span", { class: "row-main" },
          h("span", { class: "row-top" }, h("span", { class: "customer" }, customerText(customer)), sinceEl(t.last_inbound_at || t.opened_at)),
          h("span", { class: "row-line" }, customerText(line)),
          h("span", { class: "row-tags" },
            h("span", { class: "tag tag-topic" }, srOnly("Topic: "), topicName(labels.topic)),
            labels.urgency === "urgent" ? h("span", { class: "tag tag-urgent" }, "Urgent") : null,
            labels.language ? h("span", { class: "tag tag-lang", title: languageName(labels.language) }, srOnly("Language: "), labels.language) : null,
            sla,
            t.snoozed_until ? h("span", { class: "tag tag-snoozed" }, icon("clock"), ` ${snoozeText(t.snoozed_until)}`) : null,
            t.flagged ? h("span", { class: "tag tag-overdue" }, "flagged") : null))));
    if (claimable) {
      const button = h("button", { type: "button", class: "claim small", "aria-label": `Claim the thread of ${customer}` }, "Claim");
      button.addEventListener("click", async () => {
        try {
          await busyWhile(button, api.claim(t.id));
          say(`Claimed the thread of ${isolated(customer)}.`);
          this.sig = "";
          this.hooks.claimed(t.id);
        } catch (err) {
          say(explain(err));
          li.append(h("p", { class: "error small", role: "alert" }, explain(err)));
        }
      });
      li.append(button);
    }
    return li;
  }

  /** Thread ids in the order shown (j/k walk them). */
  ids() {
    return Array.from(this.root.querySelectorAll(".row[data-id]"), (el) => el.dataset.id);
  }

  /** Mark the open thread's row. */
  select(id) {
    this.selected = id;
    for (const el of this.root.querySelectorAll(".row")) {
      const on = el.dataset.id === id;
      el.classList.toggle("row-selected", on);
      const link = el.querySelector(".row-link");
      if (on) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    }
  }
}
