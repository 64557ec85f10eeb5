// The admin's roster editor: teams, working hours with their time zone, status, backup, capacity, role.

import { api } from "./api.js";
import { busyWhile, h, replace } from "./dom.js";
import { errorBox, explain, say, showError } from "./feedback.js";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_NAMES = { mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat", sun: "Sun" };
const HHMM = "^(?:[01]\\d|2[0-3]):[0-5]\\d$|^24:00$";

function hoursText(entry) {
  const wh = entry.working_hours;
  if (!wh) return "default hours";
  const days = wh.days && wh.days.length === 7 ? "every day" : (wh.days || []).map((d) => DAY_NAMES[d] || d).join(" ");
  return `${days} ${wh.start}–${wh.end}${wh.time_zone && wh.time_zone !== entry.time_zone ? ` (${wh.time_zone})` : ""}`;
}

function zones() {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC"];
  }
}

export class RosterEditor {
  constructor(root) {
    this.root = root;
    this.roster = [];
    this.teams = [];
    this.editing = null;
  }

  /** Load the roster and draw the table (the editor keeps its form open across calls). */
  async show(me) {
    this.me = me;
    replace(this.root, h("h1", { class: "pane-title", id: "roster-title" }, "Roster"), h("p", { class: "muted", role: "status" }, "Loading the roster…"));
    try {
      this.roster = (await api.roster()).roster || [];
    } catch (err) {
      replace(this.root, h("h1", { class: "pane-title" }, "Roster"), h("p", { class: "error", role: "alert" }, explain(err)));
      return;
    }
    const teams = new Set([...(me.all_teams || []), ...(me.teams || [])]);
    this.roster.forEach((p) => (p.teams || []).forEach((t) => teams.add(t)));
    this.teams = Array.from(teams).sort();
    this.draw();
  }

  draw() {
    const rows = this.roster.map((p) => h("tr", { "data-id": p.id },
      h("th", { scope: "row" }, p.name, h("span", { class: "muted small block" }, `${p.id}${p.role === "admin" ? " · admin" : ""}${p.active === false ? " · deactivated" : ""}`)),
      h("td", {}, (p.teams || []).join(", ")),
      h("td", {}, h("span", { class: `tag tag-person-${p.status}` }, p.status)),
      h("td", {}, hoursText(p)),
      h("td", {}, p.time_zone),
      h("td", {}, p.backup || "—"),
      h("td", { class: "num" }, `${p.open_threads ?? 0} / ${p.capacity}`),
      h("td", {}, h("button", { type: "button", class: "small", "aria-label": `Edit ${p.name}`, onclick: () => this.edit(p) }, "Edit"))));
    this.formSlot = h("div", { class: "roster-form-slot" });
    replace(this.root,
      h("div", { class: "pane-head" },
        h("h1", { class: "pane-title", id: "roster-title" }, "Roster"),
        h("button", { type: "button", class: "primary", id: "add-teammate", onclick: () => this.edit(null) }, "Add teammate")),
      h("p", { class: "muted" }, "Who takes threads: routing sends a thread to teammates of its team who are available, inside their working hours and below capacity."),
      h("div", { class: "table-wrap" },
        h("table", { class: "roster", "aria-labelledby": "roster-title" },
          h("thead", {}, h("tr", {}, ["Teammate", "Teams", "Status", "Working hours", "Time zone", "Backup", "Open / capacity", ""].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, rows))),
      this.formSlot);
  }

  /** The form for one teammate (null: a new one). */
  edit(entry) {
    const isNew = entry === null;
    const p = entry || { id: "", name: "", teams: [], status: "available", time_zone: (this.me && this.me.time_zone) || "UTC", capacity: 25, role: "agent", active: true, backup: null, working_hours: null };
    const field = (id, label, input, hint) => h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("span", { class: "muted small block", id: `${id}-hint` }, hint) : null);
    const idInput = h("input", { id: "tm-id", required: true, pattern: "[A-Za-z0-9_.@+\\-]+", maxlength: 128, value: p.id, readonly: !isNew || null, autocomplete: "off" });
    const name = h("input", { id: "tm-name", required: true, maxlength: 200, value: p.name, autocomplete: "off" });
    const role = h("select", { id: "tm-role" }, h("option", { value: "agent" }, "agent"), h("option", { value: "admin" }, "admin"));
    role.value = p.role || "agent";
    const active = h("input", { type: "checkbox", id: "tm-active", checked: p.active === false ? null : true });
    const status = h("select", { id: "tm-status" }, ["available", "away", "off"].map((s) => h("option", { value: s }, s)));
    status.value = p.status;
    const teamBoxes = this.teams.map((t) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "team", value: t, checked: (p.teams || []).includes(t) || null }), ` ${t}`));
    const zoneList = h("datalist", { id: "tz-list" }, zones().map((z) => h("option", { value: z })));
    const zone = h("input", { id: "tm-zone", required: true, value: p.time_zone, list: "tz-list", autocomplete: "off" });
    const capacity = h("input", { id: "tm-capacity", type: "number", min: 1, max: 10000, required: true, value: p.capacity });
    const backup = h("select", { id: "tm-backup" }, h("option", { value: "" }, "none"),
      this.roster.filter((o) => o.id !== p.id).map((o) => h("option", { value: o.id }, `${o.name} (${o.id})`)));
    backup.value = p.backup || "";
    const wh = p.working_hours;
    const ownHours = h("input", { type: "checkbox", id: "tm-own-hours", checked: wh ? true : null });
    const dayBoxes = DAYS.map((d) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "day", value: d, checked: (wh ? wh.days : DAYS.slice(0, 5)).includes(d) || null }), ` ${DAY_NAMES[d]}`));
    const start = h("input", { id: "tm-start", value: wh ? wh.start : "09:00", pattern: HHMM, inputmode: "numeric", size: 5, "aria-describedby": "tm-hours-hint" });
    const end = h("input", { id: "tm-end", value: wh ? wh.end : "18:00", pattern: HHMM, inputmode: "numeric", size: 5, "aria-describedby": "tm-hours-hint" });
    const hoursZone = h("input", { id: "tm-hours-zone", value: (wh && wh.time_zone) || "", list: "tz-list", autocomplete: "off" });
    const hours = h("fieldset", { class: "hours" },
      h("legend", {}, "Working hours"),
      h("label", { class: "check" }, ownHours, " Own working hours (otherwise the shop's default hours)"),
      h("div", { class: "hours-detail" },
        h("div", { class: "days", role: "group", "aria-label": "Days" }, dayBoxes),
        field("tm-start", "Start", start), field("tm-end", "End", end),
        field("tm-hours-zone", "Hours' time zone (if not theirs)", hoursZone),
        h("p", { class: "muted small", id: "tm-hours-hint" }, "24-hour HH:MM; an end before the start is an overnight shift; 00:00–24:00 is all day.")));
    const syncHours = () => hours.querySelector(".hours-detail").toggleAttribute("hidden", !ownHours.checked);
    ownHours.addEventListener("change", syncHours);
    syncHours();
    const error = errorBox();
    const save = h("button", { type: "submit", class: "primary", id: "save-teammate" }, isNew ? "Add teammate" : "Save changes");
    const title = isNew ? "Add a teammate" : `Edit ${p.name}`;
    const form = h("form", { class: "roster-form", "aria-labelledby": "tm-form-title", novalidate: true },
      h("h2", { id: "tm-form-title" }, title),
      h("div", { class: "grid" },
        field("tm-id", "Id", idInput, isNew ? "Letters, digits and . _ @ + -; used in tokens and audit rows." : "Ids never change."),
        field("tm-name", "Name", name),
        field("tm-role", "Role", role),
        field("tm-status", "Status", status, "away: not routed to until back; off: cannot take threads."),
        field("tm-zone", "Time zone", zone),
        field("tm-capacity", "Capacity (open threads at most)", capacity),
        field("tm-backup", "Backup", backup, "Takes their threads that break the SLA.")),
      h("label", { class: "check" }, active, " Active (unticked: signed out everywhere, no new threads, history kept)"),
      h("fieldset", { class: "teams" }, h("legend", {}, "Teams"), teamBoxes),
      hours, zoneList,
      h("div", { class: "form-actions" },
        isNew ? null : h("button", { type: "button", id: "sign-out-teammate", onclick: (e) => this.signOut(p, e.currentTarget, error) }, "Sign out everywhere"),
        h("button", { type: "button", onclick: () => this.closeForm() }, "Cancel"), save),
      error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {
        name: name.value.trim(),
        role: role.value,
        active: active.checked,
        status: status.value,
        time_zone: zone.value.trim(),
        capacity: Number(capacity.value),
        backup: backup.value || null,
        teams: Array.from(form.querySelectorAll('input[name="team"]:checked'), (b) => b.value),
        working_hours: ownHours.checked
          ? { days: Array.from(form.querySelectorAll('input[name="day"]:checked'), (b) => b.value), start: start.value.trim(), end: end.value.trim(), time_zone: hoursZone.value.trim() || null }
          : null,
      };
      const id = idInput.value.trim();
      if (!id) {
        showError(error, { status: 422, message: "Give the teammate an id." });
        idInput.focus();
        return;
      }
      try {
        const result = await busyWhile(save, api.putTeammate(id, body));
        say(result.changed ? `Saved ${body.name}.` : "Nothing changed.");
        this.editing = null;
        await this.show(this.me);
        const row = this.root.querySelector(`tr[data-id="${CSS.escape(id)}"] button`);
        if (row) row.focus();
      } catch (err) {
        showError(error, err);
        error.focus && error.setAttribute("tabindex", "-1");
        error.focus();
      }
    });
    this.editing = p.id;
    replace(this.formSlot, form);
    form.scrollIntoView({ block: "nearest" });
    (isNew ? idInput : name).focus();
  }

  /** End every session a teammate holds: their links stop working at once; they need a new one. */
  async signOut(p, button, error) {
    try {
      await busyWhile(button, api.signOutEverywhere(p.id));
      say(`${p.name} is signed out everywhere; send them a new link when they should come back.`);
    } catch (err) {
      showError(error, err);
    }
  }

  closeForm() {
    this.editing = null;
    this.formSlot.replaceChildren();
    const add = document.getElementById("add-teammate");
    if (add) add.focus();
  }
}
