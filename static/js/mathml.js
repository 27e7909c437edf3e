// Small builders of MathML markup strings. Chromium renders MathML Core
// natively, so the equations need no script and no network access.

import { escapeHtml, formatNumber } from "./format.js";

export const mi = (name) => `<mi>${escapeHtml(name)}</mi>`;
export const mo = (op) => `<mo>${escapeHtml(op)}</mo>`;
export const mtext = (text) => `<mtext>${escapeHtml(text)}</mtext>`;
export const mrow = (...items) => `<mrow>${items.join("")}</mrow>`;
export const msub = (base, sub) => `<msub>${base}${sub}</msub>`;
export const msup = (base, sup) => `<msup>${base}${sup}</msup>`;
export const mfrac = (top, bottom) => `<mfrac>${top}${bottom}</mfrac>`;

/**
 * Returns a sum sign with its index below it, as in sum over k. Without
 * movablelimits="false" the index would move to a subscript beside the sign
 * inside fractions and other compact math.
 */
export const sumOver = (name) =>
  `<munder><mo movablelimits="false">∑</mo><mi>${escapeHtml(name)}</mi>` +
  "</munder>";

/** Returns an index such as 2 or "j" as <mn> or <mi>. */
function index(value) {
  return typeof value === "number" ? `<mn>${value}</mn>` : mi(String(value));
}

/**
 * Returns a symbol with a layer superscript and neuron subscripts, such as
 * z^l_j or w^l_{jk}; subscripts are joined by commas.
 */
export function symbol(name, layer, ...subscripts) {
  const sub = subscripts.length === 1
    ? index(subscripts[0])
    : mrow(...subscripts.map(index).flatMap((s, i) =>
      (i === 0 ? [s] : [mo(","), s])));
  if (layer === null || layer === undefined) {
    return msub(mi(name), sub);
  }
  return `<msubsup>${mi(name)}${sub}${index(layer)}</msubsup>`;
}

/** Returns the partial derivative dC/d(symbol) as a fraction. */
export function partial(of, withRespectTo) {
  return mfrac(mrow(mo("∂"), of), mrow(mo("∂"), withRespectTo));
}

/**
 * Returns a number as MathML. Exponent notation becomes a x 10^e; negative
 * numbers get parentheses when `bracketed` is set, as inside a product.
 * The element carries the shown text in data-shown for tests.
 */
export function num(value,
  { bracketed = false, quantity = null, digits = undefined } = {}) {
  const text = formatNumber(value, digits);
  // data-value keeps every digit, so tests can compare with the API exactly.
  const attributes = quantity
    ? ` data-quantity="${escapeHtml(quantity)}" data-shown="${text}"` +
      ` data-value="${String(value)}"`
    : ` data-shown="${text}"`;
  const [mantissa, exponent] = text.replace(/^-/, "−").split("e");
  let body = `<mn>${escapeHtml(mantissa)}</mn>`;
  if (exponent !== undefined) {
    const power = exponent.replace("-", "−").replace("+", "");
    const ten = `<msup><mn>10</mn><mn>${power}</mn></msup>`;
    body = `<mn>${mantissa}</mn><mo>×</mo>${ten}`;
  }
  const negative = value < 0 || text.startsWith("−");
  if (bracketed && negative) {
    body = `<mo>(</mo>${body}<mo>)</mo>`;
  }
  return `<mrow class="number"${attributes}>${body}</mrow>`;
}

/**
 * Wraps rows of MathML in a <math> element on a line of its own. Inline
 * math in a block is left-aligned, where display="block" would centre it;
 * the CSS sets math-style: normal so fractions keep their full size.
 */
export function math(...items) {
  return `<div class="math-line"><math>${mrow(...items)}</math></div>`;
}

/** Joins MathML items with an operator between them. */
export function joinWith(op, items) {
  return items.flatMap((item, i) => (i === 0 ? [item] : [mo(op), item]))
    .join("");
}
