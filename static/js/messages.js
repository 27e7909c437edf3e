// The visible message area: API errors and short notices. Errors stay until
// the student closes them, so none is missed.

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

/** Shows an error; ApiErrors show their status, detail and field. */
export function showError(error) {
  let text = error && error.message ? error.message : String(error);
  if (error && error.name === "ApiError") {
    const field = error.field ? ` (field: ${error.field})` : "";
    const status = error.status ? `HTTP ${error.status}: ` : "";
    text = `${status}${error.detail}${field}`;
  }
  addMessage("error", escapeHtml(text));
}

/** Shows a notice that disappears after a few seconds. */
export function showInfo(text) {
  addMessage("info", escapeHtml(text));
}
