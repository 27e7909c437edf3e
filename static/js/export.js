// Files the student takes away: the network as JSON (re-importable), and a
// self-contained HTML report with plotly.js embedded, so it opens offline.

import * as api from "./api.js";
import { escapeHtml, formatNumber, formatPercent } from "./format.js";
import { lastNetworkFigure } from "./network-view.js";
import { state } from "./state.js";
import { lastTrainingFigures } from "./training-view.js";

const PLOTLY_PATH = "/static/vendor/plotly.min.js";

/** Offers text as a file download. */
function download(filename, text, type) {
  const blob = new Blob([text], { type });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function baseName() {
  const network = state.network;
  return `backprop-viz-${network.dataset}-${network.config.sizes.join("-")}` +
    `-step${network.steps}`;
}

/** Downloads GET /export, which POST /api/networks/import accepts. */
export async function exportJson() {
  const document = await api.exportNetwork(state.network.id);
  const text = JSON.stringify(document, null, 1);
  download(`${baseName()}.json`, text, "application/json");
}

/** Reads a JSON file chosen by the student and imports it. */
export async function importJson(file) {
  const text = await file.text();
  let document;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file.name} is not valid JSON: ${error.message}`);
  }
  return api.importNetwork(document);
}

// Inside an inline <script>, "</script" would end the element early; in
// strings and regular expressions "<\/script" means the same.
const scriptSafe = (source) => source.replace(/<\/script/gi, "<\\/script");

function configRows() {
  const network = state.network;
  const config = network.config;
  const rows = [
    ["data set", network.dataset],
    ["layer sizes (layer 0 = input)", config.sizes.join("-")],
    ["activations (hidden, output)",
      `${config.hidden_activation}, ${config.output_activation}`],
    ["cost", config.cost],
    ["learning rate η", config.learning_rate],
    ["mini-batch size m", config.batch_size],
    ["initialisation, seed", `${config.init}, ${config.seed}`],
    ["steps, epochs", `${network.steps}, ${network.epochs}`],
    ["cost train / test", `${formatNumber(network.cost?.train)} / ` +
      `${formatNumber(network.cost?.test)}`],
  ];
  if (network.accuracy) {
    rows.push(["accuracy train / test",
      `${formatPercent(network.accuracy.train)} / ` +
      `${formatPercent(network.accuracy.test)}`]);
  }
  return rows.map(([name, value]) =>
    `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(String(value))}</td></tr>`)
    .join("");
}

/** The history as table rows numbered from 1, oldest first. */
function historyRows() {
  if (state.history.length === 0) {
    return "<tr><td colspan=\"6\">No changes recorded yet. An imported " +
      "network starts with an empty history.</td></tr>";
  }
  return state.history.map((entry, i) =>
    `<tr><td>${i + 1}</td><td>${escapeHtml(entry.kind)}</td>` +
    `<td>${entry.steps}</td><td>${entry.epochs}</td>` +
    `<td>${formatNumber(entry.cost)}</td>` +
    `<td>${escapeHtml(entry.summary ?? "")}</td></tr>`).join("");
}

/**
 * Returns the caption's markup without its instructions to press Next,
 * which mean nothing in a report.
 */
function captionForReport() {
  const caption = document.getElementById("caption");
  if (!caption) {
    return "";
  }
  const copy = caption.cloneNode(true);
  copy.innerHTML = copy.innerHTML.replace(/\s*Press Next[^.]*\./g, "");
  return copy.innerHTML;
}

/**
 * Returns a figure without the pixel size of its box on the page, so that
 * it fills the width of the report. JSON.stringify drops undefined keys.
 */
function resizable(figure) {
  if (!figure) {
    return null;
  }
  return {
    data: figure.data,
    layout: { ...figure.layout, width: undefined, height: undefined },
  };
}

/** Builds the report page around the figures as they are drawn now. */
function reportHtml(plotlySource) {
  const training = lastTrainingFigures();
  const figures = { network: resizable(lastNetworkFigure()),
    curves: resizable(training.curves), side: resizable(training.side) };
  // The network figure shows the stage on the page, which the page's own
  // caption (markup built by stepper.js) describes.
  const stage = captionForReport();
  const titles = {
    network: `<h2>Network at the stage shown</h2><p>${stage}</p>`,
    curves: "<h2>Cost and accuracy during training</h2>",
    side: "<h2>Data and the network's predictions</h2>",
  };
  const blocks = Object.entries(figures).filter(([, figure]) => figure)
    .map(([name]) => `${titles[name]}<div id="${name}" class="figure"></div>`)
    .join("");
  const when = new Date().toISOString();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>backprop-viz report: ${escapeHtml(baseName())}</title>
<style>body{font-family:system-ui,sans-serif;margin:20px;max-width:1100px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;
padding:2px 8px;text-align:left}.figure{height:420px;margin:12px 0}</style>
<script>${plotlySource}</script></head><body>
<h1>backprop-viz report</h1>
<p>Written ${escapeHtml(when)}. The input is layer 0 here (layer 1 in
Nielsen's book), so w<sup>1</sup> is the first weight matrix.</p>
<h2>Set-up and state</h2><table>${configRows()}</table>
${blocks}
<h2>History</h2><table><tr><th>#</th><th>kind</th><th>steps</th>
<th>epochs</th><th>cost</th><th>summary</th></tr>${historyRows()}</table>
<script>const figures = ${scriptSafe(JSON.stringify(figures))};
for (const [name, figure] of Object.entries(figures)) {
  if (figure) {
    Plotly.newPlot(name, figure.data, figure.layout, {displayModeBar: false});
  }
}</script></body></html>`;
}

/** Downloads the HTML report with plotly.js from this server embedded. */
export async function exportReport() {
  const response = await fetch(PLOTLY_PATH);
  if (!response.ok) {
    throw new Error(`Could not load ${PLOTLY_PATH} for the report ` +
      `(HTTP ${response.status}).`);
  }
  const plotlySource = scriptSafe(await response.text());
  download(`${baseName()}.html`, reportHtml(plotlySource), "text/html");
}
