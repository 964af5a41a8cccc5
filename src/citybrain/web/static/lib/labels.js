/* The names the server sends with the page, as a JSON blob: <script id="…" type="application/json">. */

export function readLabels(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

/** The [zh, en] pair for a code, or the code twice when the server has no name for it. */
export function pairOf(names, code) {
  return names?.[code] || [code, code];
}
