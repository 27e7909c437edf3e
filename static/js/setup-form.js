// The set-up form: data set, layer sizes, activations, cost, learning rate,
// mini-batch size, initialisation and seed. Also reads and writes the same
// set-up as a URL query, so a copied link recreates it.

import * as api from "./api.js";
import { choiceLabel, escapeHtml, plural } from "./format.js";

export const HIDDEN_ACTIVATIONS = [
  "sigmoid", "tanh", "relu", "leaky_relu", "identity",
];
export const OUTPUT_ACTIVATIONS = [...HIDDEN_ACTIVATIONS, "softmax"];
export const COSTS = ["quadratic", "cross_entropy", "log_likelihood"];

/** Neurons of a hidden layer added with "+ hidden layer". */
const NEW_LAYER_SIZE = 4;

// Query keys of a shared link and the create-body fields they set.
const NUMBER_KEYS = {
  eta: "learning_rate", batch: "batch_size", seed: "seed", l2: "l2",
  momentum: "momentum",
};
const TEXT_KEYS = {
  dataset: "dataset", hidden: "hidden_activation",
  output: "output_activation", cost: "cost", init: "init",
};

const byId = (id) => document.getElementById(id);

/** The hidden layer sizes being edited; input and output follow the data. */
let hiddenSizes = [4];
let datasets = [];
/** Returns the NetworkState shown on the page, or null; set at start. */
let shownNetwork = () => null;

function fillSelect(select, values) {
  select.innerHTML = values.map((v) => `<option value="${escapeHtml(v)}">` +
    `${escapeHtml(choiceLabel(v))}</option>`).join("");
}

function currentDataset() {
  const name = byId("dataset").value;
  return datasets.find((d) => (d.id ?? d.name) === name) ?? null;
}

/** Redraws the list of layers with their +/- and remove buttons. */
function renderLayers() {
  const dataset = currentDataset();
  const nIn = dataset ? dataset.n_inputs : "?";
  const nOut = dataset ? dataset.n_outputs : "?";
  const L = hiddenSizes.length + 1;
  const rows = [`<li><span class="name">layer 0: input</span>` +
    `<span class="size">${nIn}</span></li>`];
  hiddenSizes.forEach((n, i) => {
    rows.push(`<li data-hidden="${i}"><span class="name">layer ${i + 1}: ` +
      `hidden</span>` +
      `<button type="button" data-action="minus" aria-label="One neuron ` +
      `fewer in layer ${i + 1}">−</button>` +
      `<input class="size" type="number" min="1" step="1" required ` +
      `value="${n}" aria-label="Neurons in layer ${i + 1}">` +
      `<button type="button" data-action="plus" aria-label="One neuron ` +
      `more in layer ${i + 1}">+</button>` +
      `<button type="button" data-action="remove" aria-label="Remove ` +
      `layer ${i + 1}">✕</button></li>`);
  });
  rows.push(`<li><span class="name">layer ${L}: output</span>` +
    `<span class="size">${nOut}</span></li>`);
  byId("layers").innerHTML = rows.join("");
  renderSetupStatus();
}

function onLayersClick(event) {
  const button = event.target.closest("button[data-action]");
  if (!button) {
    return;
  }
  const i = Number(button.closest("li").dataset.hidden);
  const action = button.dataset.action;
  if (action === "plus") {
    hiddenSizes[i] += 1;
  } else if (action === "minus") {
    hiddenSizes[i] = Math.max(1, hiddenSizes[i] - 1);
  } else if (action === "remove") {
    hiddenSizes.splice(i, 1);
  }
  renderLayers();
}

function onLayersInput(event) {
  const item = event.target.closest("li[data-hidden]");
  if (!item) {
    return;
  }
  const value = Math.round(Number(event.target.value));
  if (Number.isFinite(value) && value >= 1) {
    hiddenSizes[Number(item.dataset.hidden)] = value;
  }
  renderSetupStatus();
}

function describeDataset(dataset) {
  if (!dataset) {
    return "";
  }
  const task = dataset.task === "regression" ? "regression" : "classification";
  return `${escapeHtml(dataset.title ?? dataset.name)}: ${task}, ` +
    `${plural(dataset.n_inputs, "input")}, ` +
    `${plural(dataset.n_outputs, "output")}, ` +
    `${dataset.n_train} training and ${dataset.n_test} test examples.`;
}

function onDatasetChange() {
  const dataset = currentDataset();
  const network = shownNetwork();
  const pending = network && byId("dataset").value !== network.dataset;
  // A data set chosen in the list is used only once Create network is
  // pressed, so its description is marked while another one is shown.
  const prefix = pending
    ? "<strong class=\"pending-label\">Not created yet:</strong> " : "";
  byId("dataset-info").innerHTML = dataset ? prefix + describeDataset(dataset)
    : "";
  renderLayers();
}

function datasetTitle(name) {
  const dataset = datasets.find((d) => (d.id ?? d.name) === name);
  return dataset?.title ?? name;
}

/**
 * Returns why the chosen cost cannot go with the chosen output activation,
 * or "" when they can. The server rejects the same pairs.
 */
function costOutputProblem(cost, output) {
  if (cost === "log_likelihood" && output !== "softmax") {
    return "log-likelihood needs the softmax output; set Output σ to softmax";
  }
  const inUnitInterval = output === "sigmoid" || output === "softmax";
  if (cost === "cross_entropy" && !inUnitInterval) {
    return "cross-entropy needs outputs in (0, 1); set Output σ to sigmoid " +
      "or softmax";
  }
  return "";
}

/**
 * Marks the Cost list invalid for a pair the server would reject, so that
 * the form cannot be sent and keeps the student's choice.
 */
function checkCostOutput() {
  const cost = byId("cost");
  cost.setCustomValidity(
    costOutputProblem(cost.value, byId("output-activation").value));
}

/** Returns the first field of the set-up form whose value is invalid. */
function firstInvalidField() {
  return [...byId("setup-form").elements].find(
    (field) => field.willValidate && !field.validity.valid);
}

/** Returns the name of a form field as its label shows it. */
function fieldName(field) {
  const label = field.labels?.[0]?.firstChild?.textContent?.trim();
  return label || field.getAttribute("aria-label") || field.id;
}

/**
 * Redraws the status line under the Create button: the name of the network
 * on screen, and a note when the form has changes that are not applied yet
 * or a field that blocks them.
 */
export function renderSetupStatus() {
  const element = byId("setup-status");
  const network = shownNetwork();
  if (!network || !element) {
    return;
  }
  checkCostOutput();
  const invalid = firstInvalidField();
  if (invalid) {
    // The browser's own message appears only after a press of Create
    // network, so the status line names the blocking field at once.
    element.classList.add("pending");
    element.textContent = `Cannot create yet: ${fieldName(invalid)}: ` +
      `${invalid.validationMessage}`;
    return;
  }
  const shown = `${network.config.sizes.join("-")} on ` +
    `${datasetTitle(network.dataset)}`;
  const kind = changeKind(readSetup(), network);
  element.classList.toggle("pending", kind !== "none");
  if (kind === "none") {
    element.textContent = `Shown: network ${shown}.`;
  } else if (kind === "patch") {
    element.textContent = `Not applied yet: press Create network to set ` +
      `η and m of the shown network ${shown}.`;
  } else {
    element.textContent = `Not created yet: the form differs from the ` +
      `shown network ${shown}. Press Create network to build it.`;
  }
}

/** Adds a data set (built-in or uploaded) to the choice list. */
export function addDataset(dataset) {
  const key = dataset.id ?? dataset.name;
  datasets = datasets.filter((d) => (d.id ?? d.name) !== key);
  datasets.push(dataset);
  const select = byId("dataset");
  select.innerHTML = datasets.map((d) => {
    const value = escapeHtml(d.id ?? d.name);
    const label = d.id ? `${d.title ?? d.name} (uploaded)` : d.title ?? d.name;
    return `<option value="${value}">${escapeHtml(label)}</option>`;
  }).join("");
}

/**
 * Loads the built-in data sets and fills the fixed choice lists. getShown
 * returns the NetworkState shown on the page; onUpload runs the upload.
 */
export async function initSetupForm(getShown, onUpload) {
  shownNetwork = getShown;
  fillSelect(byId("hidden-activation"), HIDDEN_ACTIVATIONS);
  fillSelect(byId("output-activation"), OUTPUT_ACTIVATIONS);
  fillSelect(byId("cost"), COSTS);
  const result = await api.listDatasets();
  for (const dataset of result.datasets) {
    addDataset(dataset);
  }
  byId("dataset").addEventListener("change", onDatasetChange);
  byId("layers").addEventListener("click", onLayersClick);
  byId("layers").addEventListener("change", onLayersInput);
  byId("add-layer").addEventListener("click", () => {
    hiddenSizes.push(NEW_LAYER_SIZE);
    renderLayers();
  });
  byId("csv-upload").addEventListener("click", onUpload);
  byId("setup-form").addEventListener("input", renderSetupStatus);
  byId("setup-form").addEventListener("change", renderSetupStatus);
  return result.datasets;
}

/** Uploads the chosen CSV file and selects the new data set. */
export async function uploadCsv() {
  const file = byId("csv-file").files[0];
  const target = byId("csv-target").value.trim();
  if (!file || !target) {
    throw new Error("Choose a CSV file and name its target column first.");
  }
  const dataset = await api.uploadDataset(file, target);
  addDataset(dataset);
  byId("dataset").value = dataset.id ?? dataset.name;
  onDatasetChange();
  return dataset;
}

/** Shows the set-up of a NetworkState in the form. */
export function showSetup(network) {
  const config = network.config;
  const select = byId("dataset");
  if ([...select.options].some((o) => o.value === network.dataset)) {
    select.value = network.dataset;
  }
  hiddenSizes = config.sizes.slice(1, -1);
  byId("hidden-activation").value = config.hidden_activation;
  byId("output-activation").value = config.output_activation;
  byId("cost").value = config.cost;
  byId("init").value = config.init;
  byId("learning-rate").value = config.learning_rate;
  byId("batch-size").value = config.batch_size;
  byId("seed").value = config.seed;
  onDatasetChange();
}

/** Returns the create body of POST /api/networks from the form. */
export function readSetup() {
  const dataset = currentDataset();
  const body = {
    dataset: byId("dataset").value,
    hidden_activation: byId("hidden-activation").value,
    output_activation: byId("output-activation").value,
    cost: byId("cost").value,
    init: byId("init").value,
    learning_rate: Number(byId("learning-rate").value),
    batch_size: Number(byId("batch-size").value),
    seed: Number(byId("seed").value),
  };
  if (dataset) {
    body.sizes = [dataset.n_inputs, ...hiddenSizes, dataset.n_outputs];
  }
  return body;
}

/**
 * Returns which fields differ between a create body and a NetworkState:
 * "none", "patch" (only learning rate or mini-batch size) or "create".
 */
export function changeKind(body, network) {
  const config = network.config;
  const sameStructure = body.dataset === network.dataset &&
    (body.sizes ?? config.sizes).join() === config.sizes.join() &&
    body.hidden_activation === config.hidden_activation &&
    body.output_activation === config.output_activation &&
    body.cost === config.cost && body.init === config.init &&
    body.seed === config.seed;
  if (!sameStructure) {
    return "create";
  }
  const samePatchable = body.learning_rate === config.learning_rate &&
    body.batch_size === config.batch_size;
  return samePatchable ? "none" : "patch";
}

/** Returns the URL query that recreates a network's set-up. */
export function setupQuery(network) {
  const config = network.config;
  const params = new URLSearchParams();
  params.set("dataset", network.dataset);
  params.set("sizes", config.sizes.join("-"));
  params.set("hidden", config.hidden_activation);
  params.set("output", config.output_activation);
  params.set("cost", config.cost);
  params.set("init", config.init);
  params.set("eta", String(config.learning_rate));
  params.set("batch", String(config.batch_size));
  params.set("seed", String(config.seed));
  if (config.l2) {
    params.set("l2", String(config.l2));
  }
  if (config.momentum) {
    params.set("momentum", String(config.momentum));
  }
  return params.toString();
}

/** Returns the create body encoded in a URL query, or null if it has none. */
export function setupFromQuery(search) {
  const params = new URLSearchParams(search);
  if (!params.has("dataset")) {
    return null;
  }
  const body = {};
  for (const [key, field] of Object.entries(TEXT_KEYS)) {
    if (params.has(key)) {
      body[field] = params.get(key);
    }
  }
  for (const [key, field] of Object.entries(NUMBER_KEYS)) {
    if (params.has(key)) {
      body[field] = Number(params.get(key));
    }
  }
  if (params.has("sizes")) {
    body.sizes = params.get("sizes").split("-").map(Number);
  }
  return body;
}
