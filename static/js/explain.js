// The explanation panel: for the selected neuron or weight, every value
// computed so far in this pass with the equation that produced it and the
// numbers filled in. Layer numbers: the input is layer 0 here (the book
// calls it layer 1); per-layer lists from the API hold layer l at index l-1.

import {
  choiceLabel, digitsForChange, escapeHtml, formatNumber,
} from "./format.js";
import {
  joinWith, math, mfrac, mi, mo, mrow, msub, msup, mtext, num, partial,
  sumOver,
  symbol,
} from "./mathml.js";
import {
  currentStage, isComputed, passForward, passLayer, state,
} from "./state.js";

/** Largest z whose e^z is finite in float64 (e^709.78 overflows). */
const MAX_EXP_ARGUMENT = 709;

/** Sums with more terms than this show the first and last few only. */
const MAX_SHOWN_TERMS = 8;
const SHOWN_HEAD = 4;
const SHOWN_TAIL = 2;

const LAYER_NOTE =
  "The input is layer 0 here (the book calls it layer 1), so w¹ is " +
  "the first weight matrix.";

/** Returns the weights the current pass was computed with. */
function passWeights() {
  const step = state.batchStep ?? state.pass?.step;
  return step?.weights_before ?? state.network.weights;
}

function passBiases() {
  const step = state.batchStep ?? state.pass?.step;
  return step?.biases_before ?? state.network.biases;
}

/** Returns the stage whose values the panel may show, or null. */
function shownStage() {
  return state.batchStep || !state.pass ? null : currentStage();
}

function section(title, body, key) {
  return `<section class="eq" data-eq="${key}">` +
    `<h3>${escapeHtml(title)}</h3>${body}</section>`;
}

function pending(title, what) {
  return `<section class="eq pending"><h3>${escapeHtml(title)}</h3>` +
    `<p>${escapeHtml(what)}</p></section>`;
}

/** Characters of numbers that fit on one line of the panel. */
const LINE_BUDGET = 30;

/** Returns the shown width of a number in a product, in characters. */
function shownWidth(v) {
  const text = formatNumber(v);
  return text.length + (v < 0 ? 2 : 0);
}

/**
 * Returns the terms of sum_k p_k * q_k as [{ mathml, width }], with every
 * term or the first and last few and a count of the hidden ones.
 */
function productTerms(pairs) {
  const term = ([p, q]) => ({
    mathml: mrow(num(p, { bracketed: true }), mo("·"),
      num(q, { bracketed: true })),
    width: shownWidth(p) + shownWidth(q) + 3,
  });
  if (pairs.length <= MAX_SHOWN_TERMS) {
    return pairs.map(term);
  }
  const hidden = pairs.length - SHOWN_HEAD - SHOWN_TAIL;
  const head = pairs.slice(0, SHOWN_HEAD).map(term);
  const tail = pairs.slice(-SHOWN_TAIL).map(term);
  const gap = {
    mathml: mrow(mo("⋯"), mtext(` (${hidden} more terms) `), mo("⋯")),
    width: LINE_BUDGET,
  };
  return [...head, gap, ...tail];
}

/**
 * Returns a sum of products as several <math> lines that fit the panel:
 * the first line starts with `first` (such as "=" or "= ("), later lines
 * with "+", and `last` ends the final line.
 */
function sumLines(pairs, first, last) {
  const lines = [];
  let chunk = [];
  let width = 0;
  for (const term of productTerms(pairs)) {
    if (chunk.length > 0 && width + term.width > LINE_BUDGET) {
      lines.push(chunk);
      chunk = [];
      width = 0;
    }
    chunk.push(term.mathml);
    width += term.width + 2;
  }
  lines.push(chunk);
  return lines.map((terms, i) => {
    const lead = i === 0 ? first : [mo("+")];
    const tail = i === lines.length - 1 ? last : [];
    return math(...lead, joinWith("+", terms), ...tail);
  }).join("");
}

/** Returns a collapsible table with every term of a long sum. */
function termTable(headers, rows) {
  if (rows.length <= MAX_SHOWN_TERMS) {
    return "";
  }
  const head = headers.map((h) => `<th>${h}</th>`).join("");
  const body = rows.map((row) =>
    `<tr>${row.map((cell) => `<td>${cell}</td>`).join("")}</tr>`).join("");
  return `<details><summary>All ${rows.length} terms</summary>` +
    `<table class="terms"><thead><tr>${head}</tr></thead>` +
    `<tbody>${body}</tbody></table></details>`;
}

function zSection(l, j) {
  const forward = passForward();
  const previous = l === 1 ? forward.input : forward.layers[l - 2].a;
  const w = passWeights()[l - 1][j];
  const b = passBiases()[l - 1][j];
  const z = passLayer(l).z[j];
  const pairs = w.map((wk, k) => [wk, previous[k]]);
  const general = math(
    symbol("z", l, j), mo("="), sumOver("k"), symbol("w", l, j, "k"),
    symbol("a", l - 1, "k"), mo("+"), symbol("b", l, j));
  const filled = sumLines(pairs, [mo("=")], []) +
    math(mo("+"), num(b, { bracketed: true })) +
    math(mo("="), num(z, { quantity: "z" }));
  const table = termTable(["k", "w", "a", "w·a"], pairs.map(([p, q], k) =>
    [k, formatNumber(p), formatNumber(q), formatNumber(p * q)]));
  return section(`Weighted input z (layer ${l})`, general + filled + table,
    "z");
}

function activationFormula(name, l, j) {
  const z = symbol("z", l, j);
  switch (name) {
    case "sigmoid":
      return mfrac(mrow(mn1()), mrow(mn1(), mo("+"),
        msup(mi("e"), mrow(mo("−"), z))));
    case "tanh":
      return mrow(mi("tanh"), mo("("), z, mo(")"));
    case "relu":
      return mrow(mi("max"), mo("("), mrow(mn0(), mo(","), z), mo(")"));
    case "leaky_relu":
      return mrow(mi("max"), mo("("), mrow(mi("α"), z, mo(","), z), mo(")"));
    case "identity":
      return z;
    default:
      return softmaxFormula(l, j);
  }
}

/** Returns e^{z^l_j} / sum_i e^{z^l_i}, with the index i under the sum. */
function softmaxFormula(l, j) {
  return mfrac(msup(mi("e"), symbol("z", l, j)),
    mrow(sumOver("i"), msup(mi("e"), symbol("z", l, "i"))));
}

const mn1 = () => "<mn>1</mn>";
const mn0 = () => "<mn>0</mn>";

function activationName(l) {
  const config = state.network.config;
  const L = config.sizes.length - 1;
  return l === L ? config.output_activation : config.hidden_activation;
}

/** Returns e^(v) in MathML, with v in brackets when negative. */
function exponential(v) {
  return msup(mi("e"), num(v, { bracketed: true }));
}

/**
 * Returns the softmax section: a^L_j = e^{z_j} / sum_i e^{z_i}, then the
 * same with the numbers of every z_i, then the two sums as numbers. When a
 * z is so large that e^z overflows, every power is taken of z - max z,
 * which leaves the ratio unchanged.
 */
function softmaxSection(l, j) {
  const layer = passLayer(l);
  const z = layer.z;
  const zMax = Math.max(...z.filter(Number.isFinite));
  const shift = zMax > MAX_EXP_ARGUMENT ? zMax : 0;
  const powers = z.map((v) => Math.exp(v - shift));
  const total = powers.reduce((sum, v) => sum + v, 0);
  const general = math(symbol("a", l, j), mo("="), softmaxFormula(l, j));
  // A power of e with its number takes about a third of the panel's width,
  // so more than three are abbreviated. The table below lists every one.
  const shownTerms = z.length <= 3 ? z.map(exponential)
    : [...z.slice(0, 2).map(exponential), mo("⋯"), exponential(z.at(-1))];
  const filled = math(mo("="), mfrac(exponential(z[j]),
    mrow(joinWith("+", shownTerms))));
  const numbers = math(mo("="), mfrac(num(powers[j]), num(total)), mo("="),
    num(layer.a[j], { quantity: "a" }));
  const table = termTable(["i", "z", "e^z"], z.map((v, i) =>
    [i, formatNumber(v), formatNumber(powers[i])]));
  const shifted = shift
    ? ` Every power is of z − ${formatNumber(shift)} (the largest z), ` +
      "which leaves the ratio unchanged and keeps e^z finite."
    : "";
  const note = `<p class="small">Softmax in layer ${l}: each a depends on ` +
    `every z of the layer, and the a of the layer sum to 1.${shifted}</p>`;
  return section("Activation a (softmax)",
    general + filled + numbers + table + note, "a");
}

function activationSection(l, j) {
  const layer = passLayer(l);
  const name = activationName(l);
  if (name === "softmax") {
    return softmaxSection(l, j);
  }
  const general = math(
    symbol("a", l, j), mo("="), mi("σ"), mo("("), symbol("z", l, j), mo(")"),
    mo("="), activationFormula(name, l, j));
  const filled = math(mo("="), mi("σ"), mo("("), num(layer.z[j]), mo(")"),
    mo("="), num(layer.a[j], { quantity: "a" }));
  const body = general + filled;
  const note = `<p class="small">σ is ${escapeHtml(choiceLabel(name))} in ` +
    `layer ${l}.</p>`;
  return section("Activation a", body + note, "a");
}

/** Returns the cost of one example x in MathML, by cost name. */
function costFormula(cost, L) {
  const y = symbol("y", null, "j");
  const a = symbol("a", L, "j");
  const cx = msub(mi("C"), mi("x"));
  if (cost === "quadratic") {
    return mrow(cx, mo("="), mfrac(mn1(), "<mn>2</mn>"), sumOver("j"),
      msup(mrow(mo("("), y, mo("−"), a, mo(")")), "<mn>2</mn>"));
  }
  if (cost === "cross_entropy") {
    return mrow(cx, mo("="), mo("−"), sumOver("j"), mo("["), y, mi("ln"), a,
      mo("+"), mrow(mo("("), mn1(), mo("−"), y, mo(")")), mi("ln"),
      mrow(mo("("), mn1(), mo("−"), a, mo(")")), mo("]"));
  }
  return mrow(cx, mo("="), mo("−"), mi("ln"), symbol("a", L, "y"));
}

/**
 * Returns dC/da^L_j of the cost as the engine computes it, twice: with
 * symbols, then with this example's numbers and the result.
 */
function gradientOfCost(cost, L, j) {
  const backward = state.pass.backward;
  const a = symbol("a", L, j);
  const y = symbol("y", null, j);
  const aValue = num(backward.layers[L - 1].a[j]);
  const yValue = num(backward.target[j], { bracketed: true });
  const result = [mo("="), num(backward.grad_a[j], { quantity: "grad_a" })];
  const lhs = partial(msub(mi("C"), mi("x")), a);
  if (cost === "quadratic") {
    return math(lhs, mo("="), a, mo("−"), y) +
      math(mo("="), aValue, mo("−"), yValue, ...result);
  }
  if (cost === "cross_entropy") {
    const oneMinus = (value) => mrow(mo("("), mn1(), mo("−"), value, mo(")"));
    return math(lhs, mo("="),
      mfrac(mrow(a, mo("−"), y), mrow(a, oneMinus(a)))) +
      math(mo("="), mfrac(mrow(aValue, mo("−"), yValue),
        mrow(aValue, mo("·"), oneMinus(aValue))), ...result);
  }
  return math(lhs, mo("="), mo("−"), mfrac(y, a)) +
    math(mo("="), mo("−"), mfrac(num(backward.target[j]), aValue), ...result);
}

function costSection(j) {
  const backward = state.pass.backward;
  const target = backward.target;
  const L = backward.layers.length;
  const cost = state.network.config.cost;
  const cx = msub(mi("C"), mi("x"));
  const body = math(costFormula(cost, L)) +
    math(cx, mo("="), num(backward.cost, { quantity: "cost" })) +
    math(mtext("target "), symbol("y", null, j), mo("="),
      num(target[j], { quantity: "y" }));
  const gradient = gradientOfCost(cost, L, j);
  const title = `Cost of this example (${cost.replace("_", "-")})`;
  return section(title, body + gradient, "cost");
}

/** BP1 as delta = a - y, the form the engine uses for these costs. */
function deltaAMinusY(l, j, note) {
  const layer = passLayer(l);
  const target = state.pass.backward.target;
  const body = math(symbol("δ", l, j), mo("="), symbol("a", l, j), mo("−"),
    symbol("y", null, j)) + math(mo("="), num(layer.a[j]), mo("−"),
    num(target[j], { bracketed: true }), mo("="),
    num(layer.delta[j], { quantity: "delta" }));
  return section("δ by BP1 (output layer)",
    `${body}<p class="small">${escapeHtml(note)}</p>`, "delta");
}

/** BP1 through the softmax Jacobian: delta_j = a_j (g_j - sum_k a_k g_k). */
function deltaSoftmax(l, j) {
  const layer = passLayer(l);
  const g = state.pass.backward.grad_a;
  const weighted = layer.a.reduce((total, a, k) => total + a * g[k], 0);
  const body = math(symbol("δ", l, j), mo("="), symbol("a", l, j), mo("("),
    symbol("g", null, j), mo("−"), sumOver("k"), symbol("a", l, "k"),
    symbol("g", null, "k"), mo(")")) +
    math(mo("="), num(layer.a[j]), mo("·"), mo("("), num(g[j]), mo("−"),
      num(weighted, { bracketed: true }), mo(")"), mo("="),
      num(layer.delta[j], { quantity: "delta" }));
  const note = "g = ∂C/∂a^L. Softmax couples the outputs, so BP1 uses its " +
    "Jacobian ∂a_k/∂z_j = a_k(1[k=j] − a_j) in place of σ′(z_j).";
  return section("δ by BP1 (output layer)",
    `${body}<p class="small">${escapeHtml(note)}</p>`, "delta");
}

/**
 * Returns a note on sigma'(0) for ReLU and leaky ReLU, which have no
 * derivative at z = 0, or "" for the other activations.
 */
function derivativeNote(l) {
  const name = activationName(l);
  if (name === "relu") {
    return '<p class="small">ReLU has no derivative at z = 0; this app takes ' +
      "σ′(0) = 0, so σ′(z) is 1 for z &gt; 0 and 0 otherwise.</p>";
  }
  if (name === "leaky_relu") {
    const slope = state.network.config.leaky_slope ?? 0.01;
    return '<p class="small">Leaky ReLU has no derivative at z = 0; this app ' +
      `takes σ′(0) = α = ${slope}, so σ′(z) is 1 for z &gt; 0 and α ` +
      "otherwise.</p>";
  }
  return "";
}

function deltaOutputSection(l, j) {
  const { cost, output_activation: output } = state.network.config;
  if (cost === "cross_entropy" && output === "sigmoid") {
    return deltaAMinusY(l, j, "With the cross-entropy cost, σ′(z) cancels " +
      "out of ∂C/∂a · σ′(z), which leaves a − y.");
  }
  if (cost === "log_likelihood") {
    return deltaAMinusY(l, j, "With softmax outputs and the log-likelihood " +
      "cost, BP1 simplifies to a − y for a one-hot target y.");
  }
  if (output === "softmax") {
    return deltaSoftmax(l, j);
  }
  const layer = passLayer(l);
  const backward = state.pass.backward;
  const body = math(
    symbol("δ", l, j), mo("="), partial(mi("C"), symbol("a", l, j)), mo("·"),
    mi("σ′"), mo("("), symbol("z", l, j), mo(")")) + math(mo("="),
    num(backward.grad_a[j], { bracketed: true }), mo("·"),
    num(layer.sp[j], { bracketed: true, quantity: "sp" }), mo("="),
    num(layer.delta[j], { quantity: "delta" }));
  return section("δ by BP1 (output layer)", body + derivativeNote(l), "delta");
}

function deltaHiddenSection(l, j) {
  const layer = passLayer(l);
  const next = passLayer(l + 1);
  const w = passWeights()[l]; // w^{l+1}
  const pairs = next.delta.map((d, k) => [w[k][j], d]);
  const general = math(
    symbol("δ", l, j), mo("="), mo("("), sumOver("k"),
    symbol("w", l + 1, "k", j), symbol("δ", l + 1, "k"), mo(")"), mo("·"),
    mi("σ′"), mo("("), symbol("z", l, j), mo(")"));
  const sum = pairs.reduce((total, [p, q]) => total + p * q, 0);
  const filled = sumLines(pairs, [mo("="), mo("(")], [mo(")"), mo("·"),
    num(layer.sp[j], { bracketed: true, quantity: "sp" })]) +
    math(mo("="), num(sum, { bracketed: true }), mo("·"),
      num(layer.sp[j], { bracketed: true }), mo("="),
      num(layer.delta[j], { quantity: "delta" }));
  const table = termTable(["k", "w", "δ", "w·δ"], pairs.map(([p, q], k) =>
    [k, formatNumber(p), formatNumber(q), formatNumber(p * q)]));
  return section("δ by BP2 (hidden layer)",
    general + filled + table + derivativeNote(l), "delta");
}

function biasGradientSection(l, j) {
  const layer = passLayer(l);
  const body = math(partial(mi("C"), symbol("b", l, j)), mo("="),
    symbol("δ", l, j), mo("="), num(layer.grad_b[j], { quantity: "grad_b" }));
  return section("Gradient of the bias (BP3)", body, "grad_b");
}

/** Returns a note on the terms that L2 and momentum add to the update. */
function updateNote(step) {
  const { l2, momentum } = state.network.config;
  const parts = [];
  if (step.preview) {
    parts.push("Not applied: this is a test example, and test examples " +
      "are never trained on. The network keeps its old values.");
  }
  if (step.batch.m > 1) {
    parts.push(`∂C/∂w and ∂C/∂b are the mean over the ${step.batch.m} ` +
      "examples of the mini-batch.");
  }
  if (l2 > 0) {
    parts.push(`L2 regularisation λ = ${l2} shrinks weights (not biases) ` +
      "by ηλ/n times their old value, with n the training set size.");
  }
  if (momentum > 0) {
    parts.push(`Momentum μ = ${momentum}: the change v′ adds μ times the ` +
      "previous change v to −η ∂C/∂w.");
  }
  return parts.length ? `<p class="small">${escapeHtml(parts.join(" "))}</p>`
    : "";
}

/**
 * Returns the update of a weight or bias with the numbers filled in, old and
 * new shown to enough digits that their difference is visible. Plain SGD is
 * name - eta dC/dname. L2 (weights only) subtracts (eta lambda / n) name as
 * well, with n the training set size. With momentum mu the change is the
 * new velocity v' = mu v - eta dC/dname (- eta lambda / n name), and v is
 * not in the API's step response, so the change is shown as new - old.
 */
function updateMath(name, old, eta, gradient, updated, quantity, decayed) {
  const digits = digitsForChange(old, updated);
  const prefix = quantity.replace("_new", "");
  const { l2, momentum } = state.network.config;
  const n = state.dataset?.n_train;
  const withDecay = decayed && l2 > 0 && n;
  const decayTerms = withDecay
    ? [mo("−"), mfrac(mrow(mi("η"), mi("λ")), mi("n")), name] : [];
  const oldValue = num(old, { quantity: `${prefix}_old`, digits });
  const newValue = math(mo("="), num(updated, { quantity, digits }));
  const change = (bracketed) => num(updated - old, { bracketed,
    quantity: `${prefix}_change` });

  if (momentum > 0) {
    const velocity = msup(mi("v"), mo("′"));
    return math(name, mo("+"), velocity, mo(","), mtext(" "), velocity,
      mo("="), mo("μ"), mi("v"), mo("−"), mi("η"), partial(mi("C"), name),
      ...decayTerms) +
      math(mo("="), oldValue, mo("+"), change(true)) +
      newValue;
  }

  const lines = [
    math(name, mo("−"), mi("η"), partial(mi("C"), name), ...decayTerms),
    math(mo("="), oldValue, mo("−"), num(eta, { quantity: "eta" }), mo("·"),
      num(gradient, { bracketed: true, quantity: `${prefix}_grad` })),
  ];
  if (withDecay) {
    // The decay term gets a line of its own, so the panel needs no scrolling.
    lines.push(math(mtext("    "), mo("−"),
      mfrac(mrow(num(eta), mo("·"), num(l2)), num(n)), mo("·"),
      num(old, { bracketed: true })));
  }
  lines.push(newValue, math(mtext("change "), mo("="), change(false)));
  return lines.join("");
}

function biasUpdateSection(l, j, step) {
  const body = updateMath(symbol("b", l, j), step.biases_before[l - 1][j],
    step.learning_rate, step.grad_b[l - 1][j], step.biases[l - 1][j],
    "b_new", false);
  const title = step.preview ? "Update of the bias (preview, not applied)"
    : "Update of the bias";
  return section(title, body + updateNote(step), "update_b");
}

function weightUpdateSection(l, j, k, step) {
  const body = updateMath(symbol("w", l, j, k),
    step.weights_before[l - 1][j][k], step.learning_rate,
    step.grad_w[l - 1][j][k], step.weights[l - 1][j][k], "w_new", true);
  const title = step.preview ? "Update of the weight (preview, not applied)"
    : "Update of the weight";
  return section(title, body + updateNote(step), "update_w");
}

function stepShown() {
  if (state.batchStep) {
    return state.batchStep;
  }
  const stage = currentStage();
  return stage?.kind === "update" ? state.pass?.step ?? null : null;
}

function inputNeuronSections(j) {
  const forward = passForward();
  if (!forward) {
    return pending("Input", "Choose an example to see its input values.");
  }
  const body = math(symbol("a", 0, j), mo("="), symbol("x", null, j), mo("="),
    num(forward.input[j], { quantity: "x" }));
  return section("Input", body, "x");
}

function neuronSections(l, j) {
  const stage = shownStage();
  const parts = [];
  const L = state.network.config.sizes.length - 1;
  if (stage && isComputed(stage, "forward", l)) {
    parts.push(zSection(l, j), activationSection(l, j));
  } else if (stage) {
    parts.push(pending("z and a", `Computed at the forward stage of layer ${l}.`));
  }
  const hasBackward = Boolean(state.pass?.backward);
  if (l === L && hasBackward && stage && stageAtLeast(stage, "cost")) {
    parts.push(costSection(j));
  }
  if (hasBackward && stage && isComputed(stage, "backward", l)) {
    parts.push(l === L ? deltaOutputSection(l, j) : deltaHiddenSection(l, j));
    parts.push(biasGradientSection(l, j));
  } else if (hasBackward && stage) {
    parts.push(pending("δ and ∂C/∂b", `Computed at the backward stage of layer ${l}.`));
  }
  const step = stepShown();
  if (step) {
    parts.push(biasUpdateSection(l, j, step));
  }
  return parts.join("");
}

function stageAtLeast(stage, kind) {
  const order = ["input", "forward", "cost", "backward", "gradients", "update"];
  return order.indexOf(stage.kind) >= order.indexOf(kind);
}

function weightSections(l, j, k) {
  const stage = shownStage();
  const parts = [];
  const w = passWeights()[l - 1][j][k];
  const forward = passForward();
  let body = math(symbol("w", l, j, k), mo("="), num(w, { quantity: "w" }));
  if (forward && stage && isComputed(stage, "forward", l)) {
    const a = l === 1 ? forward.input[k] : forward.layers[l - 2].a[k];
    body += `<p class="small">Its term in the weighted sum of ` +
      `z<sup>${l}</sup><sub>${j}</sub>:</p>` +
      math(symbol("w", l, j, k), symbol("a", l - 1, k), mo("="),
        num(w, { bracketed: true }), mo("·"), num(a, { bracketed: true }),
        mo("="), num(w * a));
  }
  const title = stepShown() ? "Weight before this step" : "Weight";
  parts.push(section(title, body, "w"));
  if (state.pass?.backward && stage && isComputed(stage, "backward", l)) {
    const a = l === 1 ? forward.input[k] : forward.layers[l - 2].a[k];
    const layer = passLayer(l);
    const gradient = math(
      partial(mi("C"), symbol("w", l, j, k)), mo("="), symbol("a", l - 1, k),
      symbol("δ", l, j)) + math(mo("="), num(a, { bracketed: true }), mo("·"),
      num(layer.delta[j], { bracketed: true }), mo("="),
      num(layer.grad_w[j][k], { quantity: "grad_w" }));
    parts.push(section("Gradient of the weight (BP4)", gradient, "grad_w"));
  } else if (state.pass?.backward && stage) {
    parts.push(pending("∂C/∂w", `Computed at the backward stage of layer ${l}.`));
  }
  const step = stepShown();
  if (step) {
    parts.push(weightUpdateSection(l, j, k, step));
  }
  return parts.join("");
}

function editForm(selection) {
  const { layer: l, j, k } = selection;
  const isWeight = selection.kind === "weight";
  const current = isWeight
    ? state.network.weights[l - 1][j][k]
    : state.network.biases[l - 1][j];
  const name = isWeight ? `w${sup(l)}${sub(`${j},${k}`)}` : `b${sup(l)}${sub(j)}`;
  return `<form class="edit" id="edit-form">` +
    `<label><span>Set ${name} to</span><input id="edit-value" type="number" ` +
    `step="any" required value="${current}"></label>` +
    `<button type="submit">Set</button></form>`;
}

const sup = (v) => `<sup>${v}</sup>`;
const sub = (v) => `<sub>${v}</sub>`;

function heading(selection) {
  const { layer: l, j, k } = selection;
  if (selection.kind === "weight") {
    return `Weight w${sup(l)}${sub(`${j},${k}`)}: from neuron ${k} of ` +
      `layer ${l - 1} to neuron ${j} of layer ${l}`;
  }
  return `Neuron ${j} of layer ${l}`;
}

// The section each stage computes, scrolled into view when the panel is
// taller than its column.
const STAGE_SECTIONS = {
  forward: "z", cost: "cost", backward: "delta", gradients: "grad_w",
  update: "update_w",
};

function scrollToStage(element) {
  const stage = state.batchStep ? { kind: "update" } : shownStage();
  const key = stage ? STAGE_SECTIONS[stage.kind] : null;
  const selector = key === "grad_w" ? '[data-eq="grad_w"], [data-eq="grad_b"]'
    : key === "update_w" ? '[data-eq^="update"]' : `[data-eq="${key}"]`;
  const target = key ? element.querySelector(selector) : null;
  const scroller = element.parentElement;
  if (!target) {
    scroller.scrollTop = 0;
    return;
  }
  const top = target.offsetTop - scroller.offsetTop;
  // A section that fits below the heading is shown with the heading, which
  // names the selected neuron or weight.
  const fits = top + target.offsetHeight <= scroller.clientHeight;
  scroller.scrollTop = fits ? 0 : Math.max(0, top - 8);
}

/**
 * Renders the panel for the current selection into element. onEdit is
 * called with (selection, value) when the student sets a value by hand.
 */
export function renderExplanation(element, onEdit) {
  const selection = state.selection;
  if (!selection || !state.network) {
    element.innerHTML = `<p class="hint">Click a neuron, a weight line or a ` +
      `heat-map cell to see how its values were computed.</p>` +
      `<p class="note">${LAYER_NOTE}</p>`;
    return;
  }
  const { layer: l, j, k } = selection;
  let body;
  if (selection.kind === "weight") {
    body = weightSections(l, j, k) + editForm(selection);
  } else if (l === 0) {
    body = inputNeuronSections(j);
  } else {
    body = neuronSections(l, j) + editForm(selection);
  }
  element.innerHTML = `<h2>${heading(selection)}</h2>` +
    `<p class="note">${LAYER_NOTE}</p>${body}`;
  scrollToStage(element);
  const form = element.querySelector("#edit-form");
  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = Number(element.querySelector("#edit-value").value);
      onEdit(selection, value);
    });
  }
}
