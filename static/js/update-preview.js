// The update stage of a test example. Test examples are never trained on,
// so the page computes what one gradient-descent step on the example would
// give, w - eta dC/dw, from the backward pass, and leaves the network as it
// is. The arithmetic follows the engine's SGD step for a mini-batch of one
// example, including the L2 weight decay by eta lmbda / n_train.

import { state } from "./state.js";

/** Returns whether the current example comes from the test split. */
export function isTestExample() {
  return !state.example.input && state.example.split === "test";
}

/**
 * Returns whether the update of a test example can be previewed. With
 * momentum the step adds mu v, and the velocity v is not part of the
 * network state the API returns, so the sequence ends at the gradients.
 */
export function canPreviewUpdate() {
  return !(state.network?.config.momentum > 0);
}

/**
 * Returns the step the current (test) example would make, in the shape of
 * a POST /step response with preview: true and no cost after the step.
 */
export function previewStep() {
  const backward = state.pass.backward;
  const config = state.network.config;
  const eta = config.learning_rate;
  const nTrain = state.dataset?.n_train ?? 1;
  const decay = (eta * (config.l2 ?? 0)) / nTrain;

  const weightsBefore = state.network.weights;
  const biasesBefore = state.network.biases;
  // Per-layer lists hold layer l at index l - 1, as in the API.
  const gradW = backward.layers.map((layer) => layer.grad_w);
  const gradB = backward.layers.map((layer) => layer.grad_b);
  const weights = weightsBefore.map((w, i) => w.map((row, j) =>
    row.map((v, k) => {
      const stepped = v - gradW[i][j][k] * eta;
      return decay ? stepped - v * decay : stepped;
    })));
  const biases = biasesBefore.map((b, i) => b.map((v, j) =>
    v - eta * gradB[i][j]));

  return {
    preview: true,
    batch: { indices: null, m: 1 },
    learning_rate: eta,
    grad_w: gradW,
    grad_b: gradB,
    weights_before: weightsBefore,
    biases_before: biasesBefore,
    weights,
    biases,
    cost_before: backward.cost,
    cost_after: null,
  };
}
