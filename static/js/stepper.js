// Stepping through one example: Next/Previous, the clickable timeline, the
// keyboard (left/right arrows, space = play/pause) and the caption of the
// stage. Entering the update stage calls POST /step; leaving it backwards
// calls POST /undo, so the network always matches the stage shown.

import {
  enqueue, loadPass, refreshHistory, renderAll, stepCurrentExample,
  undoCurrentStep,
} from "./controller.js";
import { formatNumber } from "./format.js";
import { clearMessages } from "./messages.js";
import { currentStage, numLayers, passForward, state } from "./state.js";
import { isTestExample, previewStep } from "./update-preview.js";

const AUTOPLAY_DEFAULT_MS = 900;
let autoplayTimer = null;

const sup = (v) => `<sup>${v}</sup>`;

/** Returns the short timeline label of a stage (HTML). */
function stageLabel(stage) {
  switch (stage.kind) {
    case "input":
      return "x";
    case "forward":
      return `a${sup(stage.layer)}`;
    case "cost":
      return "C";
    case "backward":
      return `δ${sup(stage.layer)} ${stage.equation}`;
    case "gradients":
      return "∂C/∂w, ∂C/∂b";
    default:
      return stage.preview ? "update (preview)" : "update";
  }
}

function stageTitle(stage) {
  switch (stage.kind) {
    case "input":
      return "Input: layer 0 (the book's layer 1)";
    case "forward":
      return `Forward pass: layer ${stage.layer}`;
    case "cost":
      return "Cost of this example";
    case "backward":
      return `Backward pass: δ of layer ${stage.layer} by ${stage.equation}`;
    case "gradients":
      return "Gradients (BP3, BP4)";
    default:
      return stage.preview
        ? "Update preview: the step this test example would make"
        : "Update: one gradient-descent step on this example";
  }
}

/** Returns what Next does after the gradients stage, for its caption. */
function afterGradients() {
  if (!isTestExample()) {
    return "Next applies the update.";
  }
  return "This is a test example, and test examples are never trained " +
    "on: Next shows the update it would make without applying it.";
}

/** Returns how layer l computes a from z, as caption HTML. */
function activationText(l) {
  const config = state.network.config;
  if (l === numLayers() && config.output_activation === "softmax") {
    return `a${sup(l)} = softmax(z${sup(l)}), that is a${sup(l)}` +
      `<sub>j</sub> = e<sup>z<sub>j</sub></sup> / ∑<sub>i</sub> ` +
      "e<sup>z<sub>i</sub></sup>";
  }
  return `a${sup(l)} = σ(z${sup(l)})`;
}

/** Returns the caption under the timeline for the current stage (HTML). */
function stageCaption(stage) {
  const L = numLayers();
  const l = stage.layer;
  const forward = passForward();
  switch (stage.kind) {
    case "input":
      return `a${sup(0)} = x, the input of the example. Press Next (→) to ` +
        "compute layer 1.";
    case "forward":
      return `z${sup(l)} = w${sup(l)} a${sup(l - 1)} + b${sup(l)}, ` +
        `${activationText(l)}. Circles show a; line colour is the ` +
        "sign of w, width is |w|." + (l === L && !state.pass.backward
        ? " <strong>The pass ends here because this example has no target " +
          "y.</strong> Type a target y and press Use example to go on to " +
          "the cost and the backward pass."
        : "");
    case "cost":
      return `C = ${formatNumber(forward.cost ?? state.pass.backward.cost)} ` +
        `(${state.network.config.cost.replace("_", "-")} cost of a${sup(L)} ` +
        "against the target y).";
    case "backward":
      return stage.equation === "BP1"
        ? `BP1: δ${sup(L)} = ∇${"<sub>a</sub>"}C ⊙ σ′(z${sup(L)}). ` +
          "Circles show δ, lines ∂C/∂w."
        : `BP2: δ${sup(l)} = ((w${sup(l + 1)})${sup("T")} δ${sup(l + 1)}) ` +
          `⊙ σ′(z${sup(l)}). Circles show δ, lines ∂C/∂w.`;
    case "gradients":
      return "Every ∂C/∂w and ∂C/∂b is now known. BP3: " +
        `∂C/∂b${sup("l")}<sub>j</sub> = δ${sup("l")}<sub>j</sub>, BP4: ` +
        `∂C/∂w${sup("l")}<sub>jk</sub> = a${sup("l−1")}<sub>k</sub> ` +
        `δ${sup("l")}<sub>j</sub>. ${afterGradients()}`;
    default:
      return updateCaption();
  }
}

function updateCaption() {
  const step = state.pass?.step;
  if (!step) {
    return "w → w − η ∂C/∂w, b → b − η ∂C/∂b";
  }
  if (step.preview) {
    return "Not applied: test examples are never trained on, so the " +
      "network is unchanged. One step w → w − η ∂C/∂w with η = " +
      `${formatNumber(step.learning_rate)} would give the values shown; ` +
      "hover for old → new.";
  }
  return `w → w − η ∂C/∂w with η = ${formatNumber(step.learning_rate)}. ` +
    `Cost of this example ${formatNumber(step.cost_before)} → ` +
    `${formatNumber(step.cost_after)}. Lines and circles show the change; ` +
    "hover for old → new.";
}

function batchCaption(step) {
  const indices = step.batch.indices;
  const shown = indices ? ` (training examples ${indices.slice(0, 12).join(", ")}` +
    `${indices.length > 12 ? ", …" : ""})` : "";
  return `Mini-batch step on m = ${step.batch.m} examples${shown} ` +
    `with η = ${formatNumber(step.learning_rate)}: mean cost ` +
    `${formatNumber(step.cost_before)} → ${formatNumber(step.cost_after)}. ` +
    "Lines and circles show Δw and Δb. Press Next for a new pass.";
}

/** Redraws the timeline and the caption. */
export function renderTimeline(timeline, caption) {
  const buttons = state.stages.map((stage, i) => {
    const current = i === state.stageIndex && !state.batchStep;
    const done = i < state.stageIndex && !state.batchStep;
    const classes = ["stage", stage.kind, current ? "current" : "",
      done ? "done" : ""].join(" ");
    return `<li><button type="button" class="${classes}" data-index="${i}" ` +
      `title="${stageTitle(stage)}" aria-current="${current}">` +
      `${stageLabel(stage)}</button></li>`;
  });
  timeline.innerHTML = buttons.join("");
  if (state.batchStep) {
    caption.innerHTML = batchCaption(state.batchStep);
  } else if (state.pass && currentStage()) {
    const stage = currentStage();
    caption.innerHTML = `<strong>${stageTitle(stage)}.</strong> ` +
      stageCaption(stage);
  } else {
    caption.textContent = "";
  }
}

/**
 * Moves to stage `target`, calling /step or /undo at the update stage. A
 * previewed update (test example) is a /step with "preview": true, which
 * changes nothing on the server.
 */
async function goToStage(target) {
  const updateIndex = state.stages.findIndex((s) => s.kind === "update");
  const preview = Boolean(state.stages[updateIndex]?.preview);
  const bounded = Math.max(0, Math.min(target, state.stages.length - 1));
  state.batchStep = null;
  if (bounded === updateIndex && !state.pass.step) {
    if (preview) {
      state.pass.step = await previewStep();
    } else {
      await stepCurrentExample();
    }
  } else if (bounded < updateIndex && state.pass.step) {
    if (state.pass.step.preview) {
      state.pass.step = null;
    } else {
      await undoCurrentStep();
    }
  }
  state.stageIndex = bounded;
  await renderAll();
}

/**
 * Starts the next pass: the next example of the chosen split (after the
 * last one, the first), or the same typed input.
 */
async function startNextPass() {
  const example = state.example;
  const dataset = state.dataset;
  const total = (example.split === "test" ? dataset?.n_test
    : dataset?.n_train) ?? 0;
  if (!example.input && state.advanceExample && total > 0) {
    example.index = (example.index + 1) % total;
  }
  state.batchStep = null;
  await Promise.all([loadPass(), refreshHistory()]);
  clearMessages();
  await renderAll();
}

/** Goes one stage forward; after the update it starts a new pass. */
export function next() {
  return enqueue(async () => {
    if (!state.pass || state.training.playing) {
      return;
    }
    const last = state.stageIndex >= state.stages.length - 1;
    // A sequence that ends at the gradients (test example with momentum)
    // has no update to wait for.
    const ended = state.pass.step ||
      (state.pass.backward && currentStage()?.kind === "gradients");
    if (state.batchStep || (last && ended)) {
      await startNextPass();
    } else if (last) {
      await renderAll();
    } else {
      await goToStage(state.stageIndex + 1);
    }
  });
}

/** Goes one stage back. */
export function previous() {
  return enqueue(async () => {
    if (!state.pass || state.training.playing) {
      return;
    }
    await goToStage(state.batchStep ? 0 : state.stageIndex - 1);
  });
}

/** Jumps to a stage chosen on the timeline. */
export function jumpTo(index) {
  return enqueue(async () => {
    if (!state.pass || state.training.playing) {
      return;
    }
    await goToStage(index);
  });
}

/** Starts or stops stepping through the stages on a timer. */
export function toggleAutoplay(onChange) {
  state.autoplay = !state.autoplay;
  if (autoplayTimer) {
    clearTimeout(autoplayTimer);
    autoplayTimer = null;
  }
  const tick = async () => {
    if (!state.autoplay) {
      return;
    }
    await next();
    autoplayTimer = setTimeout(tick, state.autoplayDelay ?? AUTOPLAY_DEFAULT_MS);
  };
  if (state.autoplay) {
    autoplayTimer = setTimeout(tick, 0);
  }
  onChange();
}

/** Stops the stage autoplay, if it runs. */
export function stopAutoplay(onChange) {
  if (state.autoplay) {
    toggleAutoplay(onChange);
  }
}

function isTyping(target) {
  const tag = target?.tagName;
  return ["INPUT", "SELECT", "TEXTAREA"].includes(tag) ||
    target?.isContentEditable;
}

/** Binds the arrow keys and the space bar; onToggle switches autoplay. */
export function bindKeyboard(onToggle) {
  // A focused button would also treat the space bar as a click on keyup.
  document.addEventListener("keyup", (event) => {
    if (event.key === " " && !isTyping(event.target)) {
      event.preventDefault();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (isTyping(event.target) || event.altKey || event.ctrlKey ||
      event.metaKey) {
      return;
    }
    if (event.key === "ArrowRight") {
      event.preventDefault();
      next();
    } else if (event.key === "ArrowLeft") {
      event.preventDefault();
      previous();
    } else if (event.key === " ") {
      event.preventDefault();
      onToggle();
    }
  });
}
