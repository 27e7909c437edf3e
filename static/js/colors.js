// Colours of the network view. Values use ColorBrewer's PuOr scale, which
// stays readable with the common forms of colour blindness: purple below
// zero, near-white at zero, orange above. Non-finite values are black.

/** ColorBrewer PuOr, 11 classes, from most negative to most positive. */
export const DIVERGING = [
  "#2d004b", "#542788", "#8073ac", "#b2abd2", "#d8daeb", "#f7f7f7",
  "#fee0b6", "#fdb863", "#e08214", "#b35806", "#7f3b08",
];

/** The same scale in Plotly's [position, colour] form. */
export const DIVERGING_SCALE = DIVERGING.map((colour, i) => [
  i / (DIVERGING.length - 1),
  colour,
]);

export const POSITIVE = "#b35806";
export const NEGATIVE = "#542788";
export const NON_FINITE = "#000000";
export const NOT_COMPUTED = "#d9d9d9";
export const NOT_COMPUTED_LINE = "#e8e8e8";
export const NEURON_BORDER = "#555555";

/** Okabe-Ito colours for class labels in scatter plots. */
export const CLASS_COLOURS = [
  "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
  "#f0e442", "#000000", "#999999", "#882255",
];

/**
 * Bounds of the half-width of a colour scale. Plotly fails with "Something
 * went wrong with axis scaling" when a colour bar spans too small a range
 * (its pixels per unit overflow, as for delta of about 3e-308) or too large
 * a one (cmax - cmin overflows to infinity). Values smaller than the floor
 * are drawn as zero, and larger ones at the end of the scale. Hover text and
 * the explanation panel keep the exact values.
 */
export const MIN_COLOUR_RANGE = 1e-30;
export const MAX_COLOUR_RANGE = 1e300;

/**
 * Returns the half-width of a diverging colour scale for values up to
 * `range` in size: 1 for 0 or NaN, else `range` clamped to
 * [MIN_COLOUR_RANGE, MAX_COLOUR_RANGE].
 */
export function colourRange(range) {
  if (Number.isNaN(range) || !(range > 0)) {
    return 1;
  }
  return Math.min(MAX_COLOUR_RANGE, Math.max(MIN_COLOUR_RANGE, range));
}

/**
 * Returns the index in DIVERGING of value v on a scale from -range to
 * +range, or -1 for a non-finite value.
 */
export function divergingBucket(v, range) {
  if (!Number.isFinite(v)) {
    return -1;
  }
  const half = (DIVERGING.length - 1) / 2;
  if (range <= 0) {
    return half;
  }
  const t = Math.max(-1, Math.min(1, v / range));
  return Math.round(half + t * half);
}

/** Returns the DIVERGING colour of v on a scale from -range to +range. */
export function divergingColour(v, range) {
  const bucket = divergingBucket(v, range);
  return bucket < 0 ? NON_FINITE : DIVERGING[bucket];
}
