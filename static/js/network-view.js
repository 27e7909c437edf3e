// Draws the network with Plotly.react and turns clicks on neurons, weight
// lines and heat-map cells into selections. Dispatches "bpv:rendered" on
// document when a redraw has finished, which tests and the benchmark await.

import { buildNetworkFigure } from "./network-figure.js";
import { layoutNetwork } from "./network-layout.js";
import { buildNetworkModel } from "./network-model.js";
import { currentStage, state } from "./state.js";

const PLOT_CONFIG = {
  displayModeBar: false,
  responsive: true,
  scrollZoom: false,
  doubleClick: false,
};

let cachedLayout = { key: null, layout: null };
let lastFigure = null;

function networkLayout(sizes) {
  const key = sizes.join("-");
  if (cachedLayout.key !== key) {
    cachedLayout = { key, layout: layoutNetwork(sizes) };
  }
  return cachedLayout.layout;
}

/** Returns the last figure drawn, for the HTML report. */
export function lastNetworkFigure() {
  return lastFigure;
}

/** Converts a Plotly click point into a selection, or null. */
function selectionFromPoint(point) {
  const trace = point.data;
  if (trace.type === "heatmap") {
    const [row, k] = point.pointNumber;
    const j = trace.meta.rows - 1 - row; // rows run from j = n_l - 1 up
    return { kind: "weight", layer: trace.meta.layer, j, k };
  }
  const data = point.customdata;
  if (!Array.isArray(data)) {
    return null;
  }
  if (data.length === 3) {
    return { kind: "weight", layer: data[0], j: data[1], k: data[2] };
  }
  return { kind: "neuron", layer: data[0], j: data[1] };
}

let clickAttached = false;

/** Redraws the network of the current state and resolves when done. */
export async function renderNetwork(element, onSelect) {
  if (!state.network) {
    return;
  }
  const started = performance.now();
  const layout = networkLayout(state.network.config.sizes);
  const height = element.clientHeight || 360;
  const width = element.clientWidth || undefined;
  const model = buildNetworkModel(layout, height);
  const figure = buildNetworkFigure(model, width);
  // A fixed size from the container: Plotly's default height would overflow
  // the grid cell of the page.
  figure.layout.height = height;
  figure.layout.width = width;
  lastFigure = figure;
  await window.Plotly.react(element, figure.data, figure.layout, PLOT_CONFIG);
  if (!clickAttached) {
    element.on("plotly_click", (event) => {
      const point = event.points && event.points[0];
      const selection = point ? selectionFromPoint(point) : null;
      if (selection) {
        onSelect(selection);
      }
    });
    clickAttached = true;
  }
  element.dataset.stage = currentStage()?.kind ?? "none";
  document.dispatchEvent(new CustomEvent("bpv:rendered", {
    detail: { view: "network", ms: performance.now() - started },
  }));
}
