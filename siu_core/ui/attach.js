// The composer's paperclip: a file is checked against what the thread's channel takes (type and size,
// from the API's ``attachments`` capability) before anything is uploaded, then sent straight to the
// media store with the presigned POST the API hands out, showing its progress. The reply names the
// upload id; the server checks everything again.

import { api } from "./api.js";
import { h, icon } from "./dom.js";

const MB = 1024 * 1024;

function sizeText(bytes) {
  return bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** Why this file cannot go through this channel (or null): the same rules the API applies. */
export function fileProblem(capability, file) {
  const type = (file.type || "").toLowerCase();
  for (const [kind, rule] of Object.entries(capability.kinds || {})) {
    if (rule.content_types.includes(type)) {
      if (file.size > rule.max_bytes) return `This channel takes ${kind} files up to ${sizeText(rule.max_bytes)}; ${file.name} is ${sizeText(file.size)}.`;
      if (file.size < 1) return `${file.name} is empty.`;
      return null;
    }
  }
  const accepted = Object.values(capability.kinds || {}).flatMap((rule) => rule.content_types);
  return `This channel does not take ${type || "this kind of"} files. It takes: ${accepted.join(", ")}.`;
}

/** POST the presigned form with the file, reporting progress (fetch cannot report an upload's). */
function postForm(url, fields, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.upload.addEventListener("progress", (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); });
    xhr.addEventListener("load", () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`the media store answered ${xhr.status}`))));
    xhr.addEventListener("error", () => reject(new Error("the media store could not be reached")));
    xhr.send(form);
  });
}

export class AttachmentPicker {
  /** ``onError(message)`` shows a refusal; ``onChange()`` runs when the chosen file changes. */
  constructor(threadId, capability, onError, onChange) {
    this.threadId = threadId;
    this.capability = capability;
    this.onError = onError;
    this.onChange = onChange;
    this.upload = null; // {id, name, done}
    const accept = Object.values(capability.kinds || {}).flatMap((rule) => rule.content_types).join(",");
    this.input = h("input", { type: "file", id: "reply-file", class: "sr-only", accept });
    this.input.addEventListener("change", () => this.choose(this.input.files && this.input.files[0]));
    this.status = h("span", { class: "attach-status small", id: "attach-status", "aria-live": "polite" });
    this.el = h("div", { class: "attach" },
      h("label", { for: "reply-file", class: "attach-button", title: "Attach a file" }, icon("clip"), h("span", { class: "sr-only" }, "Attach a file")),
      this.input, this.status);
  }

  /** The upload ids to send (only a finished upload). */
  ids() {
    return this.upload && this.upload.done ? [this.upload.id] : [];
  }

  busy() {
    return Boolean(this.upload && !this.upload.done);
  }

  clear() {
    this.upload = null;
    this.input.value = "";
    this.status.replaceChildren();
    this.onChange();
  }

  async choose(file) {
    if (!file) return;
    const problem = fileProblem(this.capability, file);
    if (problem) {
      this.input.value = "";
      this.onError(problem);
      return;
    }
    this.onError(null);
    const upload = { id: null, name: file.name, done: false };
    this.upload = upload;
    const bar = h("progress", { max: 1, value: 0, "aria-label": `Uploading ${file.name}` });
    const remove = h("button", { type: "button", class: "link", "aria-label": `Remove ${file.name}` }, icon("close"));
    remove.addEventListener("click", () => this.clear());
    this.status.replaceChildren(file.name, " ", bar, remove);
    this.onChange();
    try {
      const issued = await api.upload({ thread: this.threadId, filename: file.name, content_type: file.type, size: file.size });
      if (this.upload !== upload) return;
      await postForm(issued.url, issued.fields, file, (share) => { bar.value = share; });
      if (this.upload !== upload) return;
      upload.id = issued.upload_id;
      upload.done = true;
      this.status.replaceChildren(icon("check"), ` ${file.name} (${sizeText(file.size)}) ready to send `, remove);
    } catch (err) {
      if (this.upload !== upload) return;
      this.upload = null;
      this.input.value = "";
      this.status.replaceChildren();
      this.onError(err.message || String(err));
    }
    this.onChange();
  }
}
