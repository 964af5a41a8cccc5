/* What every panel of the desk shares: who is signed in, the server's labels and clock, the API with the key,
 * the message line and the pager. */
import { ApiError, request, signInAgain } from "../lib/api.js";
import { $, bi, el, show } from "../lib/dom.js";
import { cityClock } from "../lib/format.js";
import { pairOf, readLabels } from "../lib/labels.js";
import { EVENT_NAMES, PAIRS, STATUS_WORDS, TEXT } from "./strings.js";

export const PAGE = 20;
export const LABELS = readLabels("desk-labels");
/** Dates on the city's clock (the server's CITYBRAIN_TIMEZONE), whatever the browser's zone. */
export const clock = cityClock(LABELS.zone);

export const state = {
  me: null,
  categories: [],
  categoryNames: {},
  departments: [],
  departmentNames: {},
  districts: [],
  districtNames: {},
  tab: null,
  cursor: -1, // the list row j/k point at
  picked: new Map(), // id → the listed case, selected for a bulk action
  rows: [], // the cases the list shows
  offsets: { queue: 0, cases: 0, alerts: 0, comments: 0, joint: 0, inspections: 0, applications: 0 },
  current: null,
  accessReason: "", // why personal data is read: sent with each case opened, kept in the access log
};

/** The staff API as the signed-in person (the session cookie); an ended sign-in goes back to /signin.
 * `extra` headers: the reason for reading a citizen's data (X-Access-Reason, kept in the access log). */
export async function call(method, path, json, extra) {
  try {
    return await request(method, path, { json, extra });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) signInAgain();
    throw err;
  }
}

export function errorText(err) {
  if (!(err instanceof ApiError)) return TEXT.networkError(err.message);
  const [zh, en] = STATUS_WORDS[err.status] || TEXT.serverError;
  return TEXT.httpError(zh, en, err.status, err.message);
}

export function message(text, kind) {
  const box = $("message");
  box.textContent = text;
  box.className = `message ${kind || "ok"}`;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  show(box, Boolean(text));
}

/** For promises nobody awaits: their failure goes to the message line. */
export function report(err) {
  message(errorText(err), "error");
}

export const statusName = (status) => pairOf(LABELS.statuses, status);
export const actionName = (action) =>
  LABELS.actions[action] || LABELS.joint_events[action] || pairOf(EVENT_NAMES, action);

export function pager(box, page, tab, reload) {
  const from = page.total ? page.offset + 1 : 0;
  const to = page.offset + page.items.length;
  const more = page.total_exact === false; // the list stopped counting: more than page.total match
  const go = (offset) => {
    state.offsets[tab] = offset;
    reload().catch(report);
  };
  box.replaceChildren(
    el(
      "button",
      { type: "button", disabled: page.offset === 0, onclick: () => go(Math.max(0, page.offset - PAGE)) },
      ...bi(...PAIRS.previous),
    ),
    el("span", { class: "range", text: TEXT.range(from, to, more ? `${page.total}+` : page.total) }),
    el(
      "button",
      { type: "button", disabled: to >= page.total && !more, onclick: () => go(page.offset + PAGE) },
      ...bi(...PAIRS.next),
    ),
  );
}
