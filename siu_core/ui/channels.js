// The channels as the inbox shows them: names, icons, colours and reply-window wording. All of it comes
// from the channel plugins (GET /api/me -> channels), so no module of this page names a platform and a
// third-party channel looks at home without a change here.

import { drawIcon, icon } from "./dom.js";

let installed = Object.freeze({});

/** Take the installed channels' display data (read once, from /api/me): every view reads it from here. */
export function setChannels(channels) {
  installed = Object.freeze({ ...(channels && typeof channels === "object" ? channels : {}) });
}

/** A channel's display data; one this inbox no longer has (its plugin removed) gets generic wording. */
export function channelInfo(channel) {
  const info = Object.prototype.hasOwnProperty.call(installed, channel) ? installed[channel] : null;
  if (info) return info;
  const name = String(channel || "unknown channel");
  return {
    name,
    accent_color: null,
    icon: { outline: [], solid: [] },
    window_name: "reply window",
    template_only_note: `${name} only accepts an approved template until the customer writes again.`,
    template_help: "type the name and language of a template the platform approved.",
    human_agent_note: "answer the customer yourself; no promotions or automated messages.",
  };
}

/** The channel's name as teammates know it. */
export function channelName(channel) {
  return channelInfo(channel).name;
}

/** The channel and the business account a thread came in on, e.g. "Chat app · Support". */
export function channelLabel(t) {
  const name = t && t.account && t.account.name;
  return name ? `${channelName(t.channel)} · ${name}` : channelName(t && t.channel);
}

/** The channel's icon in its colour; with a label it is announced (the channel's name), without one it is decoration. */
export function channelIcon(channel, label = "") {
  const info = channelInfo(channel);
  const drawing = info.icon || {};
  const parts = [
    ...(drawing.outline || []).map((d) => ["path", { d }]),
    ...(drawing.solid || []).map((d) => ["path", { d, fill: "currentColor" }]),
  ];
  const svg = parts.length ? drawIcon("icon icon-channel", parts, label) : icon("chat", label);
  if (info.accent_color) svg.style.color = info.accent_color; // CSSOM, which the page's CSP allows
  return svg;
}
