// Fetch layer: one function per REST endpoint of /api. Every function
// returns the parsed JSON body or throws an ApiError; nothing here touches
// the page.

/** An HTTP error from the API, carrying its detail message and field. */
export class ApiError extends Error {
  constructor(status, detail, field, path) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.field = field;
    this.path = path;
  }
}

const NON_FINITE = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  "-Infinity": Number.NEGATIVE_INFINITY,
};

// Keys whose string values are text, never a number written as a string.
const TEXT_KEYS = new Set([
  "label", "name", "title", "summary", "detail", "kind", "text", "status",
  "id", "dataset", "field", "source", "task", "equation", "activation",
]);

/**
 * Turns the API's "NaN", "Infinity" and "-Infinity" strings back into
 * numbers while JSON.parse builds the result.
 * NOTE: a string element of an array (a class name, say) spelled exactly
 * "NaN" would also be converted, because its key is only an index.
 */
function reviveNonFinite(key, value) {
  const isNumberText = typeof value === "string" && value in NON_FINITE;
  if (isNumberText && !TEXT_KEYS.has(key)) {
    return NON_FINITE[value];
  }
  return value;
}

/** Parses a response body, reviving non-finite numbers. */
export function parseJson(text) {
  return JSON.parse(text, reviveNonFinite);
}

async function errorFromResponse(response, path) {
  const text = await response.text();
  let detail = `${response.status} ${response.statusText}`;
  let field = null;
  try {
    const body = JSON.parse(text);
    if (typeof body.detail === "string") {
      detail = body.detail;
    } else if (body.detail !== undefined) {
      detail = JSON.stringify(body.detail);
    }
    field = body.field ?? null;
  } catch {
    if (text) {
      detail = `${detail}: ${text.slice(0, 200)}`;
    }
  }
  return new ApiError(response.status, detail, field, path);
}

/** Sends a request to the API and returns the parsed body (null for 204). */
export async function request(method, path, body = undefined) {
  const options = { method, headers: {} };
  if (body instanceof FormData) {
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    const detail =
      `Request to ${path} failed (${error.message}); is the server running?`;
    throw new ApiError(0, detail, null, path);
  }
  if (!response.ok) {
    throw await errorFromResponse(response, path);
  }
  if (response.status === 204) {
    return null;
  }
  return parseJson(await response.text());
}

const networkPath = (id) => `/api/networks/${encodeURIComponent(id)}`;

// Networks
export const createNetwork = (body) => request("POST", "/api/networks", body);
export const getNetwork = (id) => request("GET", networkPath(id));
export const deleteNetwork = (id) => request("DELETE", networkPath(id));
export const patchNetwork = (id, body) =>
  request("PATCH", networkPath(id), body);
export const forward = (id, body) =>
  request("POST", `${networkPath(id)}/forward`, body);
export const backward = (id, body) =>
  request("POST", `${networkPath(id)}/backward`, body);
// The page shows each weight before and after the step, so it requests both.
export const step = (id, body = {}) =>
  request("POST", `${networkPath(id)}/step`, { include_before: true, ...body });
export const resetNetwork = (id) =>
  request("POST", `${networkPath(id)}/reset`);
export const predictGrid = (id, resolution) =>
  request("POST", `${networkPath(id)}/predict-grid`, { resolution });
export const predictCurve = (id, resolution) =>
  request("POST", `${networkPath(id)}/predict-curve`, { resolution });

// Training jobs
export const startTraining = (id, body) =>
  request("POST", `${networkPath(id)}/train`, body);
export const getTrainingJob = (id, jobId) =>
  request("GET", `${networkPath(id)}/train/${encodeURIComponent(jobId)}`);
export const cancelTraining = (id, jobId) =>
  request("DELETE", `${networkPath(id)}/train/${encodeURIComponent(jobId)}`);

// Editing parameters; l is the 1-based layer of w^l and b^l.
export const setWeight = (id, l, j, k, value) =>
  request("PUT", `${networkPath(id)}/weights/${l}/${j}/${k}`, { value });
export const setBias = (id, l, j, value) =>
  request("PUT", `${networkPath(id)}/biases/${l}/${j}`, { value });

// History
export const getHistory = (id) => request("GET", `${networkPath(id)}/history`);
export const undo = (id) => request("POST", `${networkPath(id)}/undo`);
export const rewind = (id, historyId) =>
  request("POST", `${networkPath(id)}/rewind`, { history_id: historyId });

// Import and export
export const exportNetwork = (id) =>
  request("GET", `${networkPath(id)}/export`);
export const importNetwork = (document) =>
  request("POST", "/api/networks/import", document);

// Data sets
export const listDatasets = () => request("GET", "/api/datasets");
export const describeDataset = (name) =>
  request("GET", `/api/datasets/${encodeURIComponent(name)}`);
export const getExamples = (name, split, offset, limit) =>
  request(
    "GET",
    `/api/datasets/${encodeURIComponent(name)}/examples` +
      `?split=${split}&offset=${offset}&limit=${limit}`,
  );
export function uploadDataset(file, target) {
  const form = new FormData();
  form.append("file", file);
  form.append("target", target);
  return request("POST", "/api/datasets", form);
}
