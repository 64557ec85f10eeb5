// The customer panel beside a thread: who the person is across channels (name, handles), every thread
// of theirs the teammate may open, teammate-written notes and tags, and merge suggestions with
// Merge / Unmerge. Fetched when the thread changes and after each edit; never polled.

import { api } from "./api.js";
import { busyWhile, customerText, h, replace } from "./dom.js";
import { errorBox, say, showError } from "./feedback.js";
import { channelName } from "./channels.js";
import { clock, topicName } from "./format.js";

const REASONS = {
  same_phone: "same phone number",
  typed_phone: "wrote this phone number",
  typed_email: "wrote this email address",
};

export class CustomerPanel {
  /** ``href(threadId)``: a link to a thread; ``changed()``: after a merge or unmerge. */
  constructor(href, changed) {
    this.href = href;
    this.changed = changed;
    this.threadId = null;
    this.data = null;
    this.body = h("div", { class: "customer-body" }, h("p", { class: "muted" }, "Loading the customer…"));
    this.el = h("section", { class: "side-section customer-panel", id: "customer-panel", "aria-labelledby": "customer-title" },
      h("h3", { id: "customer-title" }, "Customer"), this.body);
  }

  /** Show the customer of a thread (fetched again only when the thread changed, or when asked). */
  async show(threadId, force = false) {
    if (threadId === this.threadId && !force) return;
    this.threadId = threadId;
    try {
      const data = await api.threadCustomer(threadId);
      if (threadId !== this.threadId) return;
      this.data = data;
      const suggestions = await api.customerSuggestions(data.id).catch(() => ({ suggestions: [] }));
      if (threadId !== this.threadId) return;
      this.draw(suggestions.suggestions || []);
    } catch (err) {
      if (threadId !== this.threadId) return;
      replace(this.body, h("p", { class: "muted" }, err.status === 404 ? "No customer record." : "The customer could not be loaded."));
    }
  }

  draw(suggestions) {
    const d = this.data;
    const error = errorBox("customer-error");
    const picture = d.profile && d.profile.picture_url && /^https:\/\//.test(d.profile.picture_url)
      ? h("img", { class: "customer-picture", src: d.profile.picture_url, alt: "", width: 40, height: 40, referrerpolicy: "no-referrer" }) : null;
    const handles = h("ul", { class: "customer-handles", "aria-label": "Handles" }, d.handles.map((x) => h("li", { "data-channel": x.channel },
      h("strong", {}, channelName(x.channel)), " ",
      customerText([x.username ? `@${x.username}` : null, x.phone, x.name, x.username || x.phone ? null : x.id].filter(Boolean).join(" · ")),
      x.account && x.account.name ? h("span", { class: "muted small" }, ` · ${x.account.name}`) : null)));
    const threads = h("ul", { class: "history customer-threads", "aria-label": "Threads of this customer" }, d.threads.map((t) => h("li", { "data-thread": t.id },
      t.id === this.threadId ? h("span", {}, `${channelName(t.channel)} · this thread`)
        : h("a", { href: this.href(t.id) }, `${channelName(t.channel)} · ${clock(t.opened_at)} · ${topicName(t.labels && t.labels.topic)}`),
      h("span", { class: "muted small block" }, `${t.status === "open" ? "open" : "closed"} · ${t.message_count} message${t.message_count === 1 ? "" : "s"}`))));
    const notes = h("textarea", { id: "customer-notes", rows: 3, maxlength: 4000 });
    notes.value = d.notes || "";
    const tags = h("input", { id: "customer-tags", type: "text", autocomplete: "off", value: (d.tags || []).join(", ") });
    const save = h("button", { type: "submit", class: "small", id: "save-customer" }, "Save");
    const form = h("form", { class: "customer-form", "aria-label": "Notes and tags about this customer" },
      h("label", { for: "customer-notes" }, "Notes (teammates only)"), notes,
      h("label", { for: "customer-tags" }, "Tags (comma separated)"), tags,
      h("div", { class: "form-actions" }, save));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showError(error, null);
      const list = tags.value.split(",").map((t) => t.trim()).filter(Boolean);
      try {
        this.data = await busyWhile(save, api.editCustomer(d.id, { notes: notes.value, tags: list, version: d.version }));
        say("Customer saved.");
        this.draw(suggestions);
      } catch (err) {
        showError(error, err);
      }
    });
    const merged = d.merged.length ? h("ul", { class: "customer-merged", "aria-label": "Merged customers" }, d.merged.map((m) => h("li", {},
      customerText(m.name || m.id), " ",
      h("button", { type: "button", class: "small", "data-unmerge": m.id, onclick: (e) => this.link("unmerge", m.id, e.currentTarget, error) }, "Unmerge")))) : null;
    const suggested = suggestions.length ? h("ul", { class: "customer-suggestions", "aria-label": "Possibly the same person" }, suggestions.map((s) => h("li", {},
      customerText(s.name), h("span", { class: "muted small" }, ` · ${s.channels.map(channelName).join(", ")} · ${s.reasons.map((r) => REASONS[r] || r).join(", ")}`), " ",
      h("button", { type: "button", class: "small", "data-merge": s.id, onclick: (e) => this.link("merge", s.id, e.currentTarget, error) }, "Merge")))) : null;
    replace(this.body,
      h("div", { class: "customer-who" }, picture, h("strong", { id: "customer-name" }, customerText(d.name)),
        d.threads_hidden ? h("span", { class: "muted small block" }, `${d.threads_hidden} more thread${d.threads_hidden === 1 ? "" : "s"} in other teams`) : null),
      handles, threads, form,
      merged ? [h("h4", {}, "Merged into this customer"), merged] : null,
      suggested ? [h("h4", {}, "Possibly the same person"), suggested] : null,
      error);
  }

  async link(kind, other, button, error) {
    showError(error, null);
    try {
      const call = kind === "merge" ? api.mergeCustomer(this.data.id, other) : api.unmergeCustomer(this.data.id, other);
      await busyWhile(button, call);
      say(kind === "merge" ? "Customers merged: one history." : "Customers unmerged.");
      await this.show(this.threadId, true);
      this.changed();
    } catch (err) {
      showError(error, err);
    }
  }
}
