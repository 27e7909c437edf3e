// The training view: cost and accuracy curves, the decision boundary (or
// regression surface) of 2-input data sets with the data points on top, the
// fitted curve of 1-input regression, and for image data the current example
// with the output of each class.

import * as api from "./api.js";
import { CLASS_COLOURS, DIVERGING_SCALE } from "./colors.js";
import { fitToElement } from "./plot-size.js";
import { passForward, state } from "./state.js";

// Figures are sized from their containers (see plot-size.js), so Plotly's
// `responsive` option, which would autosize them again, stays off.
const PLOT_CONFIG = { displayModeBar: false };
const GRID_RESOLUTION = 40;
const CURVE_RESOLUTION = 101;
const MAX_POINTS = 1000;
const POINTS_PAGE = 500;

const figures = { curves: null, side: null, image: null };
// Keys of the state each plot was last drawn from. Moving between stages of
// one pass changes none of them, so those presses skip these plots.
const drawnKeys = { curves: null, side: null };
let pointsCache = { key: null, examples: [] };
// The last prediction grid and curve, by kind, with the parameters' version.
const predictionCache = {};

/** Returns the figures last drawn, for the HTML report. */
export function lastTrainingFigures() {
  return { ...figures };
}

function axisFont() {
  return { size: 11 };
}

function curveTraces() {
  const x = state.curve.map((p) => p.steps);
  const line = (name, key, colour, dash, axis) => ({
    type: "scatter", mode: "lines+markers", name, x,
    y: state.curve.map((p) => p[key]), yaxis: axis,
    line: { color: colour, dash, width: 2 }, marker: { size: 4 },
    hovertemplate: `${name}: %{y:.5g}<br>step %{x}<extra></extra>`,
  });
  const traces = [
    line("train cost", "trainCost", "#0072b2", "solid", "y"),
    line("test cost", "testCost", "#0072b2", "dot", "y"),
  ];
  if (state.curve.some((p) => p.trainAccuracy !== null)) {
    traces.push(line("train accuracy", "trainAccuracy", "#d55e00", "solid",
      "y2"));
    traces.push(line("test accuracy", "testAccuracy", "#d55e00", "dot",
      "y2"));
  }
  return traces;
}

// Costs that span this ratio or more are drawn on a log axis, so that a
// large first cost does not flatten the rest of the curve.
const LOG_COST_RATIO = 100;

/** Returns whether the curve's costs are all positive and span LOG_COST_RATIO. */
function costsNeedLogAxis() {
  const costs = state.curve.flatMap((p) => [p.trainCost, p.testCost])
    .filter((c) => c !== null && c !== undefined);
  if (costs.length < 2 || costs.some((c) => !(c > 0) || !Number.isFinite(c))) {
    return false;
  }
  return Math.max(...costs) / Math.min(...costs) >= LOG_COST_RATIO;
}

/** Draws the cost and accuracy curves against the step count. */
export async function renderCurves(element) {
  const last = state.curve.at(-1);
  const key = `${state.network?.id}:${state.curve.length}:${last?.steps}:` +
    `${last?.trainCost}`;
  if (key === drawnKeys.curves) {
    return;
  }
  drawnKeys.curves = key;
  const data = curveTraces();
  const layout = {
    margin: { l: 48, r: 48, t: 28, b: 36 },
    xaxis: { title: { text: "steps", font: axisFont() }, rangemode: "tozero" },
    // automargin widens the margin for long tick labels such as 1e+299, so
    // that they do not run into the axis title.
    yaxis: { title: { text: "cost", font: axisFont() }, rangemode: "tozero",
      exponentformat: "e", automargin: true },
    yaxis2: {
      title: { text: "accuracy", font: axisFont() }, overlaying: "y",
      side: "right", range: [0, 1], tickformat: ".0%",
      tickvals: [0, 0.25, 0.5, 0.75, 1], showgrid: false,
    },
    legend: { orientation: "h", y: 1.02, yanchor: "bottom", x: 0,
      font: { size: 10 } },
    uirevision: "curves",
  };
  if (costsNeedLogAxis()) {
    Object.assign(layout.yaxis, { type: "log", rangemode: undefined,
      title: { text: "cost (log scale)", font: axisFont() } });
  }
  if ((last?.steps ?? 0) < FEW_STEPS) {
    // Whole steps only: before training the axis would show 0.2, 0.4, ...
    Object.assign(layout.xaxis, { range: [0, FEW_STEPS], dtick: 1 });
  }
  figures.curves = { data, layout };
  fitToElement(layout, element);
  await window.Plotly.react(element, data, layout, PLOT_CONFIG);
}

async function datasetPoints(name) {
  if (pointsCache.key === name) {
    return pointsCache.examples;
  }
  const examples = [];
  let offset = 0;
  let total = Infinity;
  while (offset < Math.min(total, MAX_POINTS)) {
    const page = await api.getExamples(name, "train", offset, POINTS_PAGE);
    total = page.total;
    examples.push(...page.examples);
    if (page.examples.length === 0) {
      break;
    }
    offset += page.examples.length;
  }
  pointsCache = { key: name, examples };
  return examples;
}

/** Returns a prediction of the shown parameters, fetched once per version. */
async function cachedPrediction(kind, fetch) {
  const key = `${state.network.id}:${state.parametersVersion}`;
  if (predictionCache[kind]?.key !== key) {
    predictionCache[kind] = { key, value: await fetch() };
  }
  return predictionCache[kind].value;
}

const predictionGrid = () => cachedPrediction("grid",
  () => api.predictGrid(state.network.id, GRID_RESOLUTION));
const predictionCurve = () => cachedPrediction("curve",
  () => api.predictCurve(state.network.id, CURVE_RESOLUTION));

function pointTraces(examples, classification) {
  if (!classification) {
    return [{
      type: "scatter", mode: "markers", name: "examples, coloured by target y",
      showlegend: true,
      x: examples.map((e) => e.input[0]), y: examples.map((e) => e.input[1]),
      marker: { color: examples.map((e) => e.target[0]),
        coloraxis: "coloraxis", size: 6, line: { color: "#000", width: 1 } },
      hovertemplate: "x=(%{x:.3g}, %{y:.3g})<br>y=%{marker.color:.4g}" +
        "<extra></extra>",
    }];
  }
  const byClass = new Map();
  for (const example of examples) {
    const label = exampleClass(example);
    if (!byClass.has(label)) {
      byClass.set(label, []);
    }
    byClass.get(label).push(example);
  }
  return [...byClass.entries()].sort((p, q) => p[0] - q[0])
    .map(([label, group]) => ({
      type: "scatter", mode: "markers", name: className(label),
      x: group.map((e) => e.input[0]), y: group.map((e) => e.input[1]),
      marker: { color: CLASS_COLOURS[label % CLASS_COLOURS.length], size: 6,
        line: { color: "#ffffff", width: 1 } },
      hovertemplate: `class ${className(label)}<br>` +
        "x=(%{x:.3g}, %{y:.3g})<extra></extra>",
    }));
}

/** Returns the class index of an example with a one-hot or 0/1 target. */
function exampleClass(example) {
  if (Number.isInteger(example.label)) {
    return example.label;
  }
  const target = example.target;
  if (target.length === 1) {
    return target[0] >= 0.5 ? 1 : 0;
  }
  return target.indexOf(Math.max(...target));
}

function className(label) {
  const names = state.dataset?.class_names;
  return names && names[label] !== undefined ? String(names[label])
    : String(label);
}

function isClassification() {
  return state.dataset?.task !== "regression";
}

/**
 * Returns the heat-map values of the prediction grid: the output for
 * regression, the network's probability of class 1 for two classes, and the
 * predicted class index for more classes.
 */
function gridSurface(grid, classification, nClasses) {
  if (!classification) {
    // The dots use the same colours for their targets.
    return { z: grid.values, title: "output a<sup>L</sup>, target y",
      discrete: false };
  }
  if (nClasses <= 2) {
    const z = grid.values.map((row, r) => row.map((label, c) => {
      const p = grid.probability[r][c];
      return label === 1 ? p : 1 - p;
    }));
    return { z, title: `P(${className(1)})`, discrete: false };
  }
  return { z: grid.values, title: "predicted class", discrete: true };
}

/** Returns a stepwise colour scale with one class colour per index. */
function classScale(nClasses) {
  const scale = [];
  for (let i = 0; i < nClasses; i += 1) {
    const colour = CLASS_COLOURS[i % CLASS_COLOURS.length];
    scale.push([i / nClasses, colour], [(i + 1) / nClasses, colour]);
  }
  return scale;
}

/** Draws the decision boundary or regression surface with the data. */
async function renderBoundary(element) {
  const [grid, examples] = await Promise.all([
    predictionGrid(), datasetPoints(state.network.dataset)]);
  const classification = isClassification();
  const nClasses = state.dataset?.class_names?.length ?? 2;
  const surface = gridSurface(grid, classification, nClasses);
  const heat = {
    type: "heatmap", x: grid.x, y: grid.y, z: surface.z,
    name: surface.title, coloraxis: "coloraxis", opacity: 0.75,
    customdata: grid.probability,
    hovertemplate: `x=(%{x:.3g}, %{y:.3g})<br>${surface.title} ` +
      "%{z:.4g}<extra></extra>",
  };
  let coloraxis;
  if (surface.discrete) {
    coloraxis = { colorscale: classScale(nClasses), cmin: -0.5,
      cmax: nClasses - 0.5, showscale: false };
  } else {
    const range = classification ? { cmin: 0, cmax: 1 } : {};
    const scale = classification ? twoClassScale() : DIVERGING_SCALE;
    coloraxis = { colorscale: scale, ...range, colorbar: {
      title: { text: surface.title, side: "right" }, thickness: 10 } };
  }
  const data = [heat, ...pointTraces(examples, classification)];
  const layout = {
    margin: { l: 40, r: 10, t: 22, b: 34 },
    coloraxis,
    xaxis: { title: { text: feature(0), font: axisFont(), standoff: 2 } },
    yaxis: { title: { text: feature(1), font: axisFont(), standoff: 2 } },
    legend: { orientation: "h", y: 1.0, yanchor: "bottom", x: 0,
      font: { size: 10 } },
    uirevision: "boundary",
  };
  figures.side = { data, layout };
  fitToElement(layout, element);
  await window.Plotly.react(element, data, layout, PLOT_CONFIG);
}

/** Fades from the colour of class 0 through white to that of class 1. */
function twoClassScale() {
  return [[0, CLASS_COLOURS[0]], [0.5, "#ffffff"], [1, CLASS_COLOURS[1]]];
}

/**
 * Returns the axis title of input i: its feature name, with the index of a
 * name such as "x_0" as a subscript, as the panel writes x₀.
 */
function feature(i) {
  const name = state.dataset?.feature_names?.[i] ?? `x_${i}`;
  return name.replace(/^x_(\d+)$/, "x<sub>$1</sub>");
}

// Until this many steps, the learning curve's axis runs from 0 to it.
const FEW_STEPS = 5;

// Below this width in pixels, the output bars' title takes two lines.
const TWO_LINE_TITLE_WIDTH = 260;

/** Draws the output activations a^L per class, marking the target. */
async function renderOutputBars(element) {
  const forward = passForward();
  if (!forward) {
    return;
  }
  const output = forward.layers.at(-1).a;
  const target = forward.target;
  const labels = output.map((_, j) => className(j));
  const colours = output.map((_, j) =>
    target && target[j] === Math.max(...target) ? "#d55e00" : "#0072b2");
  const data = [{
    type: "bar", x: labels, y: output, marker: { color: colours },
    hovertemplate: "class %{x}: a = %{y:.5g}<extra></extra>",
    name: "a^L",
  }];
  // The title takes two lines where one would be cut at the plot's edges.
  const narrow = element.clientWidth < TWO_LINE_TITLE_WIDTH;
  const layout = {
    margin: { l: 40, r: 10, t: narrow ? 40 : 24, b: 30 },
    title: { text: `output a<sup>L</sup>${narrow ? "<br>" : " "}(orange: target)`,
      font: { size: 12 } },
    xaxis: { type: "category" }, yaxis: { rangemode: "tozero" },
    uirevision: "bars",
  };
  figures.side = { data, layout };
  fitToElement(layout, element);
  await window.Plotly.react(element, data, layout, PLOT_CONFIG);
}

/**
 * Draws 1-input regression data as points (x, y), the network's output a^L
 * over the input range as a curve, and a^L of the current example.
 */
async function renderCurveFit(element) {
  const [curve, examples] = await Promise.all([
    predictionCurve(), datasetPoints(state.network.dataset)]);
  const forward = passForward();
  const data = [{
    type: "scatter", mode: "markers", name: "data (x, y)",
    x: examples.map((e) => e.input[0]), y: examples.map((e) => e.target[0]),
    marker: { color: CLASS_COLOURS[0], size: 5 },
    hovertemplate: "x=%{x:.4g}<br>y=%{y:.4g}<extra></extra>",
  }, {
    type: "scatter", mode: "lines", name: "network output a<sup>L</sup>",
    x: curve.x, y: curve.a.map((a) => a[0]),
    line: { color: CLASS_COLOURS[1], width: 2.5 },
    hovertemplate: "x=%{x:.4g}<br>a<sup>L</sup>=%{y:.5g}<extra></extra>",
  }];
  if (forward) {
    data.push({
      type: "scatter", mode: "markers", name: "a<sup>L</sup> of this example",
      x: [forward.input[0]], y: [forward.layers.at(-1).a[0]],
      marker: { color: CLASS_COLOURS[5], size: 11, symbol: "diamond" },
      hovertemplate: "x=%{x:.4g}<br>a=%{y:.5g}<extra></extra>",
    });
  }
  // Non-finite outputs arrive as the strings "NaN" and "Infinity", which
  // Plotly leaves out of the line, so a note explains the gaps.
  const gaps = curve.a.some((a) => !Number.isFinite(a[0]));
  const layout = {
    margin: { l: 40, r: 10, t: 22, b: 34 },
    xaxis: { title: { text: feature(0), font: axisFont(), standoff: 2 } },
    yaxis: { title: { text: "y", font: axisFont(), standoff: 2 },
      automargin: true },
    legend: { orientation: "h", y: 1.0, yanchor: "bottom", x: 0,
      font: { size: 10 } },
    annotations: gaps ? [{ text: "a<sup>L</sup> is NaN or ±∞ where the " +
      "line is missing", xref: "paper", yref: "paper", x: 0.5, y: 0.5,
      showarrow: false, font: { size: 12, color: "#000000" },
      bgcolor: "#ffffff" }] : [],
    uirevision: "fit",
  };
  figures.side = { data, layout };
  fitToElement(layout, element);
  await window.Plotly.react(element, data, layout, PLOT_CONFIG);
}

/** Draws the input of the current example as an image, e.g. 8x8 digits. */
async function renderImage(element) {
  const forward = passForward();
  const shape = state.dataset?.image_shape;
  if (!forward || !shape) {
    element.hidden = true;
    return;
  }
  element.hidden = false;
  const [rows, cols] = shape;
  const z = [];
  for (let r = 0; r < rows; r += 1) {
    z.push(forward.input.slice(r * cols, (r + 1) * cols));
  }
  // Dark ink on white paper: the largest input value is drawn black.
  const [low, high] = state.dataset.input_range ?? [0, 1];
  const data = [{ type: "heatmap", z, zmin: low, zmax: high,
    colorscale: [[0, "#ffffff"], [1, "#000000"]], showscale: false,
    hovertemplate: "pixel (%{y}, %{x}): %{z:.3g}<extra></extra>" }];
  const target = forward.target;
  const label = target ? ` (class ${className(target.indexOf(
    Math.max(...target)))})` : "";
  const layout = {
    margin: { l: 8, r: 8, t: 24, b: 8 },
    title: { text: `input x${label}`, font: { size: 12 } },
    xaxis: { visible: false, constrain: "domain" },
    yaxis: { visible: false, autorange: "reversed", scaleanchor: "x" },
  };
  figures.image = { data, layout };
  fitToElement(layout, element);
  await window.Plotly.react(element, data, layout, PLOT_CONFIG);
}

/** Returns which view beside the curves fits the network's data set. */
function sideViewKind() {
  const sizes = state.network.config.sizes;
  if (sizes[0] === 2) {
    return "boundary";
  }
  if (sizes[0] === 1 && sizes.at(-1) === 1 && !isClassification()) {
    return "fit";
  }
  return "bars";
}

/** Draws the view beside the curves that fits the data set. */
export async function renderSideView(sideElement, imageElement) {
  if (!state.network) {
    return;
  }
  // The pass object is replaced for every new example or parameter change.
  const key = [state.network.id, state.parametersVersion, passForward()];
  if (drawnKeys.side && drawnKeys.side.every((v, i) => v === key[i])) {
    return;
  }
  drawnKeys.side = key;
  const kind = sideViewKind();
  // The image takes part of the row, so it is shown or hidden before any
  // figure reads the size of its container.
  const showsImage = kind === "bars" && Boolean(passForward()) &&
    Boolean(state.dataset?.image_shape);
  imageElement.hidden = !showsImage;
  if (kind === "boundary") {
    await renderBoundary(sideElement);
  } else if (kind === "fit") {
    await renderCurveFit(sideElement);
  } else {
    await Promise.all([renderImage(imageElement),
      renderOutputBars(sideElement)]);
  }
}
