// Actions that call the API and update state, then ask the page to redraw.
// Actions run one after another through a queue, so quick key presses
// cannot interleave requests; an error is shown and the queue continues.

import * as api from "./api.js";
import { showError } from "./messages.js";
import {
  applyStepCounters, buildStages, numLayers, setNetwork, stageIndexOf,
  startCurve, state,
} from "./state.js";
import { isTestExample } from "./update-preview.js";

const renderers = [];
let queue = Promise.resolve();

/** Registers a function that redraws part of the page from state. */
export function addRenderer(render) {
  renderers.push(render);
}

let renderCount = 0;

/**
 * Redraws every part of the page; resolves when all redraws finished.
 * body[data-render-count] then counts the finished redraws, for tests.
 */
export async function renderAll() {
  await Promise.all(renderers.map((render) => render()));
  renderCount += 1;
  document.body.dataset.renderCount = String(renderCount);
}

/** Returns a promise that resolves when every queued action has finished. */
export function whenIdle() {
  return queue;
}

/**
 * Runs task after the queued ones. Errors are shown in the message area;
 * the returned promise resolves either way.
 */
export function enqueue(task) {
  const run = queue.then(task).catch((error) => {
    showError(error);
    return renderAll().catch(showError);
  });
  queue = run;
  return run;
}

/** Returns the body of /forward and /backward for the current example. */
export function exampleBody() {
  const example = state.example;
  if (example.input) {
    const body = { input: example.input };
    if (example.target) {
      body.target = example.target;
    }
    return body;
  }
  return { split: example.split, index: example.index };
}

/**
 * Returns how the update stage of the current example works: test examples
 * are never trained on, so their update is only previewed.
 */
function updateMode() {
  return isTestExample() ? "preview" : "apply";
}

/**
 * Fetches the forward and backward pass of the current example and builds
 * its stages; keepStage keeps the stage shown, short of the update.
 */
export async function loadPass({ keepStage = false } = {}) {
  const id = state.network.id;
  const body = exampleBody();
  const hasTarget = !state.example.input || Boolean(state.example.target);
  const previousKind = state.stages[state.stageIndex]?.kind;
  const previousIndex = state.stageIndex;
  const result = hasTarget
    ? { backward: await api.backward(id, body), step: null }
    : { forward: await api.forward(id, body), step: null };
  state.pass = result;
  state.stages = buildStages(numLayers(), hasTarget, updateMode());
  let index = keepStage ? previousIndex : 0;
  if (keepStage && previousKind === "update") {
    index = stageIndexOf("gradients");
  }
  state.stageIndex = Math.max(0, Math.min(index, state.stages.length - 1));
}

/** Fetches the network and its history after a change made elsewhere. */
export async function refreshNetwork() {
  const id = state.network.id;
  const [network, history] = await Promise.all([
    api.getNetwork(id), api.getHistory(id)]);
  setNetwork(network);
  state.history = history.entries ?? [];
}

export async function refreshHistory() {
  const result = await api.getHistory(state.network.id);
  state.history = result.entries ?? [];
}

/** Replaces the network (a new NetworkState) and starts a new pass. */
export async function useNetwork(network) {
  const sizesChanged = !state.network ||
    state.network.config.sizes.join() !== network.config.sizes.join();
  if (!state.network || state.network.id !== network.id) {
    startCurve(network.id);
  }
  setNetwork(network);
  state.batchStep = null;
  if (sizesChanged) {
    state.selection = null;
  }
  await refreshDataset();
  await refreshHistory();
  await loadPass();
}

async function refreshDataset() {
  const name = state.network.dataset;
  if (state.dataset?.name !== name && state.dataset?.id !== name) {
    state.dataset = await api.describeDataset(name);
  }
  const example = state.example;
  const total = (example.split === "test"
    ? state.dataset.n_test : state.dataset.n_train) ?? 1;
  if (!example.input && example.index >= total) {
    example.index = 0;
  }
}

/**
 * Applies the update of the current example with POST /step, so the
 * numbers shown are the API's.
 */
export async function stepCurrentExample() {
  const id = state.network.id;
  const example = state.example;
  if (isTestExample()) {
    throw new Error("Test examples are never trained on; the update stage " +
      "of a test example is only a preview.");
  }
  let body;
  if (!example.input && example.split === "train") {
    body = { indices: [example.index] };
  } else {
    const source = state.pass.backward;
    body = { examples: [{ input: source.input, target: source.target }] };
  }
  const result = await api.step(id, body);
  applyStepCounters(result);
  state.pass.step = result;
  // GET /networks/{id} evaluates the cost on the whole data set, which takes
  // longer than drawing the update, so it runs as the next queued action.
  enqueue(async () => {
    await refreshNetwork();
    await renderAll();
  });
}

/** Undoes the update of the current example, restoring the parameters. */
export async function undoCurrentStep() {
  setNetwork(await api.undo(state.network.id));
  state.pass.step = null;
  await refreshHistory();
}

/** Returns the state after a parameter change: counters, pass, history. */
export async function afterParameterChange(network) {
  setNetwork(network ?? (await api.getNetwork(state.network.id)));
  state.batchStep = null;
  await refreshHistory();
  await loadPass({ keepStage: true });
}
