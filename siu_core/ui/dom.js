// Building the page safely: every string becomes a text node or a plain attribute, never markup.
// Customers' words are untrusted; nothing in this UI ever assigns innerHTML.

const SVG_NS = "http://www.w3.org/2000/svg";
const FORBIDDEN_ATTRS = new Set(["style", "srcdoc", "formaction"]);

/** Make an element: attrs are attributes (functions under "on…" are listeners), children are nodes or text. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) {
      if (typeof value !== "function") throw new TypeError(`${key} must be a function`);
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "value" && "value" in el) {
      el.value = String(value);
    } else if (FORBIDDEN_ATTRS.has(key)) {
      throw new TypeError(`attribute ${key} is not allowed`);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Append nodes or text (arrays are flattened; null and false are skipped). */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace an element's content. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// Customers write what they like, bidi controls included: U+202E (right-to-left override) in a name
// would otherwise reverse the text after it too, so one name or message could show as another.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/** Customer-provided text as an isolate (``<bdi dir="auto">``): nothing inside can reorder what is around it. */
export function customerText(text, className = "") {
  return h("bdi", { dir: "auto", class: className ? `ct ${className}` : "ct" }, text === null || text === undefined ? "" : String(text));
}

/** Customer-provided text inside a plain string (dialogs, status lines): wrapped in FSI…PDI, its own
 * embedding, override and isolate controls dropped so it cannot close the isolate early. */
export function isolated(text) {
  return `\u2068${String(text === null || text === undefined ? "" : text).replace(BIDI_CONTROLS, "")}\u2069`;
}

/** Text visible only to screen readers. */
export function srOnly(text) {
  return h("span", { class: "sr-only" }, text);
}

// Icons: our own simple 24x24 line drawings. The channels' icons come from their plugins (channels.js).
const ICONS = {
  chat: [["path", { d: "M4 5h16v11H9l-5 4z" }]],
  check: [["path", { d: "M5 12.5l4.5 4.5L19 7.5" }]],
  checks: [["path", { d: "M2.5 12.5l4.5 4.5 9.5-9.5 M11.5 16.5l.5.5 9.5-9.5" }]],
  clock: [["circle", { cx: 12, cy: 12, r: 8.5 }], ["path", { d: "M12 7.5V12l3 2" }]],
  alert: [["path", { d: "M12 3.5 2.5 20h19z M12 10v4.5 M12 17.2v.3" }]],
  trash: [["path", { d: "M4 7h16 M9 7V4h6v3 M6 7l1 13h10l1-13" }]],
  clip: [["path", { d: "M20 11.5l-8 8a5 5 0 0 1-7-7l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7L10 16.9a1.7 1.7 0 0 1-2.4-2.4l7.5-7.5" }]],
  reply: [["path", { d: "M9 7 4 12l5 5 M4 12h10a6 6 0 0 1 6 6v1" }]],
  phone: [["rect", { x: 7, y: 2.5, width: 10, height: 19, rx: 2 }], ["path", { d: "M11 18.5h2" }]],
  user: [["circle", { cx: 12, cy: 8, r: 4 }], ["path", { d: "M4 21a8 8 0 0 1 16 0" }]],
  inbox: [["path", { d: "M3 13h5l1.5 3h5l1.5-3h5 M5 5h14l2 8v6H3v-6z" }]],
  shield: [["path", { d: "M12 3l8 3v6c0 4.5-3.5 8-8 9-4.5-1-8-4.5-8-9V6z" }]],
  close: [["path", { d: "M6 6l12 12 M18 6 6 18" }]],
  send: [["path", { d: "M4 20 21 12 4 4l2.5 8z M6.5 12H13" }]],
  keyboard: [["rect", { x: 2.5, y: 6, width: 19, height: 12, rx: 2 }], ["path", { d: "M6 10h1 M9.5 10h1 M13 10h1 M16.5 10h1 M7 14h10" }]],
  lock: [["rect", { x: 5, y: 10.5, width: 14, height: 10, rx: 2 }], ["path", { d: "M8 10.5V7a4 4 0 0 1 8 0v3.5" }]],
  bell: [["path", { d: "M6 16V11a6 6 0 0 1 12 0v5l1.5 2h-15z M10 20.5a2 2 0 0 0 4 0" }]],
};

/** An inline SVG icon; with a label it is announced ("Attach a file"), without one it is decoration. */
export function icon(name, label = "") {
  const known = ICONS[name] ? name : "chat";
  return drawIcon(`icon icon-${known}`, ICONS[known], label);
}

/** An inline SVG drawn from parts ([tag, attributes]) in a 24x24 box: the named icons and the channels' own. */
export function drawIcon(className, parts, label = "") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", className);
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "1.8");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  svg.setAttribute("focusable", "false");
  if (label) {
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    const title = document.createElementNS(SVG_NS, "title");
    title.textContent = label;
    svg.append(title);
  } else {
    svg.setAttribute("aria-hidden", "true");
  }
  for (const [tag, attrs] of parts) {
    const part = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) part.setAttribute(k, String(v));
    svg.append(part);
  }
  return svg;
}

/** A button that shows a busy state and refuses clicks while its action runs (one action per press). */
export function busyWhile(button, promise) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  return Promise.resolve(promise).finally(() => {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  });
}
