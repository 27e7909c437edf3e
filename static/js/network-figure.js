// Turns a network model (values and colours of one stage) into a Plotly
// figure. Pure: no state, no DOM. Arrays indexed by layer use the layer
// number l as index; weights[0] is unused because w^1 is the first matrix.

import {
  DIVERGING_SCALE, NEGATIVE, NEURON_BORDER, NON_FINITE, NOT_COMPUTED,
  NOT_COMPUTED_LINE, POSITIVE, colourRange, divergingBucket, DIVERGING,
} from "./colors.js";
import { formatNumber } from "./format.js";
import { drawsLines } from "./network-layout.js";

const WIDTHS = [0.6, 1.3, 2.2, 3.3, 4.6];
const HOVER_POINT_POSITION = 0.75; // fraction of the line from a^{l-1}_k
const HEATMAP_MARGIN = 0.14; // gap between a heat map and the columns
// Heat maps with more cells get a short hover template in place of one
// hover text per cell, which would slow every redraw of a 784-30-10 network.
const MAX_LABELLED_CELLS = 4096;

/** Returns the index into WIDTHS for magnitude |v| out of range. */
function widthBucket(v, range) {
  if (range <= 0) {
    return 0;
  }
  const t = Math.min(1, Math.abs(v) / range);
  return Math.min(WIDTHS.length - 1, Math.floor(t * WIDTHS.length));
}

/** Returns the colour, width and dash of the line of one weight. */
function lineStyle(spec, v, range) {
  if (spec.mode === "grey") {
    return { colour: NOT_COMPUTED_LINE, width: 1, dash: "solid" };
  }
  if (!Number.isFinite(v)) {
    return { colour: NON_FINITE, width: 2, dash: "dot" };
  }
  if (spec.mode === "sign") {
    const colour = v >= 0 ? POSITIVE : NEGATIVE;
    return { colour, width: WIDTHS[widthBucket(v, range)], dash: "solid" };
  }
  const bucket = divergingBucket(v, range);
  return {
    colour: DIVERGING[bucket],
    width: WIDTHS[widthBucket(v, range)],
    dash: "solid",
  };
}

/**
 * Groups the lines of all weight layers drawn as lines into one trace per
 * (colour, width, dash), with null between segments. One trace per weight
 * would make Plotly slow beyond a few hundred weights.
 */
function lineTraces(model) {
  const buckets = new Map();
  const hover = { x: [], y: [], customdata: [], text: [] };
  const { columns } = model.layout;
  for (let l = 1; l < columns.length; l += 1) {
    if (!drawsLines(columns, l)) {
      continue;
    }
    const spec = model.weights[l];
    const range = spec.mode === "sign" ? model.signRange : model.weightRange;
    for (const target of columns[l].neurons) {
      for (const source of columns[l - 1].neurons) {
        const v = spec.values ? spec.values[target.j][source.j] : 0;
        const style = lineStyle(spec, v, range);
        const key = `${style.colour}|${style.width}|${style.dash}`;
        if (!buckets.has(key)) {
          buckets.set(key, { style, x: [], y: [] });
        }
        const bucket = buckets.get(key);
        bucket.x.push(l - 1, l, null);
        bucket.y.push(source.y, target.y, null);
        const t = HOVER_POINT_POSITION;
        hover.x.push(l - 1 + t);
        hover.y.push(source.y + t * (target.y - source.y));
        hover.customdata.push([l, target.j, source.j]);
        hover.text.push(model.weightHover(l, target.j, source.j));
      }
    }
  }
  const traces = [];
  // Grey lines first, so computed lines are drawn on top of them.
  const ordered = [...buckets.values()].sort(
    (p, q) => Number(q.style.colour === NOT_COMPUTED_LINE) -
      Number(p.style.colour === NOT_COMPUTED_LINE) ||
      p.style.width - q.style.width,
  );
  for (const { style, x, y } of ordered) {
    traces.push({
      type: "scatter", mode: "lines", x, y, hoverinfo: "skip",
      line: { color: style.colour, width: style.width, dash: style.dash },
      showlegend: false,
    });
  }
  return { traces, hover };
}

function weightHoverTrace(hover) {
  return {
    type: "scatter", mode: "markers", name: "weights",
    x: hover.x, y: hover.y, customdata: hover.customdata,
    hovertext: hover.text, hoverinfo: "text",
    marker: { size: 9, color: "rgba(0,0,0,0)" },
    showlegend: false,
  };
}

/** Returns the row y-coordinates of the heat map of w^l, top row j = 0. */
function heatmapRows(columns, l) {
  const to = columns[l];
  if (!to.compact) {
    return to.neurons.map(({ y }) => y);
  }
  const rows = [];
  for (let j = 0; j < to.n; j += 1) {
    rows.push(to.top - (2 * to.top * j) / Math.max(1, to.n - 1));
  }
  return rows;
}

/**
 * Builds the heat map of w^l (or its gradient) between two columns, and a
 * trace marking its non-finite cells.
 */
function heatmapTrace(model, l) {
  const { columns } = model.layout;
  const spec = model.weights[l];
  const nFrom = columns[l - 1].n;
  const nTo = columns[l].n;
  const left = l - 1 + HEATMAP_MARGIN;
  const width = 1 - 2 * HEATMAP_MARGIN;
  const x = Array.from({ length: nFrom }, (_, k) =>
    left + (width * (k + 0.5)) / nFrom);

  // Plotly wants increasing y, so rows go from j = n_l - 1 up to j = 0.
  const y = heatmapRows(columns, l).reverse();
  const z = [];
  const text = [];
  const nonFinite = { x: [], y: [], text: [] };
  const labelled = nFrom * nTo <= MAX_LABELLED_CELLS;
  for (let j = nTo - 1; j >= 0; j -= 1) {
    const row = spec.values ? spec.values[j] : new Array(nFrom).fill(0);
    z.push(row.map((v) => (Number.isFinite(v) ? v : null)));
    row.forEach((v, k) => {
      if (!Number.isFinite(v)) {
        nonFinite.x.push(x[k]);
        nonFinite.y.push(y[nTo - 1 - j]);
        nonFinite.text.push(`w${l}, j=${j}, k=${k}: ${formatNumber(v)}`);
      }
    });
    if (labelled) {
      const labels = [];
      for (let k = 0; k < nFrom; k += 1) {
        labels.push(model.weightHover(l, j, k));
      }
      text.push(labels);
    }
  }

  const hover = labelled ? { text, hoverinfo: "text" } : {
    hovertemplate: `value %{z:.6g}<br>click for w<sup>${l}</sup>` +
      "<sub>jk</sub> in the panel<extra></extra>",
  };
  const trace = {
    type: "heatmap", x, y, z, ...hover,
    meta: { layer: l, rows: nTo }, xgap: 0, ygap: nTo > 60 ? 0 : 1,
    showscale: false, name: `w${l}`,
  };
  if (spec.mode === "grey") {
    trace.colorscale = [[0, NOT_COMPUTED_LINE], [1, NOT_COMPUTED_LINE]];
  } else {
    trace.coloraxis = "coloraxis2";
  }

  // A heat map leaves null cells empty, so NaN and infinities get markers.
  const marks = {
    type: "scatter", mode: "markers", x: nonFinite.x, y: nonFinite.y,
    hovertext: nonFinite.text, hoverinfo: "text", showlegend: false,
    marker: { symbol: "square", size: 5, color: NON_FINITE },
  };
  return [trace, marks];
}

/** Splits drawn neurons into computed, not computed and non-finite. */
function neuronGroups(model) {
  const groups = {
    computed: { x: [], y: [], color: [], customdata: [], text: [] },
    grey: { x: [], y: [], customdata: [], text: [] },
    nonFinite: { x: [], y: [], customdata: [], text: [], label: [] },
  };
  for (const column of model.layout.columns) {
    const spec = model.neurons[column.layer];
    for (const { j, y } of column.neurons) {
      const v = spec.values ? spec.values[j] : null;
      let group = groups.grey;
      if (spec.values && Number.isFinite(v)) {
        group = groups.computed;
        group.color.push(v);
      } else if (spec.values) {
        group = groups.nonFinite;
        group.label.push(formatNumber(v));
      }
      group.x.push(column.layer);
      group.y.push(y);
      group.customdata.push([column.layer, j]);
      group.text.push(model.neuronHover(column.layer, j));
    }
  }
  return groups;
}

function neuronTraces(model) {
  const size = model.markerSize;
  const groups = neuronGroups(model);
  const border = { color: NEURON_BORDER, width: 1 };
  const common = { type: "scatter", hoverinfo: "text", showlegend: false };
  return [
    {
      ...common, mode: "markers", name: "not computed", ...groups.grey,
      hovertext: groups.grey.text, text: undefined,
      marker: { size, color: NOT_COMPUTED, line: { color: "#b0b0b0", width: 1 } },
    },
    {
      ...common, mode: "markers", name: "neurons", x: groups.computed.x,
      y: groups.computed.y, customdata: groups.computed.customdata,
      hovertext: groups.computed.text,
      marker: {
        size, color: groups.computed.color, coloraxis: "coloraxis", line: border,
      },
    },
    {
      ...common, mode: "markers+text", name: "non-finite",
      x: groups.nonFinite.x, y: groups.nonFinite.y,
      customdata: groups.nonFinite.customdata,
      hovertext: groups.nonFinite.text, text: groups.nonFinite.label,
      textposition: "middle center",
      textfont: { color: "#ffffff", size: Math.max(8, size / 3) },
      marker: { size, color: NON_FINITE, line: border },
    },
  ];
}

/** Marks the selected neuron with a ring or the selected weight's line. */
function selectionTrace(model) {
  const selection = model.selection;
  const { columns } = model.layout;
  const empty = { type: "scatter", x: [], y: [], hoverinfo: "skip",
    showlegend: false };
  if (!selection) {
    return empty;
  }
  if (selection.kind === "neuron") {
    const y = columns[selection.layer]?.yOf.get(selection.j);
    if (y === undefined) {
      return empty;
    }
    return { ...empty, mode: "markers", x: [selection.layer], y: [y],
      marker: { size: model.markerSize + 10, symbol: "circle-open",
        color: "#0072b2", line: { width: 3, color: "#0072b2" } } };
  }
  const l = selection.layer;
  const y1 = columns[l]?.yOf.get(selection.j);
  const y0 = columns[l - 1]?.yOf.get(selection.k);
  if (y0 === undefined || y1 === undefined || !drawsLines(columns, l)) {
    return empty;
  }
  // A wide translucent band under the weight's own line (see
  // buildNetworkFigure), so its colour and width stay visible.
  return { ...empty, mode: "lines", x: [l - 1, l], y: [y0, y1],
    line: { color: "rgba(0, 114, 178, 0.3)", width: 14 } };
}

function compactLabels(model) {
  const x = [];
  const y = [];
  const text = [];
  for (const column of model.layout.columns) {
    if (column.ellipsisY !== null) {
      x.push(column.layer);
      y.push(column.ellipsisY);
      text.push(`⋮ ${column.n - 5} more`);
    }
  }
  return {
    type: "scatter", mode: "text", x, y, text, hoverinfo: "skip",
    textfont: { size: 12, color: "#333333" }, showlegend: false,
  };
}

/** Adds an invisible trace that carries the colour bar of coloraxis2. */
function weightColourBarTrace(model) {
  return {
    type: "scatter", mode: "markers", x: [null], y: [null],
    hoverinfo: "skip", showlegend: false,
    marker: { color: [0], coloraxis: "coloraxis2", size: 0 },
  };
}

// Columns closer than this many pixels get the short header "l = 3" over
// the layer's size, because "layer 3" over "hidden, 5" would overlap.
const FULL_HEADER_SPACING = 64;

/** Headers over the columns; compact when columns are spacingPx apart. */
function layerAnnotations(model, spacingPx) {
  const { columns } = model.layout;
  const L = columns.length - 1;
  const compact = spacingPx < FULL_HEADER_SPACING;
  return columns.map((column) => {
    let role = "hidden";
    if (column.layer === 0) {
      role = "input";
    } else if (column.layer === L) {
      role = "output";
    }
    const current = column.layer === model.highlight;
    const text = compact
      ? `<b>l = ${column.layer}</b><br>${column.n}`
      : `<b>layer ${column.layer}</b><br>${role}, ${column.n}`;
    return {
      // Above the plot area in pixels, so tall columns cannot cover them.
      x: column.layer, y: 1, xref: "x", yref: "paper", showarrow: false,
      text,
      font: { size: compact ? 11 : 12, color: current ? "#000000" : "#444444" },
      yanchor: "bottom",
    };
  });
}

// Columns at least this many pixels apart leave room between their headers
// for a heat map's size and the meaning of its rows and columns.
const FULL_HEATMAP_LABEL_SPACING = 180;

/**
 * Names each weight matrix drawn as a heat map, between the headers of the
 * two layers it joins: "w¹: 30 × 64, rows j, columns k" or just "w¹".
 */
function heatmapLabels(model, spacingPx) {
  const { columns } = model.layout;
  const labels = [];
  for (let l = 1; l < columns.length; l += 1) {
    if (drawsLines(columns, l)) {
      continue;
    }
    const name = `w<sup>${l}</sup>`;
    const text = spacingPx >= FULL_HEATMAP_LABEL_SPACING
      ? `${name}: ${columns[l].n} × ${columns[l - 1].n}<br>rows j, columns k`
      : name;
    labels.push({
      x: l - 0.5, y: 1, xref: "x", yref: "paper", showarrow: false, text,
      font: { size: 11, color: "#444444" }, yanchor: "bottom",
    });
  }
  return labels;
}

/** Labels the colour of NaN and infinite values under the colour bars. */
function nonFiniteKey() {
  return {
    // Top right, in the margin above the colour bars.
    x: 1, y: 1, xref: "paper", yref: "paper", xanchor: "left",
    yanchor: "bottom", showarrow: false, align: "left",
    text: `<span style="color:${NON_FINITE}">●</span> NaN or ±∞<br>` +
      "black, dotted line",
    font: { size: 10, color: "#333333" },
  };
}

function highlightShapes(model) {
  if (model.highlight === null || model.highlight === undefined) {
    return [];
  }
  const half = (model.layout.maxSlots - 1) / 2 + 0.6;
  return [{
    type: "rect", xref: "x", yref: "y", layer: "below",
    x0: model.highlight - 0.3, x1: model.highlight + 0.3, y0: -half, y1: half,
    fillcolor: "rgba(0, 114, 178, 0.10)",
    line: { color: "#0072b2", width: 2, dash: "dot" },
  }];
}

function colourAxis(range, title, x) {
  const r = colourRange(range);
  return {
    colorscale: DIVERGING_SCALE, cmin: -r, cmax: r,
    colorbar: {
      title: { text: title, side: "right" }, x, len: 0.85, thickness: 12,
      tickformat: ".3~g",
    },
  };
}

// Right margin of the plot with one or two colour bars, in pixels, and the
// distance between the left edges of the two bars. The gap leaves room for
// tick labels such as "-5e-31" next to the first bar.
const MARGIN_ONE_BAR = 80;
const MARGIN_TWO_BARS = 170;
const COLOUR_BAR_GAP = 82;

/**
 * Builds the Plotly { data, layout } of the network for one model, for a
 * figure widthPx wide (without it, the colour bars are placed as for a
 * figure 600 px wide).
 */
export function buildNetworkFigure(model, widthPx = null) {
  const { columns, maxSlots } = model.layout;
  const L = columns.length - 1;
  const { traces, hover } = lineTraces(model);
  const selection = selectionTrace(model);
  // A selected weight is marked under the lines, a selected neuron on top.
  const selectionUnder = model.selection?.kind === "weight";
  const data = selectionUnder ? [selection, ...traces] : [...traces];
  let hasHeatmap = false;
  for (let l = 1; l <= L; l += 1) {
    if (!drawsLines(columns, l)) {
      data.push(...heatmapTrace(model, l));
      hasHeatmap = true;
    }
  }

  data.push(weightHoverTrace(hover));
  data.push(...neuronTraces(model));
  data.push(compactLabels(model));
  if (!selectionUnder) {
    data.push(selection);
  }
  const showWeightBar = model.weightColourBar || hasHeatmap;
  if (showWeightBar) {
    data.push(weightColourBarTrace(model));
  }

  const half = (maxSlots - 1) / 2;
  const margin = { l: 10, r: showWeightBar ? MARGIN_TWO_BARS : MARGIN_ONE_BAR,
    t: 36, b: 6 };
  // Colour bar positions are fractions of the plot area's width.
  const plotWidth = Math.max(100, (widthPx || 600) - margin.l - margin.r);
  const columnSpacing = plotWidth / (L + 0.8);
  const layout = {
    margin,
    xaxis: { range: [-0.4, L + 0.4], visible: false, fixedrange: true },
    yaxis: { range: [-half - 0.7, half + 0.7], visible: false,
      fixedrange: true },
    coloraxis: colourAxis(model.neuronRange, model.neuronTitle, 1.0),
    annotations: [
      ...layerAnnotations(model, columnSpacing),
      ...heatmapLabels(model, columnSpacing), nonFiniteKey(),
    ],
    shapes: highlightShapes(model),
    hovermode: "closest", hoverdistance: 12, dragmode: false,
    paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
    uirevision: "network",
  };
  if (showWeightBar) {
    layout.coloraxis2 = colourAxis(model.weightRange, model.weightTitle,
      1 + COLOUR_BAR_GAP / plotWidth);
  }
  return { data, layout };
}
