// Times that move on their own ("5 min ago", "due in 20 min") without fetching anything again.

import { h, icon } from "./dom.js";
import { due, fullTime, since } from "./format.js";

/** "5 min ago" for an API timestamp, kept current by tick(). */
export function sinceEl(iso, prefix = "") {
  return h("time", { class: "since", datetime: iso || "", title: fullTime(iso), "data-since": iso || "", "data-prefix": prefix },
    `${prefix}${since(iso)}`);
}

/** The first-response target of a thread: due, overdue (stands out), answered or breached. */
export function slaEl(sla) {
  if (!sla) return null;
  if (sla.answered) return h("span", { class: "tag tag-ok" }, icon("check"), " answered");
  if (!sla.due_at) {
    return sla.breached ? h("span", { class: "tag tag-overdue", "data-overdue": "true" }, icon("alert"), " SLA breached") : null;
  }
  const state = due(sla.due_at);
  const overdue = state.overdue || sla.breached;
  return h("span", { class: `tag ${overdue ? "tag-overdue" : "tag-due"}`, "data-due": sla.due_at, "data-overdue": String(overdue), title: `First response due ${fullTime(sla.due_at)}` },
    icon(overdue ? "alert" : "clock"), h("span", { class: "due-text" }, ` ${state.text}`));
}

/** Bring every moving time under ``root`` up to date. */
export function tick(root = document) {
  const now = Date.now();
  for (const el of root.querySelectorAll("[data-since]")) {
    el.textContent = `${el.dataset.prefix || ""}${since(el.dataset.since, now)}`;
  }
  for (const el of root.querySelectorAll("[data-due]")) {
    const state = due(el.dataset.due, now);
    const overdue = state.overdue || el.dataset.overdue === "true";
    el.classList.toggle("tag-overdue", overdue);
    el.classList.toggle("tag-due", !overdue);
    const text = el.querySelector(".due-text");
    if (text) text.textContent = ` ${state.text}`;
  }
}
