// The reply box. It knows the platform's reply window (open, human-agent period, template only,
// closed) and sends each composed reply at most once: one Idempotency-Key per reply, reused when
// the same reply is retried, a new one only when the teammate writes something else or the API
// says that key is spent.

import { api, newIdempotencyKey } from "./api.js";
import { customerText, h, icon, replace } from "./dom.js";
import { errorBox, say, showError } from "./feedback.js";
import { channelInfo, channelLabel, channelName } from "./channels.js";
import { actorName, clock, duration, parseTime, since } from "./format.js";
import { AttachmentPicker } from "./attach.js";
import { SavedReplies } from "./saved.js";

/** A saved reply's variable left in the text (typed by hand): never sent raw. */
const VARIABLE = /\{\{\s*[a-z_]+\.[a-z_]+\s*\}\}/;

/** Errors after which the same key can never succeed: a new attempt is a new, deliberate send. */
const KEY_SPENT = new Set([
  "platform_error", "invalid_reply", "window_closed", "reply_outcome_unknown", "send_failed",
  "idempotency_key_reused", "text_too_long", "unknown_template", "template_params", "templates_unsupported", "invalid_body",
  "upload_not_found", "upload_mismatch", "unsupported_type", "too_large", "too_many", "caption_unsupported", "caption_too_long",
  "channel_cannot_attach",
]);

/** What the reply window allows now, in the channel's own words (its plugin's display data). */
function windowNote(win, channel, now) {
  if (!win) return null;
  const words = channelInfo(channel);
  const until = (text) => {
    const t = parseTime(text);
    return t ? `${clock(text, now)} (${duration(t.getTime() - now)} left)` : "";
  };
  switch (win.state) {
    case "open":
      return { level: "info", text: win.open_until ? `Reply window open until ${until(win.open_until)}.` : "Reply window open." };
    case "unlimited":
      return { level: "info", text: "This channel has no reply window." };
    case "human_agent":
      return {
        level: "notice",
        text: `The ${words.window_name} has passed. Your reply goes out with the HUMAN_AGENT tag, allowed until ${until(win.human_agent && win.human_agent.until)}: ${words.human_agent_note}`,
      };
    case "template_only":
      return {
        level: "notice",
        text: `The ${words.window_name} closed ${win.open_until ? since(win.open_until, now) : ""}. ${words.template_only_note}`,
      };
    default:
      return { level: "blocked", text: `${capitalise(win.explanation || "The reply window is closed")}. You cannot reply until the customer writes again.` };
  }
}

/** The id of the newest message the thread shows (what a reply begun now is written against). */
function newestId(thread) {
  const shown = thread && Array.isArray(thread.messages) ? thread.messages : [];
  return shown.length ? shown[shown.length - 1].id : null;
}

function capitalise(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}

/** What the customer will read: the template's body with the parameters in place (text nodes only). */
function templatePreview(tpl, values) {
  if (!tpl.body) {
    const filled = values.map((v, i) => `{{${i + 1}}} = ${v || "…"}`).join(", ");
    return h("span", {}, `${tpl.name} (${tpl.language})${filled ? `: ${filled}` : ""}`);
  }
  return h("span", { class: "template-body" }, tpl.body.replace(/\{\{(\d+)\}\}/g, (all, n) => values[Number(n) - 1] || all));
}

/** The cost line of one template message, from the shop's own rate table (or why there is none). */
function costText(cost) {
  if (!cost) return "No rate table is configured for this channel, so siu cannot show what this message costs.";
  if (cost.amount === null) return `Cost: unknown (${cost.note}; ${cost.market} rates, ${cost.source}).`;
  return `Cost: ${cost.currency} ${cost.amount} ${cost.note} (${cost.category || "template"}, ${cost.market} rates: ${cost.source}).`;
}

export class Composer {
  /** ``onSent(result)`` runs after a reply went out (the thread refreshes); ``onTyping()`` on every keystroke. */
  constructor(onSent, onTyping = () => {}) {
    this.onSent = onSent;
    this.onTyping = onTyping;
    this.el = h("section", { class: "composer", "aria-labelledby": "composer-title" });
    this.thread = null;
    this.signature = "";
    this.pending = null; // {key, sig}: the key of the reply being sent, kept until it went out
    this.inFlight = false;
    this.drafts = new Map(); // thread id -> unsent text
    this.basedOn = new Map(); // thread id -> the newest message shown when the teammate began writing
    this.changedEl = h("div", { class: "thread-changed", id: "thread-changed", role: "alert", hidden: true });
    this.errorEl = errorBox("composer-error"); // kept across re-renders: a refusal stays readable
  }

  /** Show the box for a thread (re-rendered only when what may be sent changes; the draft survives). */
  update(thread, me) {
    const win = thread.window;
    const sig = JSON.stringify([thread.id, thread.status, thread.can_act, win && win.state, win && win.allowed,
      win && win.templates, thread.assignee, thread.attachments]);
    const same = sig === this.signature;
    if (this.thread && this.thread.id !== thread.id) {
      this.saveDraft();
      this.pending = null;
      showError(this.errorEl, null);
      this.showChanged(null);
    }
    this.thread = thread;
    this.me = me;
    if (same) {
      this.refreshNote();
      return;
    }
    this.signature = sig;
    this.render();
  }

  saveDraft() {
    if (this.thread && this.textarea) this.drafts.set(this.thread.id, this.textarea.value);
  }

  focus() {
    const target = this.el.querySelector("textarea:not([disabled]), select:not([disabled]), input:not([disabled])");
    if (target) {
      target.focus();
      return true;
    }
    return false;
  }

  refreshNote() {
    if (!this.noteEl || !this.thread) return;
    const note = windowNote(this.thread.window, this.thread.channel, Date.now());
    if (note) this.noteEl.lastChild.textContent = ` ${note.text}`;
  }

  render() {
    const t = this.thread;
    const win = t.window;
    this.textarea = null;
    this.noteEl = null;
    const title = h("h3", { id: "composer-title", class: "composer-title" }, "Reply to ",
      t.customer && t.customer.name ? customerText(t.customer.name) : "the customer", ` on ${channelLabel(t)}`);
    if (t.status !== "open") {
      replace(this.el, title, h("p", { class: "window-note window-blocked" }, icon("lock"), " This thread is closed. It reopens when the customer writes again."), this.errorEl);
      return;
    }
    if (!t.can_act) {
      const who = t.assignee ? `${t.assignee} (or an admin)` : "a teammate of its team";
      replace(this.el, title, h("p", { class: "window-note window-blocked" }, icon("lock"), ` Only ${who} can reply to this thread.`), this.errorEl);
      return;
    }
    if (!win) {
      replace(this.el, title, h("p", { class: "window-note window-blocked" }, icon("alert"), ` The ${channelName(t.channel)} plugin is not installed on this inbox, so replies cannot be sent.`), this.errorEl);
      return;
    }
    const note = windowNote(win, t.channel, Date.now());
    this.noteEl = h("p", { class: `window-note window-${note.level}`, "data-window": win.state },
      icon(note.level === "info" ? "clock" : "alert"), ` ${note.text}`);
    const allowed = new Set(win.allowed || []);
    const parts = [title, this.noteEl];
    if (allowed.has("text") && ["open", "unlimited", "human_agent"].includes(win.state)) parts.push(this.textForm(win));
    if (win.state === "template_only" || (win.state === "closed" && allowed.has("template"))) parts.push(this.templateForm(win));
    parts.push(this.changedEl, this.errorEl);
    replace(this.el, parts);
  }

  textForm(win) {
    const area = h("textarea", { id: "reply-text", name: "text", rows: 3, "aria-describedby": "reply-hint", autocomplete: "off", spellcheck: "true" });
    area.value = this.drafts.get(this.thread.id) || "";
    area.addEventListener("input", () => {
      this.drafts.set(this.thread.id, area.value);
      this.noteBasis(area.value);
      if (area.value) this.onTyping();
    });
    const button = h("button", { type: "submit", class: "primary", id: "send-reply" }, icon("send"), win.state === "human_agent" ? " Send with HUMAN_AGENT tag" : " Send");
    const error = this.errorEl;
    const saved = new SavedReplies(area, () => this.thread && this.thread.id, () => this.me);
    const capability = this.thread.attachments; // null: the channel sends no files, so no paperclip
    const picker = capability ? new AttachmentPicker(this.thread.id, capability,
      (message) => showError(error, message ? { status: 422, message } : null),
      () => { button.disabled = picker.busy(); }) : null;
    const form = h("form", { class: "reply-form", "aria-label": "Reply" },
      h("label", { for: "reply-text" }, "Your reply"),
      area,
      saved.el,
      h("div", { class: "composer-foot" },
        picker ? picker.el : null,
        h("span", { id: "reply-hint", class: "muted small" }, "/ at the start of a line inserts a saved reply. Ctrl+Enter sends. siu sends exactly what you write."),
        button));
    area.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit(button);
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = area.value;
      const files = picker ? picker.ids() : [];
      if (picker && picker.busy()) {
        showError(error, { status: 409, message: "Wait for the file to finish uploading." });
        return;
      }
      if (!text.trim() && !files.length) {
        showError(error, { status: 422, message: "Write a reply first." });
        area.focus();
        return;
      }
      const variable = text.match(VARIABLE);
      if (variable) {
        showError(error, { status: 422, message: `Replace ${variable[0]} with its value first: variables are filled only when a saved reply is inserted.` });
        area.focus();
        return;
      }
      const clearText = () => {
        area.value = "";
        this.drafts.delete(this.thread.id);
        this.basedOn.delete(this.thread.id);
      };
      if (files.length && text.trim() && !capability.caption) {
        // The platform has no caption: the file goes first, then the text as its own reply (each sent once).
        this.send({ attachments: files }, button, error, () => picker.clear()).then((sent) => {
          if (sent) this.send({ text }, button, error, clearText);
        });
        return;
      }
      const body = files.length ? { attachments: files, ...(text.trim() ? { text } : {}) } : { text };
      this.send(body, button, error, () => {
        clearText();
        if (picker) picker.clear();
      });
    });
    this.textarea = area;
    return form;
  }

  templateForm(win) {
    const templates = Array.isArray(win.templates) ? win.templates : [];
    const error = this.errorEl;
    const button = h("button", { type: "submit", class: "primary", id: "send-template" }, icon("send"), " Send template");
    const params = h("div", { class: "template-params-inputs" });
    const fields = [];
    let chooser;
    const drawParams = (count) => {
      params.replaceChildren();
      for (let i = 0; i < count; i += 1) {
        const id = `template-param-${i + 1}`;
        params.append(h("label", { for: id }, `Parameter {{${i + 1}}}`), h("input", { id, name: id, type: "text", required: true, maxlength: 1024 }));
      }
    };
    if (templates.length) {
      chooser = h("select", { id: "template-name", name: "template", required: true },
        templates.map((tpl, i) => h("option", { value: String(i) }, `${tpl.name} (${tpl.language})${tpl.param_count ? ` · ${tpl.param_count} parameter${tpl.param_count > 1 ? "s" : ""}` : ""}`)));
      chooser.addEventListener("change", () => drawParams(templates[Number(chooser.value)].param_count || 0));
      fields.push(h("label", { for: "template-name" }, "Approved template"), chooser);
      drawParams(templates[0].param_count || 0);
    } else {
      fields.push(
        h("p", { class: "muted small" }, `No approved templates are listed for this inbox: ${channelInfo(this.thread.channel).template_help}`),
        h("label", { for: "template-free-name" }, "Template name"), h("input", { id: "template-free-name", required: true, maxlength: 512 }),
        h("label", { for: "template-free-language" }, "Language code"), h("input", { id: "template-free-language", required: true, maxlength: 20, placeholder: "en_US" }));
      const count = h("input", { id: "template-free-count", type: "number", min: 0, max: 20, value: 0 });
      count.addEventListener("change", () => drawParams(Math.max(0, Math.min(20, Number(count.value) || 0))));
      fields.push(h("label", { for: "template-free-count" }, "Parameters"), count);
    }
    const preview = h("p", { class: "template-preview", id: "template-preview", "aria-live": "polite" });
    const cost = h("p", { class: "template-cost small", id: "template-cost" });
    const details = new Map(); // "name|language" -> the listing's entry (body, category, cost)
    const current = () => {
      if (!chooser) return null;
      const tpl = templates[Number(chooser.value)];
      return { ...tpl, ...(details.get(`${tpl.name}|${tpl.language}`) || {}) };
    };
    const redraw = () => {
      const tpl = current();
      const values = Array.from(params.querySelectorAll("input"), (input) => input.value);
      if (!tpl) {
        preview.replaceChildren();
        cost.replaceChildren();
        return;
      }
      replace(preview, h("span", { class: "muted small" }, "The customer will read: "), templatePreview(tpl, values));
      replace(cost, costText(tpl.cost));
    };
    chooser && chooser.addEventListener("change", redraw);
    params.addEventListener("input", redraw);
    if (chooser) {
      api.templateListing(this.thread.channel).then((listing) => {
        for (const t of listing.templates || []) details.set(`${t.name}|${t.language}`, t);
        redraw();
      }).catch(() => redraw());
    }
    const form = h("form", { class: "template-form", "aria-label": "Send a template" },
      h("fieldset", {}, h("legend", {}, "Send an approved template"), fields, params, preview, cost), h("div", { class: "composer-foot" }, button));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = Array.from(params.querySelectorAll("input"), (input) => input.value);
      let template;
      if (chooser) {
        const tpl = templates[Number(chooser.value)];
        template = { name: tpl.name, language: tpl.language, params: values };
      } else {
        template = { name: form.querySelector("#template-free-name").value.trim(), language: form.querySelector("#template-free-language").value.trim(), params: values };
      }
      this.send({ template }, button, error, () => params.querySelectorAll("input").forEach((input) => { input.value = ""; }));
    });
    return form;
  }

  /** Remember what the screen showed when a reply was begun (the API holds it if the thread moved on since). */
  noteBasis(text) {
    const id = this.thread.id;
    if (!text) this.basedOn.delete(id);
    else if (!this.basedOn.has(id)) this.basedOn.set(id, newestId(this.thread));
  }

  /** The new messages a held reply was not written against, with "Send anyway" and "Edit first" (null hides it). */
  showChanged(news, resend) {
    if (!news) {
      this.changedEl.hidden = true;
      this.changedEl.replaceChildren();
      return;
    }
    const who = (m) => (m.direction === "in" ? (this.thread.customer && this.thread.customer.name) || "The customer" : actorName(m.sent_by) || "A colleague");
    const anyway = h("button", { type: "button", class: "primary", id: "send-anyway" }, icon("send"), " Send anyway");
    const edit = h("button", { type: "button", id: "edit-first" }, "Edit first");
    anyway.addEventListener("click", () => {
      this.showChanged(null);
      resend();
    });
    edit.addEventListener("click", () => {
      this.basedOn.set(this.thread.id, news[news.length - 1].id);
      this.showChanged(null);
      this.focus();
    });
    replace(this.changedEl,
      h("p", {}, icon("alert"), ` While you were writing, ${news.length === 1 ? "a new message arrived" : `${news.length} new messages arrived`}. Your reply was not sent.`),
      h("ol", { class: "changed-list" }, news.map((m) => h("li", { "data-message": m.id || "" },
        h("strong", {}, customerText(who(m))), ": ", m.text ? customerText(m.text) : h("em", {}, m.kind || "a message")))),
      h("div", { class: "form-actions" }, edit, anyway));
    this.changedEl.hidden = false;
    anyway.focus();
  }

  /** Send once (resolves to whether it went out): the button is disabled while in flight and the key is
   * reused on a retry of the same reply. */
  async send(body, button, error, clear, confirm = false) {
    if (this.inFlight) return false;
    const threadId = this.thread.id;
    const sig = JSON.stringify([threadId, body]);
    if (!this.pending || this.pending.sig !== sig) this.pending = { key: newIdempotencyKey(), sig };
    const key = this.pending.key;
    this.inFlight = true;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    showError(error, null);
    say("Sending…");
    try {
      const basis = this.basedOn.get(threadId) || newestId(this.thread);
      const result = await api.reply(threadId, { ...body, ...(basis ? { based_on: basis } : {}), ...(confirm ? { confirm: true } : {}) }, key);
      this.pending = null;
      clear();
      say("Reply sent.");
      this.onSent(result);
      return true;
    } catch (err) {
      if (KEY_SPENT.has(err.code)) this.pending = null;
      if (err.code === "thread_changed" && Array.isArray(err.details.new) && err.details.new.length) {
        say("The reply was held: new messages arrived while you were writing.");
        this.showChanged(err.details.new, () => this.send(body, button, error, clear, true));
        return false;
      }
      showError(error, err);
      say("The reply was not sent.");
      if (err.code === "window_closed") this.onSent(null);
      return false;
    } finally {
      this.inFlight = false;
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}
