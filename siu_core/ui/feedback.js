// Telling the teammate what happened: a polite status line, plain error boxes, a confirm dialog.

import { h, icon, replace } from "./dom.js";

let statusTimer = null;

/** Announce something that went well (or is under way) in the status region, briefly. */
export function say(text) {
  const region = document.getElementById("status");
  if (!region) return;
  replace(region, text);
  region.hidden = false;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => {
    region.hidden = true;
    region.replaceChildren();
  }, 5000);
}

/** What an API error means for the teammate, in words (the API's own message, plus what to do). */
export function explain(err) {
  if (!err) return "";
  const message = err.message || String(err);
  switch (err.status) {
    case 0:
      return message;
    case 403:
      return `Not allowed: ${message}`;
    case 404:
      return `Not found: ${message}`;
    case 409:
      return message;
    case 422:
      return problems(err) || `Not accepted: ${message}`;
    case 429:
      return `${message}. Try again${err.retryAfter ? ` in ${err.retryAfter} s` : " shortly"}.`;
    case 502:
      return `The platform refused it: ${message}`;
    case 503:
      return `${message}${err.retryAfter ? ` (try again in ${err.retryAfter} s)` : ""}`;
    default:
      return err.status >= 500 ? `The inbox failed: ${message}` : message;
  }
}

function problems(err) {
  const list = err.details && Array.isArray(err.details.problems) ? err.details.problems : [];
  if (list.length <= 1) return "";
  return `Not accepted: ${list.map((p) => `${p.field}: ${p.problem}`).join("; ")}`;
}

/** Show an error (or clear the box with null) in an element that has role="alert". */
export function showError(box, err) {
  if (!box) return;
  if (!err) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  replace(box, icon("alert"), " ", explain(err));
  box.dataset.code = err.code || "";
  box.hidden = false;
}

/** An empty error box, announced when filled. */
export function errorBox(extraClass = "") {
  return h("p", { class: `error ${extraClass}`.trim(), role: "alert", hidden: true });
}

/** Ask before something that cannot be undone; resolves true when confirmed. */
export function confirmDialog(title, text, confirmLabel) {
  return new Promise((resolve) => {
    const yes = h("button", { type: "submit", class: "primary", value: "yes" }, confirmLabel);
    const no = h("button", { type: "submit", value: "no" }, "Cancel");
    const titleId = `confirm-title-${Date.now()}`;
    const dialog = h("dialog", { class: "dialog", "aria-labelledby": titleId },
      h("form", { method: "dialog" },
        h("h2", { id: titleId }, title),
        h("p", {}, text),
        h("div", { class: "dialog-actions" }, no, yes)));
    const opener = document.activeElement;
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
    yes.focus();
  });
}
