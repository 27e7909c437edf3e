// The example to step through: a data set example chosen by split and
// index, or an input x (and optionally a target y) typed by the student.
// The hints follow the data set of the shown network: its input size, its
// output size and, for classification, its class names.

import { enqueue, loadPass, renderAll } from "./controller.js";
import { plural } from "./format.js";
import { clearMessages, describeError } from "./messages.js";
import { state } from "./state.js";

const byId = (id) => document.getElementById(id);

/** Input sizes up to this get a worked example in the placeholder. */
const MAX_EXAMPLE_VALUES = 3;

/** Returns the number of examples in a split of the shown data set. */
export function splitSize(split) {
  const dataset = state.dataset;
  if (!dataset) {
    return 0;
  }
  return (split === "test" ? dataset.n_test : dataset.n_train) ?? 0;
}

function isClassification(dataset) {
  return dataset?.task !== "regression";
}

/** Returns numbers spread over [lo, hi], written as "0.25, 0.75". */
function sampleValues(n, [lo, hi]) {
  const values = [];
  for (let i = 0; i < n; i += 1) {
    const t = i % 2 === 0 ? 0.25 : 0.75;
    values.push(Number((lo + t * (hi - lo)).toPrecision(2)));
  }
  return values.join(", ");
}

/** Returns the one-hot vector of n values with the 1 at index. */
function oneHot(n, index) {
  return Array.from({ length: n }, (_, j) => (j === index ? 1 : 0));
}

/** Returns the note under y that lists the classes a student may type. */
function classesHint(dataset) {
  const names = (dataset.class_names ?? []).map(String);
  const last = dataset.n_outputs - 1;
  // Digits are named by their index, so the names add nothing.
  if (names.length === 0 || names.every((name, j) => name === String(j))) {
    return `y may also be a class index, 0 to ${last}.`;
  }
  const listed = names.map((name, j) => `${j} ${name}`).join(", ");
  return `y may also be a class name or index: ${listed}.`;
}

/** Returns the placeholders of x and y and a note on the classes. */
export function exampleHints(dataset) {
  if (!dataset) {
    return { input: "", target: "", classes: "" };
  }
  const nIn = dataset.n_inputs;
  const nOut = dataset.n_outputs;
  const range = dataset.input_range ?? [0, 1];
  const input = nIn <= MAX_EXAMPLE_VALUES
    ? `${plural(nIn, "value")}, e.g. ${sampleValues(nIn, range)}`
    : `${plural(nIn, "value")} in [${range[0]}, ${range[1]}]`;
  if (!isClassification(dataset)) {
    const target = `${plural(nOut, "value")}, e.g. ${sampleValues(nOut,
      [0, 1])}`;
    return { input, target, classes: "" };
  }
  const target = nOut <= MAX_EXAMPLE_VALUES
    ? `one-hot, ${nOut} values, e.g. ${oneHot(nOut, 1 % nOut).join(", ")}`
    : `one-hot (${nOut} values) or a class`;
  return { input, target, classes: classesHint(dataset) };
}

/** Parses "0.2, 0.9" into numbers; empty text gives null. */
function parseVector(text, what) {
  const trimmed = text.trim();
  if (!trimmed) {
    return null;
  }
  const tokens = trimmed.split(/[\s,;]+/);
  const values = tokens.map(Number);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    // Number() reads "1e400" as Infinity, which is a number, but too large.
    const reason = Number.isNaN(values[bad])
      ? `"${tokens[bad]}" is not a number`
      : `${tokens[bad]} is larger than float64 allows (about ±1.8e308)`;
    throw new Error(`The ${what} must be numbers separated by commas: ` +
      `${reason}.`);
  }
  return values;
}

/**
 * Parses the typed target y. For classification, a class name (in any
 * letter case) or a class index becomes the one-hot vector of that class.
 * Any other text must be numbers separated by commas.
 */
export function parseTarget(text, dataset) {
  const trimmed = text.trim();
  const nOut = dataset?.n_outputs ?? 0;
  if (!trimmed || !isClassification(dataset) || nOut < 2) {
    return parseVector(text, "target y");
  }
  const names = (dataset.class_names ?? []).map((name) =>
    String(name).toLowerCase());
  const byName = names.indexOf(trimmed.toLowerCase());
  if (byName >= 0) {
    return oneHot(nOut, byName);
  }
  const values = parseVector(text, "target y");
  const [index] = values;
  if (values.length === 1 && Number.isInteger(index) && index >= 0 &&
    index < nOut) {
    return oneHot(nOut, index);
  }
  return values;
}

/** Shows the test-split note when the chosen split is the test split. */
function renderSplitNote() {
  byId("example-test-note").hidden = byId("example-split").value !== "test";
}

/** Redraws the example controls from state: split, index and hints. */
export function renderExampleForm() {
  byId("example-split").value = state.example.split;
  byId("example-index").value = state.example.index;
  const total = splitSize(state.example.split);
  if (total > 0) {
    byId("example-index").max = String(total - 1);
  }
  const hints = exampleHints(state.dataset);
  byId("example-input").placeholder = hints.input;
  byId("example-target").placeholder = hints.target;
  byId("example-classes").textContent = hints.classes;
  renderSplitNote();
}

function typedText() {
  const x = byId("example-input").value.trim();
  const y = byId("example-target").value.trim();
  return y ? `x = ${x}, y = ${y}` : `x = ${x}`;
}

/**
 * Loads the example chosen in the form. A rejected example is not kept:
 * the previous example stays in use and the typed fields are cleared, so
 * the next pass does not fail on it again.
 */
function useExample() {
  return enqueue(async () => {
    const previous = state.example;
    const typed = byId("example-input").value.trim() !== "";
    const described = typed ? typedText() : "";
    try {
      const input = parseVector(byId("example-input").value, "input x");
      const target = input
        ? parseTarget(byId("example-target").value, state.dataset)
        : null;
      const indexText = byId("example-index").value.trim();
      const index = Number(indexText);
      const validIndex = indexText !== "" && Number.isInteger(index) &&
        index >= 0;
      if (!input && !validIndex) {
        throw new Error("The index must be a whole number from 0 up, got " +
          `"${indexText}". Type one, or type an input x.`);
      }
      state.example = {
        split: byId("example-split").value,
        index: validIndex ? index : 0,
        input,
        target,
      };
      state.batchStep = null;
      await loadPass();
      clearMessages();
    } catch (error) {
      state.example = previous;
      if (!typed) {
        throw error;
      }
      byId("example-input").value = "";
      byId("example-target").value = "";
      throw new Error(`The typed example (${described}) was not used: ` +
        describeError(error));
    }
    await renderAll();
  });
}

/** Binds the example controls. */
export function bindExampleForm() {
  byId("example-load").addEventListener("click", useExample);
  byId("example-split").addEventListener("change", renderSplitNote);
  byId("advance-example").addEventListener("change", (event) => {
    state.advanceExample = event.target.checked;
  });
}
