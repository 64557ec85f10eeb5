// Internal notes under the reply box: words for teammates that the customer never sees, shown on a
// yellow background with a lock. "@id" (or a unique first name) mentions a teammate, who is told under
// the bell (bell.js) and may read the thread from then on.

import { api, newIdempotencyKey } from "./api.js";
import { customerText, h, icon, replace } from "./dom.js";
import { errorBox, say, showError } from "./feedback.js";
import { actorName, clock } from "./format.js";

export class NotesPanel {
  constructor(onAdded) {
    this.onAdded = onAdded;
    this.threadId = null;
    this.sig = "";
    this.pending = null;
    this.list = h("ol", { class: "notes-list", "aria-label": "Internal notes" });
    this.error = errorBox("note-error");
    this.area = h("textarea", { id: "note-text", rows: 2, maxlength: 4000, autocomplete: "off", "aria-describedby": "note-hint" });
    this.button = h("button", { type: "submit", id: "add-note" }, icon("lock"), " Add note");
    const form = h("form", { class: "note-form", "aria-label": "Add an internal note" },
      h("label", { for: "note-text" }, "Internal note"), this.area,
      h("div", { class: "composer-foot" },
        h("span", { id: "note-hint", class: "muted small" }, "Only teammates see notes. @ana mentions a teammate."), this.button),
      this.error);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.add();
    });
    this.el = h("section", { class: "notes", "aria-labelledby": "notes-title" },
      h("h3", { id: "notes-title", class: "composer-title" }, icon("lock"), " Internal notes"), this.list, form);
  }

  /** Show a thread's notes (redrawn only when they changed). */
  update(thread) {
    if (thread.id !== this.threadId) {
      this.threadId = thread.id;
      this.area.value = "";
      this.pending = null;
      showError(this.error, null);
    }
    const notes = thread.notes || [];
    const sig = JSON.stringify(notes.map((n) => n.id));
    if (sig === this.sig) return;
    this.sig = sig;
    if (!notes.length) {
      replace(this.list, h("li", { class: "muted small" }, "No notes yet."));
      return;
    }
    replace(this.list, notes.map((n) => h("li", { class: "note", "data-note": n.id },
      h("div", { class: "note-meta small" }, icon("lock"), ` ${actorName(`user:${n.by}`)} · ${clock(n.at, Date.now())}`,
        n.mentions.length ? ` · mentions ${n.mentions.join(", ")}` : ""),
      h("div", { class: "note-text" }, customerText(n.text)))));
  }

  async add() {
    const text = this.area.value;
    if (!text.trim()) {
      showError(this.error, { status: 422, message: "Write the note first." });
      return;
    }
    const sig = JSON.stringify([this.threadId, text]);
    if (!this.pending || this.pending.sig !== sig) this.pending = { key: newIdempotencyKey(), sig };
    this.button.disabled = true;
    showError(this.error, null);
    try {
      const result = await api.addNote(this.threadId, text, this.pending.key);
      this.pending = null;
      this.area.value = "";
      const told = result.mentioned.length ? ` ${result.mentioned.join(", ")} ${result.mentioned.length > 1 ? "were" : "was"} told.` : "";
      const nobody = result.unknown_mentions.length ? ` Nobody on the roster is called @${result.unknown_mentions.join(", @")}.` : "";
      say(`Note added.${told}${nobody}`);
      this.onAdded();
    } catch (err) {
      showError(this.error, err);
    } finally {
      this.button.disabled = false;
    }
  }
}
