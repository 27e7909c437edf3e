// Geometry of the network view: the position of each drawn neuron, and
// which weight layers are drawn as lines or as a heat map. Column x = l
// contains layer l, with the input as layer 0 (the book calls it layer 1).

/** Layers with more neurons than this are drawn as a compact column. */
export const MAX_DRAWN_NEURONS = 32;

/** Weight layers with more weights than this are drawn as a heat map. */
export const MAX_LINES = 1024;

// A compact column shows its first three and last two neurons, with an
// ellipsis in the slot between them.
const COMPACT_HEAD = 3;
const COMPACT_TAIL = 2;
const COMPACT_SLOTS = COMPACT_HEAD + 1 + COMPACT_TAIL;

/** Returns the drawn neurons of one layer as [{ j, slot }] and its slots. */
function columnSlots(n) {
  if (n <= MAX_DRAWN_NEURONS) {
    const drawn = Array.from({ length: n }, (_, j) => ({ j, slot: j }));
    return { drawn, slots: n, ellipsisSlot: null };
  }
  const drawn = [];
  for (let j = 0; j < COMPACT_HEAD; j += 1) {
    drawn.push({ j, slot: j });
  }
  for (let i = 0; i < COMPACT_TAIL; i += 1) {
    const j = n - COMPACT_TAIL + i;
    drawn.push({ j, slot: COMPACT_HEAD + 1 + i });
  }
  return { drawn, slots: COMPACT_SLOTS, ellipsisSlot: COMPACT_HEAD };
}

/**
 * Lays out every layer as a column centred on y = 0, one unit between
 * neurons. Returns { columns, maxSlots }, where columns[l] has layer, n,
 * compact, neurons [{ j, y }], yOf (Map j -> y) and ellipsisY.
 */
export function layoutNetwork(sizes) {
  const columns = sizes.map((n, layer) => {
    const { drawn, slots, ellipsisSlot } = columnSlots(n);
    const centre = (slots - 1) / 2;
    const neurons = drawn.map(({ j, slot }) => ({ j, y: centre - slot }));
    return {
      layer,
      n,
      compact: n > MAX_DRAWN_NEURONS,
      neurons,
      yOf: new Map(neurons.map(({ j, y }) => [j, y])),
      ellipsisY: ellipsisSlot === null ? null : centre - ellipsisSlot,
      top: centre,
    };
  });
  const maxSlots = Math.max(...sizes.map((n) => columnSlots(n).slots));
  return { columns, maxSlots };
}

/**
 * Returns whether w^l (between columns l - 1 and l) is drawn as lines;
 * otherwise it is drawn as a heat map between the two columns.
 */
export function drawsLines(columns, l) {
  const from = columns[l - 1];
  const to = columns[l];
  return !from.compact && !to.compact && from.n * to.n <= MAX_LINES;
}
