// Chooses what the network view shows at the current stage: which value
// colours each neuron and each weight, the colour ranges, and the hover
// text. Reads state, returns a model for buildNetworkFigure.

import { colourRange } from "./colors.js";
import { formatExact, maxAbs } from "./format.js";
import {
  currentStage, isComputed, passForward, passLayer, state,
} from "./state.js";

const SUB = (l, j) => `<sup>${l}</sup><sub>${j}</sub>`;

/** Returns a^l (layer 0 is the input x) from the pass, or null. */
function activations(l) {
  const forward = passForward();
  if (!forward) {
    return null;
  }
  return l === 0 ? forward.input : forward.layers[l - 1].a;
}

function difference(after, before) {
  return after.map((v, i) =>
    Array.isArray(v) ? difference(v, before[i]) : v - before[i]);
}

/** Returns the step whose update is shown now, or null. */
function shownStep() {
  if (state.batchStep) {
    return state.batchStep;
  }
  const stage = currentStage();
  return stage && stage.kind === "update" && state.pass ? state.pass.step : null;
}

/**
 * Returns the neuron specs (values and title) of every layer: a in the
 * forward stages, delta in the backward stages, the bias change after an
 * update. values is null for a layer not computed yet in this pass.
 */
function neuronSpecs(stage, L) {
  const specs = [];
  const step = shownStep();
  for (let l = 0; l <= L; l += 1) {
    let values = null;
    if (step) {
      // Weight lists hold w^l at index l - 1.
      values = l === 0 ? null : difference(step.biases[l - 1],
        step.biases_before[l - 1]);
    } else if (stage && isBackwardView(stage)) {
      values = l > 0 && isComputed(stage, "backward", l)
        ? passLayer(l).delta : null;
    } else if (stage && isComputed(stage, "forward", l)) {
      values = activations(l);
    }
    specs.push({ values });
  }
  return specs;
}

function isBackwardView(stage) {
  return ["backward", "gradients"].includes(stage.kind);
}

/** Returns the weight specs of w^1..w^L; index 0 is unused. */
function weightSpecs(stage, L) {
  const specs = [null];
  const step = shownStep();
  for (let l = 1; l <= L; l += 1) {
    if (step) {
      // Per-layer lists from the API hold layer l at index l - 1.
      const values = difference(step.weights[l - 1],
        step.weights_before[l - 1]);
      specs.push({ mode: "diverging", values });
    } else if (!stage) {
      specs.push({ mode: "sign", values: state.network.weights[l - 1] });
    } else if (isBackwardView(stage)) {
      const computed = isComputed(stage, "backward", l);
      specs.push(computed
        ? { mode: "diverging", values: passLayer(l).grad_w }
        : { mode: "grey", values: null });
    } else {
      const computed = isComputed(stage, "forward", l);
      specs.push(computed
        ? { mode: "sign", values: state.network.weights[l - 1] }
        : { mode: "grey", values: null });
    }
  }
  return specs;
}

/** Returns the colour bar titles and the largest finite |value| shown. */
function rawColourScales(stage, L) {
  const step = shownStep();
  if (step) {
    const db = step.biases.map((b, i) => difference(b, step.biases_before[i]));
    const dw = step.weights.map((w, i) =>
      difference(w, step.weights_before[i]));
    return { neuronTitle: "Δb", neuronRange: maxAbs(db),
      weightTitle: "Δw", weightRange: maxAbs(dw), weightColourBar: true };
  }
  if (stage && isBackwardView(stage)) {
    const layers = Array.from({ length: L }, (_, i) => passLayer(i + 1));
    return {
      neuronTitle: "δ", neuronRange: maxAbs(layers.map((x) => x.delta)),
      weightTitle: "∂C/∂w", weightRange: maxAbs(layers.map((x) => x.grad_w)),
      weightColourBar: true,
    };
  }
  const forward = passForward();
  const values = forward
    ? [forward.input, forward.layers.map((x) => x.a)]
    : [];
  return {
    neuronTitle: "a", neuronRange: Math.max(1, maxAbs(values)),
    weightTitle: "w", weightRange: maxAbs(state.network.weights),
    weightColourBar: false,
  };
}

/**
 * Returns the colour bar titles and ranges for the stage, with the ranges
 * bounded by colourRange so that Plotly can draw every colour bar.
 */
function colourScales(stage, L) {
  const scales = rawColourScales(stage, L);
  scales.neuronRange = colourRange(scales.neuronRange);
  scales.weightRange = colourRange(scales.weightRange);
  return scales;
}

function highlightedLayer(stage) {
  if (!stage || state.batchStep) {
    return null;
  }
  return stage.layer ?? null;
}

/** Builds the hover text of neuron j of layer l. */
export function neuronHoverText(l, j) {
  const stage = state.batchStep ? null : currentStage();
  const lines = [`layer ${l}, neuron ${j}`];
  const forward = passForward();
  if (l === 0) {
    if (forward) {
      lines.push(`x${SUB("", j)} = a${SUB(0, j)} = ${formatExact(forward.input[j])}`);
    }
    return lines.join("<br>");
  }
  if (forward && isComputed(stage, "forward", l)) {
    const layer = passLayer(l);
    lines.push(`z${SUB(l, j)} = ${formatExact(layer.z[j])}`);
    lines.push(`a${SUB(l, j)} = ${formatExact(layer.a[j])}`);
  }
  if (state.pass?.backward && isComputed(stage, "backward", l)) {
    const layer = passLayer(l);
    lines.push(`δ${SUB(l, j)} = ${formatExact(layer.delta[j])} ` +
      `(${layer.equation.delta})`);
  }
  const step = shownStep();
  if (step) {
    const before = step.biases_before[l - 1][j];
    const after = step.biases[l - 1][j];
    lines.push(`b${SUB(l, j)}: ${formatExact(before)} → ${formatExact(after)}`);
  } else {
    lines.push(`b${SUB(l, j)} = ${formatExact(state.network.biases[l - 1][j])}`);
  }
  if (lines.length === 2 && stage) {
    lines.push("not computed yet in this pass");
  }
  return lines.join("<br>");
}

/** Builds the hover text of weight w^l_jk. */
export function weightHoverText(l, j, k) {
  const stage = state.batchStep ? null : currentStage();
  const name = `w${SUB(l, `${j},${k}`)}`;
  const step = shownStep();
  if (step) {
    const before = step.weights_before[l - 1][j][k];
    const after = step.weights[l - 1][j][k];
    return `${name}: ${formatExact(before)} → ${formatExact(after)}` +
      `<br>Δw = ${formatExact(after - before)}`;
  }
  const lines = [`${name} = ${formatExact(state.network.weights[l - 1][j][k])}`];
  if (state.pass?.backward && isComputed(stage, "backward", l)) {
    const gradient = passLayer(l).grad_w[j][k];
    lines.push(`∂C/∂${name} = ${formatExact(gradient)}`);
  }
  return lines.join("<br>");
}

/** Returns the model of the network view for the current state. */
export function buildNetworkModel(layout, heightPx) {
  const L = state.network.config.sizes.length - 1;
  const stage = state.batchStep || !state.pass ? null : currentStage();
  const markerSize = Math.max(7, Math.min(30,
    (0.7 * heightPx) / (layout.maxSlots + 2.5)));
  return {
    layout,
    markerSize,
    neurons: neuronSpecs(stage, L),
    weights: weightSpecs(stage, L),
    ...colourScales(stage, L),
    signRange: colourRange(maxAbs(state.network.weights)),
    highlight: highlightedLayer(stage),
    selection: state.selection,
    neuronHover: neuronHoverText,
    weightHover: weightHoverText,
  };
}
