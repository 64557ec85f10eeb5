// Times that move on their own ("5 min ago", "due in 20 min") without fetching anything again, and the
// pace of the polls that do fetch: fast while things change or the teammate is working, stretching to
// POLL_IDLE_SECONDS while nothing changes and nobody touches the page, since an idle tab's polls were
// most of the bill of a shop with no messages. siu_core/deploy/cost.py counts the same schedule
// (tests/test_cost.py checks the two agree).

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

/** Seconds between polls after a change, a click or a key (and at the start). */
export const POLL_FAST_SECONDS = 4;
/** The longest wait while nothing changes and nobody uses the page. */
export const POLL_IDLE_SECONDS = 30;
/** Each poll that finds nothing new waits this many times longer than the last, up to POLL_IDLE_SECONDS. */
export const POLL_GROWTH = 1.5;

/** The wait before the next poll: back to the fast pace after a change, else a little longer. */
export function nextPollSeconds(current, changed) {
  if (changed) return POLL_FAST_SECONDS;
  return Math.min(POLL_IDLE_SECONDS, Math.max(POLL_FAST_SECONDS, current) * POLL_GROWTH);
}
