// Entry point of the page: creates the first network (from the link's query
// or the XOR default), registers the views and binds every control.

import * as api from "./api.js";
import {
  addRenderer, afterParameterChange, enqueue, renderAll, useNetwork,
  whenIdle,
} from "./controller.js";
import { bindExampleForm, renderExampleForm } from "./example-form.js";
import { renderExplanation } from "./explain.js";
import { exportJson, exportReport, importJson } from "./export.js";
import {
  clearMessages, describeError, initMessages, showError, showInfo,
} from "./messages.js";
import { lastNetworkFigure, renderNetwork } from "./network-view.js";
import { refitPlots } from "./plot-size.js";
import {
  addDataset, changeKind, initSetupForm, readSetup, renderSetupStatus,
  setupFromQuery, setupQuery, showSetup, uploadCsv,
} from "./setup-form.js";
import { saveCurve, state } from "./state.js";
import {
  bindKeyboard, jumpTo, next, previous, renderTimeline, stopAutoplay,
  toggleAutoplay,
} from "./stepper.js";
import {
  initTrainingControls, renderCounters, renderHistory, stopTraining,
} from "./training-controls.js";
import { renderCurves, renderSideView } from "./training-view.js";

const DEFAULT_SETUP = { dataset: "xor" };

const byId = (id) => document.getElementById(id);

/** Selects a neuron or weight and redraws the panel and the ring. */
function select(selection) {
  state.selection = selection;
  return Promise.all([
    renderNetwork(byId("network"), select),
    renderExplanation(byId("explanation"), editParameter),
  ]);
}

/** Sets a weight or bias typed in the explanation panel. */
function editParameter(selection, value) {
  return enqueue(async () => {
    if (!Number.isFinite(value)) {
      throw new Error("Type a finite number to set the value.");
    }
    const id = state.network.id;
    const { layer: l, j, k } = selection;
    const network = selection.kind === "weight"
      ? await api.setWeight(id, l, j, k, value)
      : await api.setBias(id, l, j, value);
    await afterParameterChange(network);
    await renderAll();
  });
}

function registerRenderers() {
  // The timeline and caption come first: renderAll starts the renderers in
  // this order, and the network view reads the height they leave it.
  addRenderer(() => renderTimeline(byId("timeline"), byId("caption")));
  addRenderer(() => renderNetwork(byId("network"), select));
  addRenderer(() => renderExplanation(byId("explanation"), editParameter));
  addRenderer(() => renderCounters(byId("counters")));
  addRenderer(() => renderHistory(byId("history")));
  addRenderer(() => renderCurves(byId("curves")));
  addRenderer(() => renderSideView(byId("side"), byId("image")));
  addRenderer(() => renderExampleForm());
  addRenderer(() => renderSetupStatus());
  addRenderer(() => showAddress());
}

/** Returns the link that recreates the shown network's set-up. */
function setupLink() {
  const { origin, pathname } = window.location;
  return `${origin}${pathname}?${setupQuery(state.network)}`;
}

// The address ends in #network=ID, so that a reload shows the same network
// with its training. A copied link leaves it out and makes a new network.
const NETWORK_HASH = "#network=";
const NETWORK_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Puts the shown network's set-up and id in the address bar, so that the
 * address and a copied link always match the network on the page, including
 * a learning rate or mini-batch size changed since its creation.
 */
function showAddress() {
  if (!state.network) {
    return;
  }
  const address = `${setupLink()}${NETWORK_HASH}${state.network.id}`;
  if (window.location.href !== address) {
    window.history.replaceState(null, "", address);
  }
}

/**
 * Returns the network named by the address's #network=ID, or null when the
 * address names none, or names one that cannot be loaded (an invalid id, or
 * a network that expired or was deleted). A message gives the reason.
 */
async function networkFromAddress() {
  const { hash } = window.location;
  if (!hash.startsWith(NETWORK_HASH)) {
    return null;
  }
  const id = hash.slice(NETWORK_HASH.length);
  const fallback = "so a new one was made from the set-up in the address.";
  // Ids are URL-safe base64; anything else cannot name a network.
  if (!NETWORK_ID.test(id)) {
    showInfo("The address names no valid network id after #network=, " +
      fallback);
    return null;
  }
  try {
    return await api.getNetwork(id);
  } catch (error) {
    if (error.status === 404) {
      showInfo("The network shown before the reload no longer exists, " +
        fallback);
    } else {
      showInfo(`The network in the address could not be loaded ` +
        `(${describeError(error)}), ${fallback}`);
    }
    return null;
  }
}

/** Shows a new network everywhere and puts its set-up in the address. */
async function showNetwork(network) {
  await useNetwork(network);
  // An uploaded data set named by a link is not in the list yet.
  const known = [...byId("dataset").options].some((option) =>
    option.value === network.dataset);
  if (!known && state.dataset) {
    addDataset({ ...state.dataset, id: network.dataset });
  }
  showSetup(network);
  await renderAll();
}

function applySetup(event) {
  event.preventDefault();
  return enqueue(async () => {
    try {
      await applyFormChanges();
    } catch (error) {
      // The shown network stays, so the form goes back to its set-up. The
      // error message names what was rejected.
      if (state.network) {
        showSetup(state.network);
      }
      throw error;
    }
  });
}

/** Creates a network from the form, or patches η and m of the shown one. */
async function applyFormChanges() {
  const body = readSetup();
  const kind = changeKind(body, state.network);
  if (kind === "create") {
    await showNetwork(await api.createNetwork(body));
    clearMessages();
    const sizes = state.network.config.sizes.join("-");
    const title = state.dataset?.title ?? state.network.dataset;
    showInfo(`New network ${sizes} on ${title}.`);
  } else if (kind === "patch") {
    const network = await api.patchNetwork(state.network.id, {
      learning_rate: body.learning_rate, batch_size: body.batch_size,
    });
    await afterParameterChange(network);
    showSetup(network);
    await renderAll();
  }
}

function resetNetwork() {
  return enqueue(async () => {
    const network = await api.resetNetwork(state.network.id);
    await afterParameterChange(network);
    await renderAll();
  });
}

function bindStepper() {
  byId("next").addEventListener("click", () => next());
  byId("previous").addEventListener("click", () => previous());
  const updateAutoplayButton = () => {
    byId("autoplay").textContent = state.autoplay ? "❚❚ Pause" : "▶ Play";
    byId("autoplay").setAttribute("aria-pressed", String(state.autoplay));
  };
  const toggle = () => toggleAutoplay(updateAutoplayButton);
  byId("autoplay").addEventListener("click", toggle);
  byId("autoplay-delay").addEventListener("change", (event) => {
    state.autoplayDelay = Number(event.target.value);
  });
  byId("timeline").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-index]");
    if (button) {
      jumpTo(Number(button.dataset.index));
    }
  });
  bindKeyboard(toggle);
  bindExampleForm();
  return () => stopAutoplay(updateAutoplayButton);
}

function bindFiles() {
  byId("export-json").addEventListener("click", () => enqueue(exportJson));
  byId("export-report").addEventListener("click", () => enqueue(exportReport));
  byId("import-json").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) {
      enqueue(async () => {
        await showNetwork(await importJson(file));
        clearMessages();
        showInfo(`Imported ${file.name}.`);
      });
    }
  });
  byId("copy-link").addEventListener("click", async () => {
    const link = setupLink();
    try {
      await navigator.clipboard.writeText(link);
      showInfo("Link copied: it recreates this set-up (not the training).");
    } catch {
      showInfo(`Copy this link: ${link}`);
    }
  });
}

/** Milliseconds without a window resize before the plots are refitted. */
const RESIZE_DELAY_MS = 150;

/** Refits every plot to its container after the window is resized. */
function bindResize() {
  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => enqueue(async () => {
      await refitPlots([byId("curves"), byId("side"), byId("image")]);
      await renderNetwork(byId("network"), select);
    }), RESIZE_DELAY_MS);
  });
}

async function start() {
  initMessages(byId("messages"));
  registerRenderers();
  const stopStageAutoplay = bindStepper();
  initTrainingControls();
  bindFiles();
  byId("setup-form").addEventListener("submit", (event) => {
    stopStageAutoplay();
    stopTraining();
    applySetup(event);
  });
  byId("reset").addEventListener("click", resetNetwork);
  bindResize();
  window.addEventListener("pagehide", saveCurve);
  await initSetupForm(() => state.network, () => enqueue(async () => {
    const dataset = await uploadCsv();
    showInfo(`Uploaded ${dataset.title ?? dataset.name}; press Create ` +
      "network to use it.");
  }));
  const setup = setupFromQuery(window.location.search) ?? DEFAULT_SETUP;
  await enqueue(async () => {
    let network = await networkFromAddress();
    if (!network) {
      try {
        network = await api.createNetwork(setup);
      } catch (error) {
        showError(error);
        network = await api.createNetwork(DEFAULT_SETUP);
      }
    }
    await showNetwork(network);
  });
  document.body.dataset.ready = "true";
}

// Tests and the benchmark drive the page through this handle.
window.backpropViz = { state, select, whenIdle, lastNetworkFigure };

start().catch(showError);
