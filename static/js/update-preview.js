// The update stage of a test example. Test examples are never trained on,
// so the page requests the step with "preview": true. The server computes
// the step on a copy, with L2 weight decay and momentum as in a real step,
// and leaves the network as it is.

import * as api from "./api.js";
import { state } from "./state.js";

/** Returns whether the current example comes from the test split. */
export function isTestExample() {
  return !state.example.input && state.example.split === "test";
}

/** Fetches the step the current (test) example would make, unapplied. */
export function previewStep() {
  const backward = state.pass.backward;
  const example = { input: backward.input, target: backward.target };
  return api.step(state.network.id, { examples: [example], preview: true });
}
