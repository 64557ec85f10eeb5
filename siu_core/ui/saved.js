// Saved replies in the reply box: "/" at the start of a line opens a searchable list, Enter inserts
// the reply filled for this thread (a reply whose variable has no value here says so and inserts
// nothing), Escape closes. The list also saves the text in the box as a new reply.

import { api } from "./api.js";
import { h, icon, replace } from "./dom.js";
import { confirmDialog, errorBox, say, showError } from "./feedback.js";

/** Whether the "/" just typed at ``pos`` starts a line (or the box): only then it opens the list. */
function startsLine(text, pos) {
  return pos === 1 || text[pos - 2] === "\n";
}

export class SavedReplies {
  /** ``area`` is the reply textarea; ``threadId()`` and ``me()`` give the current thread and caller. */
  constructor(area, threadId, me) {
    this.area = area;
    this.threadId = threadId;
    this.me = me;
    this.items = [];
    this.active = 0;
    this.slashAt = null;
    this.error = errorBox("saved-error");
    this.search = h("input", { id: "saved-search", type: "search", autocomplete: "off", "aria-label": "Search saved replies",
      placeholder: "Search saved replies", role: "combobox", "aria-controls": "saved-list", "aria-expanded": "true" });
    this.list = h("ul", { id: "saved-list", role: "listbox", "aria-label": "Saved replies", class: "saved-list" });
    this.el = h("div", { class: "saved-popup", id: "saved-popup", hidden: true },
      this.search, this.list, this.error, this.saveForm());
    area.addEventListener("input", (event) => {
      const pos = area.selectionStart;
      if (event.data === "/" && startsLine(area.value, pos)) this.open(pos - 1);
    });
    this.search.addEventListener("input", () => this.draw());
    this.search.addEventListener("keydown", (event) => this.onKey(event));
  }

  async open(slashAt) {
    this.slashAt = slashAt;
    this.el.hidden = false;
    this.search.value = "";
    showError(this.error, null);
    replace(this.list, h("li", { class: "muted small" }, "Loading…"));
    this.search.focus();
    try {
      this.items = (await api.savedReplies(this.threadId())).saved_replies;
    } catch (err) {
      this.items = [];
      showError(this.error, err);
    }
    this.active = 0;
    this.draw();
  }

  close(refocus = true) {
    this.el.hidden = true;
    this.slashAt = null;
    if (refocus) this.area.focus();
  }

  shown() {
    const q = this.search.value.trim().toLowerCase();
    return this.items.filter((r) => !q || r.name.toLowerCase().includes(q) || r.text.toLowerCase().includes(q));
  }

  draw() {
    const shown = this.shown();
    this.active = Math.min(this.active, Math.max(0, shown.length - 1));
    if (!shown.length) {
      replace(this.list, h("li", { class: "muted small" }, this.items.length ? "No saved reply matches." : "No saved replies yet: write one below."));
      return;
    }
    replace(this.list, shown.map((r, i) => {
      const option = h("li", { role: "option", id: `saved-${r.id}`, class: "saved-option", "aria-selected": String(i === this.active), "data-id": r.id },
        h("strong", {}, r.name), " ", h("span", { class: "muted small" }, r.scope === "team" ? `team ${r.team}` : r.scope),
        h("div", { class: "saved-text small" }, r.filled ?? r.text));
      option.addEventListener("mousedown", (event) => {
        if (event.target.closest(".saved-delete")) return;
        event.preventDefault();
        this.insert(r);
      });
      if (r.can_edit) {
        option.append(h("button", { type: "button", class: "ghost small saved-delete", "aria-label": `Delete saved reply ${r.name}`,
          onclick: () => this.remove(r) }, "Delete"));
      }
      return option;
    }));
    this.search.setAttribute("aria-activedescendant", `saved-${shown[this.active].id}`);
  }

  onKey(event) {
    const shown = this.shown();
    if (event.key === "Escape") {
      event.preventDefault();
      this.close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.active = (this.active + step + shown.length) % Math.max(1, shown.length);
      this.draw();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (shown[this.active]) this.insert(shown[this.active]);
    }
  }

  /** Put the filled reply where the "/" was typed; a reply that cannot be filled here inserts nothing. */
  insert(reply) {
    if (reply.filled == null) {
      showError(this.error, { status: 422, message: `"${reply.name}" cannot be used here: ${reply.problem}.` });
      return;
    }
    const text = this.area.value;
    const at = this.slashAt ?? this.area.selectionStart;
    const end = text[at] === "/" ? at + 1 : at;
    this.area.value = text.slice(0, at) + reply.filled + text.slice(end);
    const caret = at + reply.filled.length;
    this.area.dispatchEvent(new Event("input"));
    this.close();
    this.area.setSelectionRange(caret, caret);
    say(`Inserted "${reply.name}".`);
  }

  /** Delete a reply the caller may change (asks first; the version seen guards against a newer edit). */
  async remove(reply) {
    if (!(await confirmDialog(`Delete "${reply.name}"?`, "Teammates who use it will no longer find it under /.", "Delete"))) return;
    try {
      await api.deleteSavedReply(reply.id, reply.version);
      this.items = this.items.filter((r) => r.id !== reply.id);
      say(`Deleted "${reply.name}".`);
      this.draw();
      this.search.focus();
    } catch (err) {
      showError(this.error, err);
    }
  }

  saveForm() {
    const name = h("input", { id: "saved-new-name", maxlength: 100, required: true, autocomplete: "off" });
    const scope = h("select", { id: "saved-new-scope" }, h("option", { value: "personal" }, "Only me"));
    const me = this.me() || {};
    for (const team of me.teams || []) scope.append(h("option", { value: `team:${team}` }, `Team ${team}`));
    if (me.role === "admin") scope.append(h("option", { value: "everyone" }, "Everyone"));
    const button = h("button", { type: "submit", id: "saved-new-save" }, icon("check"), " Save the reply box's text");
    const form = h("form", { class: "saved-new", "aria-label": "Save as a saved reply" },
      h("label", { for: "saved-new-name" }, "Name"), name, h("label", { for: "saved-new-scope" }, "Who can use it"), scope, button);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const [kind, team] = scope.value.split(":");
      const body = { name: name.value, text: this.area.value.replace(/^\//, ""), scope: kind };
      if (kind === "team") body.team = team;
      button.disabled = true;
      try {
        await api.saveReply(body);
        say(`Saved "${body.name}".`);
        name.value = "";
        this.close();
      } catch (err) {
        showError(this.error, err);
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }
}
