// One way to call the server's JSON API: fetch with the page's cookies, the error envelope
// ({ok: false, error: {code, message, details}}) turned into an ApiError with its code, so
// that the page shows the server catalogue's text for it (errorText in common/i18n.js).

export class ApiError extends Error {
  constructor(code, message, status = 0, details = {}) {
    super(message || code);
    this.code = code;
    this.status = status;
    this.details = details || {};
  }
}

// api(path) GETs; api(path, {json}) POSTs JSON; api(path, {form}) POSTs a FormData.
export async function api(path, { json, form, method } = {}) {
  const init = { credentials: "same-origin" };
  if (json !== undefined) {
    init.method = method || "POST";
    init.headers = { "Content-Type": "application/json" };
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.method = method || "POST";
    init.body = form;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError("offline", "no connection to the server");
  }
  let body = null;
  try { body = await response.json(); } catch { /* not JSON */ }
  if (!response.ok || (body && body.ok === false)) {
    const error = (body && body.error) || {};
    const code = error.code || (response.status === 413 ? "too_large" : `http_${response.status}`);
    throw new ApiError(code, error.message || "", response.status, error.details);
  }
  return body;
}
