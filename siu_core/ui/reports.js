// The reports page: how fast the team answers, how much comes in, the SLA, per day, team and person.
// Charts are drawn by Chart.js (vendored as chartjs.js, MIT), loaded only when this page opens. Each
// chart is readable without colour: lines differ by dash and point shape, bars carry their numbers
// in their labels, and every chart has its figures as a table under it.

import { api } from "./api.js";
import { busyWhile, h, replace } from "./dom.js";
import { explain } from "./feedback.js";

const INK = "#1f2933";
const LINES = [
  { color: "#1d4ed8", dash: [], point: "circle" },
  { color: "#b45309", dash: [8, 4], point: "rect" },
  { color: "#047857", dash: [2, 3], point: "triangle" },
];

let chartLib = null;

/** Chart.js, loaded on first use (its UMD build sets window.Chart). */
async function charts() {
  if (!chartLib) {
    await import("./chartjs.js");
    chartLib = window.Chart;
    chartLib.defaults.color = INK;
    chartLib.defaults.font.family = "system-ui, sans-serif";
    chartLib.defaults.animation = false;
  }
  return chartLib;
}

/** Seconds as "1h 05m" (minutes under an hour, days past a day); a dash for nothing. */
export function minutes(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const total = Math.round(seconds / 60);
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const mins = total % 60;
  if (days) return `${days}d ${hours}h`;
  if (hours) return `${hours}h ${String(mins).padStart(2, "0")}m`;
  return `${mins}m`;
}

function percent(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

function toMinutes(seconds) {
  return seconds === null || seconds === undefined ? null : Math.round(seconds / 6) / 10;
}

function dataTable(caption, head, rows) {
  return h("details", { class: "chart-table" },
    h("summary", {}, "Show as a table"),
    h("table", { class: "table" },
      h("caption", { class: "sr-only" }, caption),
      h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", { class: "num" }, c))))))));
}

function figure(id, title, description) {
  const canvas = h("canvas", { id, role: "img", "aria-label": `${title}: ${description}` });
  return { canvas, node: h("figure", { class: "chart", "data-chart": id }, h("figcaption", {}, title), h("div", { class: "chart-box" }, canvas)) };
}

export class ReportsPage {
  constructor(root) {
    this.root = root;
    this.charts = [];
    // Empty until the first answer: the API picks the last seven days in the business's time zone.
    this.params = {};
  }

  /** Draw the controls and load the figures for the chosen range and scope. */
  async show(me) {
    this.me = me;
    const scopes = me.role === "admin"
      ? [["", "Everyone"], ...(me.all_teams || []).map((t) => [`team:${t}`, `Team ${t}`])]
      : [["", "Just me"], ...(me.teams || []).map((t) => [`team:${t}`, `Team ${t}`])];
    this.form = h("form", { class: "report-controls", onsubmit: (e) => { e.preventDefault(); this.load(); } },
      h("label", {}, "From ", h("input", { type: "date", name: "from", value: this.params.from || "" })),
      h("label", {}, "To ", h("input", { type: "date", name: "to", value: this.params.to || "" })),
      h("label", {}, "Scope ", h("select", { name: "scope" }, scopes.map(([v, l]) => h("option", { value: v }, l)))),
      h("label", {}, "Channel ", h("select", { name: "channel" }, h("option", { value: "" }, "All channels"))),
      h("button", { type: "submit", class: "primary" }, "Show"),
      h("button", { type: "button", onclick: (e) => this.download(e.currentTarget, "daily") }, "CSV: per day"),
      h("button", { type: "button", onclick: (e) => this.download(e.currentTarget, "threads") }, "CSV: threads"));
    this.body = h("div", { class: "report-body" });
    replace(this.root, h("h1", { class: "pane-title", id: "reports-title" }, "Reports"), this.form, this.body);
    await this.load();
  }

  query() {
    const data = new FormData(this.form);
    const params = {};
    for (const key of ["from", "to"]) if (data.get(key)) params[key] = String(data.get(key));
    const scope = String(data.get("scope") || "");
    if (scope.startsWith("team:")) params.team = scope.slice(5);
    if (data.get("channel")) params.channel = String(data.get("channel"));
    this.params = params;
    return params;
  }

  /** The channel filter offers every channel seen so far (the one chosen stays chosen). */
  offerChannels(seen) {
    const select = this.form.elements.channel;
    const known = new Set(Array.from(select.options, (o) => o.value));
    for (const name of seen.filter((c) => c !== "(none)").sort()) {
      if (!known.has(name)) select.append(h("option", { value: name }, name));
    }
  }

  async download(button, name) {
    await busyWhile(button, (async () => {
      try {
        const blob = await api.reportCsv(name, this.query());
        const url = URL.createObjectURL(blob);
        const link = h("a", { href: url, download: `siu-${name}_${this.params.from}_${this.params.to}.csv`, hidden: true });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      } catch (err) {
        replace(this.body, h("p", { class: "error", role: "alert" }, explain(err)));
      }
    })());
  }

  async load() {
    const params = this.query();
    replace(this.body, h("p", { class: "muted", role: "status" }, "Loading the figures…"));
    let summary, daily, volume, people;
    try {
      [summary, daily, volume, people] = await Promise.all(
        ["summary", "daily", "volume", "teammates"].map((name) => api.report(name, params)));
    } catch (err) {
      replace(this.body, h("p", { class: "error", role: "alert" }, explain(err)));
      return;
    }
    this.destroy();
    this.params = { ...params, from: summary.from, to: summary.to };
    this.form.elements.from.value = summary.from;
    this.form.elements.to.value = summary.to;
    this.offerChannels(volume.rows.filter((r) => r.dimension === "channel").map((r) => r.value));
    const total = summary.rows[0];
    const cards = [
      ["First response (median, working time)", minutes(total.first_response_working_median_s)],
      ["First response (90th percentile, working)", minutes(total.first_response_working_p90_s)],
      ["First response (median, wall clock)", minutes(total.first_response_median_s)],
      ["Resolution (median, working time)", minutes(total.resolution_working_median_s)],
      ["SLA met", `${percent(total.sla_attainment)} (${total.sla_met} of ${total.first_responses})`],
      ["SLA breaches", String(total.sla_breached)],
      ["New threads", String(total.opened)],
      ["Reopen rate", percent(total.reopen_rate)],
    ];
    const trend = figure("chart-response", "First response time per day (minutes of working time)",
      "median as a solid line with circles, 90th percentile as a dashed line with squares");
    const load = figure("chart-volume-day", "Threads per day", "new threads as bars labelled with their count, reopened as a dotted line with triangles");
    const channels = figure("chart-channels", "New threads by channel", "one bar per channel, its count in its label");
    const topics = figure("chart-topics", "New threads by topic", "one bar per topic, its count in its label");
    const team = figure("chart-people", "First response per teammate (median, working minutes)", "one bar per teammate, the time in its label");
    const days = daily.rows.map((r) => r.day);
    const byDim = (dim) => volume.rows.filter((r) => r.dimension === dim);
    replace(this.body,
      h("p", { class: "muted small" }, `${summary.from} to ${summary.to}, days in ${summary.time_zone}.`),
      h("ul", { class: "report-cards" }, cards.map(([label, value]) => h("li", {}, h("span", { class: "muted small block" }, label), h("strong", {}, value)))),
      h("div", { class: "report-grid" },
        h("div", {}, trend.node, dataTable("First response per day", ["Day", "Median", "90th percentile", "Met SLA"],
          daily.rows.map((r) => [r.day, minutes(r.first_response_working_median_s), minutes(r.first_response_working_p90_s), percent(r.sla_attainment)]))),
        h("div", {}, load.node, dataTable("Threads per day", ["Day", "New", "Reopened", "Closed"],
          daily.rows.map((r) => [r.day, r.opened, r.reopened, r.closed]))),
        h("div", {}, channels.node, dataTable("By channel", ["Channel", "Threads"], byDim("channel").map((r) => [r.value, r.threads]))),
        h("div", {}, topics.node, dataTable("By topic", ["Topic", "Threads"], byDim("topic").map((r) => [r.value, r.threads]))),
        h("div", {}, team.node, dataTable("Per teammate", ["Teammate", "First responses", "Median", "Met SLA"],
          people.rows.map((r) => [r.teammate, r.first_responses, minutes(r.first_response_working_median_s), percent(r.sla_attainment)])))));
    const Chart = await charts();
    this.charts = [
      this.lines(Chart, trend.canvas, days, [
        ["Median", daily.rows.map((r) => toMinutes(r.first_response_working_median_s))],
        ["90th percentile", daily.rows.map((r) => toMinutes(r.first_response_working_p90_s))],
      ], "minutes"),
      this.dayLoad(Chart, load.canvas, days, daily.rows),
      this.bars(Chart, channels.canvas, byDim("channel").map((r) => [r.value, r.threads]), (v) => String(v)),
      this.bars(Chart, topics.canvas, byDim("topic").map((r) => [r.value, r.threads]), (v) => String(v)),
      this.bars(Chart, team.canvas, people.rows.map((r) => [r.teammate, toMinutes(r.first_response_working_median_s) ?? 0]), (v) => `${v} min`),
    ];
  }

  lines(Chart, canvas, labels, series, unit) {
    return new Chart(canvas, {
      type: "line",
      data: {
        labels,
        datasets: series.map(([label, data], i) => ({
          label, data, borderColor: LINES[i].color, backgroundColor: LINES[i].color, borderDash: LINES[i].dash,
          pointStyle: LINES[i].point, pointRadius: 5, spanGaps: true,
        })),
      },
      options: {
        maintainAspectRatio: false,
        plugins: { legend: { labels: { usePointStyle: true } } },
        scales: { y: { beginAtZero: true, title: { display: true, text: unit } } },
      },
    });
  }

  dayLoad(Chart, canvas, labels, rows) {
    return new Chart(canvas, {
      data: {
        labels,
        datasets: [
          { type: "bar", label: "New", data: rows.map((r) => r.opened), backgroundColor: "#93c5fd", borderColor: LINES[0].color, borderWidth: 1 },
          { type: "line", label: "Reopened", data: rows.map((r) => r.reopened), borderColor: LINES[2].color,
            backgroundColor: LINES[2].color, borderDash: LINES[2].dash, pointStyle: LINES[2].point, pointRadius: 5 },
        ],
      },
      options: {
        maintainAspectRatio: false,
        plugins: { legend: { labels: { usePointStyle: true } } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  bars(Chart, canvas, pairs, show) {
    // The value is part of each bar's label, so nothing depends on reading a colour or a length.
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: pairs.map(([name, value]) => `${name} (${show(value)})`),
        datasets: [{ label: "", data: pairs.map(([, value]) => value), backgroundColor: "#93c5fd", borderColor: LINES[0].color, borderWidth: 1 }],
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true } },
      },
    });
  }

  /** Free the charts (leaving the page, or drawing new ones). */
  destroy() {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
  }
}
