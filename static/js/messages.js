// The visible message area: API errors and short notices. Errors stay until
// the student closes them or a new example or network replaces what they
// were about, so none is missed and none outlives its subject.

import { escapeHtml } from "./format.js";

let area = null;

/** Sets the element that receives messages. */
export function initMessages(element) {
  area = element;
}

function addMessage(kind, html) {
  const item = document.createElement("div");
  item.className = `message ${kind}`;
  item.setAttribute("role", kind === "error" ? "alert" : "status");
  item.innerHTML = `<span>${html}</span>` +
    `<button type="button" class="close" aria-label="Close">×</button>`;
  item.querySelector(".close").addEventListener("click", () => item.remove());
  area.append(item);
  if (kind === "info") {
    setTimeout(() => item.remove(), 4000);
  }
  while (area.children.length > 4) {
    area.firstElementChild.remove();
  }
}

/**
 * Returns the text a student reads for an error: the API's detail message
 * as a sentence, followed by the request field it names. The HTTP status
 * is left out because it means nothing to a student. Server failures (5xx)
 * start with "The server failed".
 */
export function describeError(error) {
  if (!error || error.name !== "ApiError") {
    return error && error.message ? error.message : String(error);
  }
  let text = String(error.detail ?? "").trim();
  const field = error.field ? String(error.field) : "";
  // Validation errors repeat the field at the start: "learning_rate: ...".
  if (field && text.startsWith(`${field}: `)) {
    text = text.slice(field.length + 2);
  }
  // A sentence starts with a capital, unless its first word is a name
  // from the API such as batch_size, which must keep its spelling.
  if (/^[a-z]+(\s|$)/.test(text)) {
    text = text.charAt(0).toUpperCase() + text.slice(1);
  }
  if (text && !/[.!?]$/.test(text)) {
    text += ".";
  }
  if (error.status >= 500) {
    text = `The server failed: ${text}`;
  }
  if (!field) {
    return text;
  }
  // The field goes inside the sentence, before its full stop.
  const end = /[.!?]$/.test(text) ? text.slice(-1) : "";
  const body = end ? text.slice(0, -1) : text;
  const label = fieldLabel(field);
  const where = label ? `in “${label}”, API field ${field}` : `field: ${field}`;
  return `${body} (${where})${end}`;
}

// The page's own names of the request fields that its forms fill in.
const FIELD_LABELS = {
  learning_rate: "η (learning rate)",
  batch_size: "Mini-batch m",
  hidden_activation: "Hidden σ",
  output_activation: "Output σ",
  cost: "Cost",
  seed: "Seed",
  init: "Initial weights",
  input: "or type an input x",
  target: "and a target y",
  index: "Index",
  split: "Split",
};

/** Returns the page's label of an API field such as "sizes.1", or null. */
function fieldLabel(field) {
  const size = /^sizes\.(\d+)$/.exec(field);
  if (size) {
    return `layer ${size[1]}`;
  }
  return FIELD_LABELS[field] ?? null;
}

/** Shows an error in plain words; see describeError. */
export function showError(error) {
  addMessage("error", escapeHtml(describeError(error)));
}

/**
 * Removes every message, after the student has loaded another example or
 * network, which the old errors were not about.
 */
export function clearMessages() {
  area?.replaceChildren();
}

/** Shows a notice that disappears after a few seconds. */
export function showInfo(text) {
  addMessage("info", escapeHtml(text));
}
