// Number formatting shared by the network view, the explanation panel and
// the training view, so the same value reads the same everywhere.

/** Significant digits of every number shown to the student. */
export const SIGNIFICANT_DIGITS = 5;

/** Returns whether v is a number that is NaN or +-Infinity. */
export function isNonFinite(v) {
  return typeof v === "number" && !Number.isFinite(v);
}

/**
 * Formats a number with `digits` significant digits, dropping trailing
 * zeros. Non-finite values read "NaN", "+∞" or "−∞".
 */
export function formatNumber(v, digits = SIGNIFICANT_DIGITS) {
  if (v === null || v === undefined) {
    return "–";
  }
  if (Number.isNaN(v)) {
    return "NaN";
  }
  if (v === Infinity) {
    return "+∞";
  }
  if (v === -Infinity) {
    return "−∞";
  }
  if (v === 0) {
    return "0";
  }
  const text = v.toPrecision(digits);
  const [mantissa, exponent] = text.split("e");
  const trimmed = mantissa.includes(".")
    ? mantissa.replace(/0+$/, "").replace(/\.$/, "")
    : mantissa;
  return exponent === undefined ? trimmed : `${trimmed}e${exponent}`;
}

/**
 * Returns the significant digits that show the change from `before` to
 * `after` with SIGNIFICANT_DIGITS digits of the change itself, at most 15.
 */
export function digitsForChange(before, after) {
  const change = Math.abs(after - before);
  const size = Math.max(Math.abs(before), Math.abs(after));
  if (!Number.isFinite(change) || change === 0 || size === 0) {
    return SIGNIFICANT_DIGITS;
  }
  const extra = Math.ceil(Math.log10(size / change));
  return Math.min(15, SIGNIFICANT_DIGITS + Math.max(0, extra));
}

/**
 * Formats a number with every digit of its float64 value, as hover text
 * shows it; non-finite values read as in formatNumber.
 */
export function formatExact(v) {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    return formatNumber(v);
  }
  return String(v).replace("-", "−");
}

/** Formats a count such as steps or epochs with thousands separators. */
export function formatCount(n) {
  return n === null || n === undefined ? "–" : n.toLocaleString("en");
}

/** Returns "1 value", "2 values": the count with the word in the right number. */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Formats an accuracy in [0, 1] as a percentage. */
export function formatPercent(v) {
  if (v === null || v === undefined) {
    return "–";
  }
  return `${(100 * v).toFixed(1)} %`;
}

/** Escapes text for insertion into HTML or MathML markup. */
export function escapeHtml(text) {
  return String(text)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** Returns the largest finite |v| in a nested array, or 0. */
export function maxAbs(values) {
  let m = 0;
  const visit = (v) => {
    if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (Number.isFinite(v) && Math.abs(v) > m) {
      m = Math.abs(v);
    }
  };
  visit(values);
  return m;
}

// Names shown for the API's names of activations and costs.
const CHOICE_LABELS = {
  relu: "ReLU",
  leaky_relu: "leaky ReLU",
  cross_entropy: "cross-entropy",
  log_likelihood: "log-likelihood",
};

/** Returns the name shown for an activation or a cost, such as "ReLU". */
export function choiceLabel(name) {
  return CHOICE_LABELS[name] ?? name;
}
