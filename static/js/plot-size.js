// Sizes of the Plotly figures. Every figure is drawn at the size its
// container has at that moment, because a container can change size
// without a window resize: the digits image appears beside the output bar
// chart and takes part of its width. Plotly's own `responsive` option only
// follows window resizes, and an autosized plot keeps its old width.

/** Sets layout.width and layout.height to the element's size in pixels. */
export function fitToElement(layout, element) {
  layout.width = element.clientWidth || undefined;
  layout.height = element.clientHeight || undefined;
  return layout;
}

/**
 * Resizes every drawn, visible plot among elements whose container no
 * longer matches its figure, as after a window resize.
 */
export async function refitPlots(elements) {
  const resizes = elements.map((element) => {
    const drawn = element._fullLayout;
    const width = element.clientWidth;
    const height = element.clientHeight;
    if (!drawn || element.hidden || width === 0 || height === 0) {
      return null;
    }
    if (drawn.width === width && drawn.height === height) {
      return null;
    }
    return window.Plotly.relayout(element, { width, height });
  });
  await Promise.all(resizes);
}
