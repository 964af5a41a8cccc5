/* 下钻 drill-down: every figure opens the desk's case list filtered to the cases behind it. The desk reads the URL
 * parameters category, district, channel, status, department, from, to (local dates, inclusive). */

const DESK_PARAMS = ["category", "district", "channel", "status", "department", "from", "to"];

/** The desk's URL for a figure's `drill.desk` parameters (unknown names are dropped). */
export function deskUrl(params) {
  const q = new URLSearchParams();
  for (const name of DESK_PARAMS) if (params?.[name]) q.set(name, params[name]);
  return `/desk?${q.toString()}`;
}

/** Go to the cases behind a figure (the wall and the desktop alike open them in this tab). */
export function openDrill(drill) {
  if (drill?.desk) window.location.assign(deskUrl(drill.desk));
}
