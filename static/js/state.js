// The page's state: one plain object, changed only through the functions
// below and read by the render modules. Layer numbers follow the API: the
// input is layer 0 (Nielsen's book calls it layer 1), and a list of
// per-layer values from the API has layer l at index l - 1.

export const state = {
  network: null, // NetworkState from the API
  datasets: [], // GET /api/datasets
  dataset: null, // description of the network's data set
  example: { split: "train", index: 0, input: null, target: null },
  pass: null, // { backward | forward, step } for the current example
  stages: [],
  stageIndex: 0,
  batchStep: null, // last mini-batch step, shown instead of a stage
  selection: null, // { kind: "neuron" | "weight", layer, j, k }
  curve: [], // one point per training state seen, ordered by steps
  cutCurves: [], // curves that undo, rewind or reset cut, newest first
  history: [],
  training: {
    playing: false,
    jobId: null,
    stepsPerUpdate: "10",
    stageBefore: null, // the stage shown when training started
    networkId: null, // the network that training started on
  },
  autoplay: false, // stepping through the stages on a timer
  autoplayDelay: 900, // milliseconds per stage while autoplaying
  advanceExample: true, // the next pass uses the next training example
  parametersVersion: 0, // increases whenever weights or biases change
};

/** Number of weight layers L of the current network. */
export function numLayers() {
  return state.network ? state.network.config.sizes.length - 1 : 0;
}

/** Stores a new NetworkState and records its costs on the curve. */
export function setNetwork(network) {
  state.network = network;
  state.parametersVersion += 1;
  recordCurvePoint(network);
}

/**
 * Copies the counters and parameters of a /step response into state. The
 * training view waits for the NetworkState that follows (setNetwork), which
 * also brings the new costs, so parametersVersion is left for it to raise.
 */
export function applyStepCounters(result) {
  const network = state.network;
  network.weights = result.weights;
  network.biases = result.biases;
  network.steps = result.steps;
  network.epochs = result.epochs;
  network.examples_seen = result.examples_seen;
  if (result.epoch_position !== undefined) {
    network.epoch_position = result.epoch_position;
  }
}

/** Returns true if two curve points show the same state of the network. */
function samePoint(p, q) {
  return p.steps === q.steps && p.trainCost === q.trainCost &&
    p.testCost === q.testCost;
}

/** Most curves kept after undo, rewind or reset cut them. */
const MAX_CUT_CURVES = 20;

/**
 * Adds the NetworkState's train and test cost and accuracy to the curve,
 * dropping points of later steps first, which undo, rewind and reset leave
 * behind. The curves cut that way are kept, so that a state one of them
 * passed through (a reset that is undone, say) gets back the points that
 * led to it.
 */
export function recordCurvePoint(network) {
  const steps = network.steps;
  const earlier = state.curve.filter((point) => point.steps < steps);
  if (earlier.length < state.curve.length) {
    state.cutCurves = [state.curve, ...state.cutCurves]
      .slice(0, MAX_CUT_CURVES);
  }
  state.curve = earlier;
  if (!network.cost) {
    return;
  }
  const point = {
    steps,
    epochs: network.epochs,
    trainCost: network.cost.train,
    testCost: network.cost.test,
    trainAccuracy: network.accuracy ? network.accuracy.train : null,
    testAccuracy: network.accuracy ? network.accuracy.test : null,
  };
  for (const cut of state.cutCurves) {
    const seen = cut.findIndex((p) => samePoint(p, point));
    if (seen >= 0) {
      if (seen > state.curve.length) {
        state.curve = cut.slice(0, seen);
      }
      break;
    }
  }
  state.curve.push(point);
}

// The curves exist only in the page, so they are kept in the tab's
// sessionStorage when the page is left, and a reload draws them again.
const CURVE_STORAGE_KEY = "backprop-viz:curve";

/** Stores the curves of the shown network for the next load of this tab. */
export function saveCurve() {
  if (!state.network) {
    return;
  }
  const stored = JSON.stringify({
    id: state.network.id, curve: state.curve, cutCurves: state.cutCurves,
  });
  try {
    sessionStorage.setItem(CURVE_STORAGE_KEY, stored);
  } catch (error) {
    // Storage that is full or turned off only costs the curve on reload.
    console.warn(`The cost curve was not stored: ${error}`);
  }
}

/** Returns the stored curves of network networkId, or null. */
function storedCurves(networkId) {
  try {
    const stored = JSON.parse(sessionStorage.getItem(CURVE_STORAGE_KEY));
    if (stored?.id === networkId && Array.isArray(stored.curve) &&
        Array.isArray(stored.cutCurves)) {
      return stored;
    }
  } catch (error) {
    console.warn(`The stored cost curve was not read: ${error}`);
  }
  return null;
}

/**
 * Starts the curves of a network not shown before in this page: the ones
 * stored when this tab last showed it, if any, else empty ones.
 */
export function startCurve(networkId) {
  const stored = storedCurves(networkId);
  state.curve = stored?.curve ?? [];
  state.cutCurves = stored?.cutCurves ?? [];
}

/** Returns the stage the stepper shows now, or null. */
export function currentStage() {
  return state.stages[state.stageIndex] ?? null;
}

/** Returns the per-layer record of layer l (1-based) from the pass, or null. */
export function passLayer(l) {
  const pass = state.pass;
  if (!pass) {
    return null;
  }
  const source = pass.backward ?? pass.forward;
  return source.layers[l - 1] ?? null;
}

/**
 * Returns the forward part of the pass. A /backward response carries every
 * field of a /forward response, so either serves.
 */
export function passForward() {
  const pass = state.pass;
  if (!pass) {
    return null;
  }
  return pass.backward ?? pass.forward;
}

/**
 * Builds the stages of one example: the input, forward layer 1..L, the cost,
 * BP1 at L, BP2 down to layer 1, the gradients and the update. Without a
 * target there is no cost, so the sequence ends after the forward pass.
 * update is "apply" (the update stage calls POST /step), "preview" (the
 * stage shows the step without applying it, as for a test example) or
 * "none" (the sequence ends at the gradients).
 */
export function buildStages(L, hasTarget, update = "apply") {
  const stages = [{ kind: "input", layer: 0 }];
  for (let l = 1; l <= L; l += 1) {
    stages.push({ kind: "forward", layer: l });
  }
  if (!hasTarget) {
    return stages;
  }
  stages.push({ kind: "cost", layer: L });
  for (let l = L; l >= 1; l -= 1) {
    const equation = l === L ? "BP1" : "BP2";
    stages.push({ kind: "backward", layer: l, equation });
  }
  stages.push({ kind: "gradients", layer: null });
  if (update !== "none") {
    stages.push({ kind: "update", layer: null, preview: update === "preview" });
  }
  return stages;
}

/** Returns the index of the first stage of a kind, or -1. */
export function stageIndexOf(kind) {
  return state.stages.findIndex((stage) => stage.kind === kind);
}

/**
 * Returns whether the quantity of layer l is already computed at the stage:
 * "forward" for z and a, "backward" for delta and the gradients.
 */
export function isComputed(stage, pass, l) {
  if (!stage) {
    return false;
  }
  const order = ["input", "forward", "cost", "backward", "gradients", "update"];
  const rank = order.indexOf(stage.kind);
  if (pass === "forward") {
    return stage.kind === "forward" ? l <= stage.layer : rank >= 2 || l === 0;
  }
  if (stage.kind === "backward") {
    return l >= stage.layer;
  }
  return rank >= 4;
}
