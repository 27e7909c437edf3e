// Mini-batch steps, continuous training with play/pause and speed, the
// step and epoch counters, and undo/rewind through the API's history.

import * as api from "./api.js";
import {
  afterParameterChange, enqueue, loadPass, refreshNetwork, renderAll,
} from "./controller.js";
import {
  escapeHtml, formatCount, formatNumber, formatPercent,
} from "./format.js";
import { applyStepCounters, currentStage, state } from "./state.js";

/** Milliseconds between polls of a running training job. */
const POLL_MS = 60;
/** Statuses of a training job that has stopped. */
const FINISHED = new Set(["done", "failed", "cancelled"]);

const byId = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Redraws the counters and the train and test cost and accuracy. */
export function renderCounters(element) {
  const network = state.network;
  if (!network) {
    return;
  }
  const partial = network.epoch_position
    ? ` + ${formatCount(network.epoch_position)} examples` : "";
  const rows = [
    ["steps", formatCount(network.steps)],
    ["epochs", `${formatCount(network.epochs)}${partial}`],
    ["examples seen", formatCount(network.examples_seen)],
  ];
  const head = "<dt></dt><dd class=\"split\"><span>train</span>" +
    "<span>test</span></dd>";
  const pair = (train, test) =>
    `<dd class="split"><span>${train}</span><span>${test}</span></dd>`;
  let table = `${head}<dt>cost</dt>` +
    pair(formatNumber(network.cost?.train), formatNumber(network.cost?.test));
  if (network.accuracy) {
    table += "<dt>accuracy</dt>" + pair(formatPercent(network.accuracy.train),
      formatPercent(network.accuracy.test));
  }
  element.innerHTML = rows.map(([name, value]) =>
    `<dt>${name}</dt><dd>${value}</dd>`).join("") + table;
}

/** Value of the history choice that returns to the initial parameters. */
const START = "start";

/**
 * Redraws the history list, newest first, ending with the start. A reset is
 * listed where it happened, so the list reads as a timeline. The newest
 * entry is the chosen (current) one, or the start when there is none.
 */
export function renderHistory(select) {
  const entries = [...state.history].reverse();
  const options = entries.map((entry) =>
    `<option value="${entry.id}" title="${escapeHtml(entry.summary ?? "")}">` +
    `step ${entry.steps}: ${escapeHtml(entry.kind)}</option>`);
  const atStart = entries.length === 0;
  options.push(`<option value="${START}"${atStart ? " selected" : ""} ` +
    `title="the initial parameters, which a rewind to here restores with a ` +
    `reset">step 0: start</option>`);
  select.innerHTML = options.join("");
  byId("undo").disabled = state.history.length === 0 || state.training.playing;
}

/** Runs one SGD step on the next mini-batch and shows its changes. */
function batchStep() {
  return enqueue(async () => {
    if (state.training.playing) {
      return;
    }
    const result = await api.step(state.network.id, {});
    applyStepCounters(result);
    await refreshNetwork();
    await loadPass();
    state.batchStep = result;
    await renderAll();
  });
}

function stepsPerUpdate() {
  const value = state.training.stepsPerUpdate;
  if (value === "epoch") {
    return { epochs: 1 };
  }
  return { steps: Number(value) };
}

/** Waits for a training job to stop and returns its last status. */
async function waitForJob(jobId) {
  for (;;) {
    const job = await api.getTrainingJob(state.network.id, jobId);
    if (FINISHED.has(job.status)) {
      return job;
    }
    await sleep(POLL_MS);
  }
}

/** Trains one chunk, then refreshes every view from the new state. */
async function trainChunk() {
  const job = await api.startTraining(state.network.id, stepsPerUpdate());
  state.training.jobId = job.job_id;
  const finished = FINISHED.has(job.status) ? job : await waitForJob(job.job_id);
  state.training.jobId = null;
  if (finished.error) {
    throw new Error(`Training stopped: ${finished.error}`);
  }
  await refreshNetwork();
  state.batchStep = null;
  await loadPass();
  // The cost stage shows the whole forward pass with every weight by sign
  // and size, so the network view shows the weights as they learn.
  const cost = state.stages.findIndex((stage) => stage.kind === "cost");
  state.stageIndex = cost >= 0 ? cost : state.stages.length - 1;
  await renderAll();
}

function setPlaying(playing) {
  state.training.playing = playing;
  const button = byId("train-toggle");
  button.textContent = playing ? "❚❚ Pause" : "▶ Train";
  button.setAttribute("aria-pressed", String(playing));
  document.body.classList.toggle("training-active", playing);
  for (const id of ["batch-step", "undo", "rewind", "reset", "apply-setup"]) {
    byId(id).disabled = playing;
  }
}

/** Shows the stage of the same kind and layer as `stage`, if there is one. */
async function showStage(stage, networkId) {
  const index = state.stages.findIndex((candidate) =>
    candidate.kind === stage?.kind && candidate.layer === stage?.layer);
  if (index >= 0 && !state.batchStep && state.network.id === networkId) {
    state.stageIndex = index;
    await renderAll();
  }
}

/** Starts or pauses continuous training; each chunk runs in the queue. */
function toggleTraining() {
  if (state.training.playing) {
    setPlaying(false);
    // Queued now, so it runs after the chunk in progress, if any, and
    // before anything the student does next.
    const { stageBefore, networkId } = state.training;
    enqueue(() => showStage(stageBefore, networkId));
    return;
  }
  setPlaying(true);
  // Training shows the cost stage. A pause goes back to the stage that was
  // shown before, now computed with the trained parameters.
  state.training.stageBefore = currentStage();
  state.training.networkId = state.network.id;
  const loop = async () => {
    while (state.training.playing) {
      let failed = false;
      await enqueue(async () => {
        try {
          await trainChunk();
        } catch (error) {
          failed = true;
          throw error;
        }
      });
      if (failed) {
        setPlaying(false);
      }
      // Lets clicks and key presses through between chunks.
      await sleep(0);
    }
  };
  loop();
}

/** Undoes the last history entry (step, training, edit or reset). */
function undoLast() {
  return enqueue(async () => {
    const network = await api.undo(state.network.id);
    await afterParameterChange(network);
    await renderAll();
  });
}

/**
 * Rewinds to the history entry chosen in the list. The history has no entry
 * for the network's creation, so "start" resets to the initial parameters.
 */
function rewindToChosen() {
  const choice = byId("history").value;
  return enqueue(async () => {
    const id = state.network.id;
    const network = choice === START
      ? await api.resetNetwork(id)
      : await api.rewind(id, Number(choice));
    await afterParameterChange(network);
    await renderAll();
  });
}

/** Binds the training buttons. */
export function initTrainingControls() {
  byId("batch-step").addEventListener("click", batchStep);
  byId("train-toggle").addEventListener("click", toggleTraining);
  byId("train-speed").addEventListener("change", (event) => {
    state.training.stepsPerUpdate = event.target.value;
  });
  byId("undo").addEventListener("click", undoLast);
  byId("rewind").addEventListener("click", rewindToChosen);
}

/** Stops continuous training after the running chunk. */
export function stopTraining() {
  if (state.training.playing) {
    setPlaying(false);
  }
}
