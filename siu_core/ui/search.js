// The search box (top bar) and its results in the list pane: customers whose name, handle, phone or
// id matched, and messages whose words did, newest first, each linking to its thread. Filters narrow
// by status, topic and date; "More results" pages on. Everything shown comes from GET /api/search.

import { api } from "./api.js";
import { customerText, h, replace } from "./dom.js";
import { explain, say } from "./feedback.js";
import { channelLabel } from "./channels.js";
import { customerHandle, fullTime, topicName } from "./format.js";

/** The search form in the top bar; submitting goes to ``#/search/<words>`` (filters ride along as ``?``). */
export function searchBox(root) {
  const input = h("input", { type: "search", id: "search-q", name: "q", maxlength: "200", autocomplete: "off",
    placeholder: "Search customers, phones, messages…", "aria-label": "Search customers and messages" });
  const form = h("form", { role: "search", class: "search-box", onsubmit: (event) => {
    event.preventDefault();
    const words = input.value.trim();
    window.location.hash = `#/search/${encodeURIComponent(words)}`;
  } }, input, h("button", { type: "submit", class: "ghost" }, "Search"));
  replace(root, form);
  return input;
}

export class SearchPane {
  /** ``hooks``: href(words, id) for a result's link. */
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.words = null;
    this.filters = { status: "", topic: "", since: "", until: "" };
    this.pages = [];
    this.next = null;
    this.me = null;
    this.answered = null;
    this.asked = 0;  // bumps with every request and on leaving: only the latest answer is drawn
  }

  /** The teammate left the results (another view holds the list pane): answers still on the way are dropped. */
  leave() {
    this.asked += 1;
  }

  /** Show the results for ``words`` (a new search when the words changed). */
  async show(words, me) {
    this.me = me;
    this.words = words;
    if (this.pages.length && this.answered === JSON.stringify(this.params(0))) {
      this.draw();
      return;
    }
    await this.load(0, true);
  }

  params(offset) {
    const out = { limit: "20" };
    if (this.words) out.q = this.words;
    for (const [key, value] of Object.entries(this.filters)) if (value) out[key] = value;
    if (offset) out.offset = String(offset);
    return out;
  }

  async load(offset, fresh) {
    const asked = ++this.asked;
    const question = JSON.stringify(this.params(0));
    let answer;
    try {
      answer = await api.search(this.params(offset));
    } catch (err) {
      if (asked !== this.asked) return;
      this.pages = [];
      this.next = null;
      this.error = explain(err);
      this.draw();
      return;
    }
    if (asked !== this.asked) return;  // a newer search, or another view, came while this one was asked
    this.error = null;
    this.pages = fresh ? [answer] : [...this.pages, answer];
    this.answered = question;  // what the pages answer: words and filters
    this.next = answer.next_offset;
    this.draw();
    // Screen readers hear how much was found without leaving the search box.
    const found = this.pages.reduce((n, p) => n + p.threads.length + p.messages.length, 0);
    say(found ? `${found}${this.next !== null ? "+" : ""} results.` : "Nothing found.");
  }

  filterBar() {
    const topics = (this.me && this.me.topics) || [];
    const change = (key) => (event) => {
      this.filters[key] = event.target.value;
      this.load(0, true);
    };
    return h("div", { class: "search-filters" },
      h("label", {}, "Status ", h("select", { name: "status", onchange: change("status") },
        ["", "open", "closed"].map((v) => h("option", { value: v, selected: this.filters.status === v }, v || "any")))),
      h("label", {}, "Topic ", h("select", { name: "topic", onchange: change("topic") },
        h("option", { value: "" }, "any"),
        topics.map((t) => h("option", { value: t, selected: this.filters.topic === t }, topicName(t))))),
      h("label", {}, "From ", h("input", { type: "date", name: "since", value: this.filters.since, onchange: change("since") })),
      h("label", {}, "To ", h("input", { type: "date", name: "until", value: this.filters.until, onchange: change("until") })));
  }

  threadRow(t, extra) {
    return h("li", { class: "row search-hit", dataset: { id: t.id } },
      h("a", { class: "row-link", href: this.hooks.href(this.words, t.id) },
        h("span", { class: "row-who" }, customerText(t.customer && t.customer.name ? t.customer.name : customerHandle(t.customer))),
        h("span", { class: "muted small" }, ` · ${channelLabel(t)} · ${t.status}${t.assignee ? ` · ${t.assignee}` : ""}`),
        extra));
  }

  draw() {
    const threads = this.pages.flatMap((p) => p.threads);
    const messages = this.pages.flatMap((p) => p.messages);
    const title = this.words ? `Search: ${this.words}` : "Search";
    replace(this.root,
      h("h1", { id: "list-title", class: "pane-title" }, title),
      this.filterBar(),
      this.error ? h("p", { class: "error", role: "alert" }, this.error) : null,
      h("section", { "aria-label": "Customers" },
        h("h2", { class: "section-title" }, `Customers and threads (${threads.length}${this.next !== null ? "+" : ""})`),
        threads.length ? h("ul", { class: "rows" }, threads.map((t) => this.threadRow(t, null)))
          : h("p", { class: "muted" }, this.words ? "No customer matches." : "No thread matches these filters.")),
      this.words ? h("section", { "aria-label": "Messages" },
        h("h2", { class: "section-title" }, `Messages (${messages.length}${this.next !== null ? "+" : ""})`),
        messages.length ? h("ul", { class: "rows" }, messages.map((m) => this.threadRow(m.thread,
          h("span", { class: "search-snippet" }, h("br"), customerText(m.message.snippet),
            h("span", { class: "muted small" }, ` · ${fullTime(m.message.at)}`)))))
          : h("p", { class: "muted" }, "No message has these words.")) : null,
      this.next !== null ? h("button", { type: "button", class: "ghost", onclick: () => this.load(this.next, false) }, "More results") : null);
  }
}
