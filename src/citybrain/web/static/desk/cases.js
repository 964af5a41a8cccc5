/* 工单查询 the case list: search (number, words, place, the caller's phone), every filter of the API, open or all,
 * deadlines, paging, row selection for bulk actions. The filters live in the page's URL (?category=…&from=…), so a
 * link from the cockpit opens the desk on the cases it means. */
import { query } from "../lib/api.js";
import { $, bi, el, show } from "../lib/dom.js";
import { openCase } from "./detail.js";
import {
  categoryName,
  categoryPairs,
  departmentName,
  departmentPairs,
  districtPairs,
  fillSelect,
  visibleDepartments,
} from "./directory.js";
import { call, clock, LABELS, PAGE, pager, state, statusName } from "./state.js";
import { TEXT } from "./strings.js";

/** URL parameter → the form field that holds it. The cockpit links with these names: keep them. */
export const FILTERS = {
  q: "search-q",
  status: "filter-status",
  category: "filter-category",
  district: "filter-district",
  channel: "filter-channel",
  department: "filter-department",
  request_type: "filter-request-type",
  from: "filter-from",
  to: "filter-to",
  open: "filter-open",
};

const pairs = (names) => Object.entries(names).map(([code, [zh, en]]) => [code, `${zh} ${en}`]);

export function fillCaseFilters() {
  fillSelect($("filter-status"), TEXT.all, pairs(LABELS.statuses));
  fillSelect($("filter-category"), TEXT.all, categoryPairs());
  fillSelect($("filter-district"), TEXT.all, districtPairs());
  fillSelect($("filter-channel"), TEXT.all, pairs(LABELS.channels));
  fillSelect($("filter-request-type"), TEXT.all, pairs(LABELS.request_types));
  const own = state.me.department_code;
  const visible = visibleDepartments(); // a supervising department (主管部门) may pick one of its units
  fillSelect($("filter-department"), TEXT.all, departmentPairs(own ? visible : null), own);
  $("filter-department").disabled = Boolean(own) && visible.length < 2;
  show($("search-phone-label"), state.me.sees_personal_data);
}

/** The filters as URL parameters, only those set. `open=true` is written out: a link without it means all cases,
 * as `GET /api/v1/cases` does, so a cockpit figure and the list it opens count the same cases. */
export function currentFilters() {
  const out = {};
  for (const [name, id] of Object.entries(FILTERS)) {
    const value = $(id).value.trim();
    if (value && !(name === "open" && value !== "true")) out[name] = value;
  }
  if ($("filter-overdue").checked) out.overdue = "true";
  if (state.me?.department_code && !visibleDepartments().slice(1).includes(out.department)) delete out.department;
  return out;
}

/** The desk's own start: open cases only. */
export const OPEN_CASES = { open: "true" };

/** Put filters into the form (from the URL or a saved view); what is not named is cleared. */
export function applyFilters(params) {
  for (const [name, id] of Object.entries(FILTERS)) $(id).value = dayOf(name, params[name]) || "";
  $("filter-open").value = params.open === "true" ? "true" : "false";
  $("filter-overdue").checked = params.overdue === "true";
  const own = state.me.department_code;
  if (own && !visibleDepartments().includes(params.department)) $("filter-department").value = own;
}

/** A date input takes "2026-12-07" only: a link's "2026-12-07T00:00" still names its day. */
function dayOf(name, value) {
  if ((name !== "from" && name !== "to") || !value) return value;
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : "";
}

export function filtersFromUrl() {
  const params = Object.fromEntries(new URLSearchParams(window.location.search));
  const known = [...Object.keys(FILTERS), "overdue"];
  return Object.keys(params).some((name) => known.includes(name)) ? params : null;
}

function writeUrl(filters) {
  const search = query(filters);
  window.history.replaceState(null, "", `${window.location.pathname}${search ? `?${search}` : ""}`);
}

function deadline(iso, late, label) {
  const badge = late ? el("span", { class: "badge late", text: TEXT.overdue }) : null;
  return el("td", { class: late ? "deadline late" : "deadline", "data-label": label }, clock.when(iso), badge);
}

function pickBox(item) {
  return el("input", {
    type: "checkbox",
    class: "pick-case",
    value: String(item.id),
    checked: state.picked.has(item.id),
    "aria-label": TEXT.pickCase(item.id),
    onclick: (event) => event.stopPropagation(),
    onchange: (event) => pick(item, event.target.checked),
  });
}

/** Select a listed case for a bulk action (or not); the version it was listed with goes with it. */
export function pick(item, on) {
  const id = item.id;
  if (on) state.picked.set(id, item);
  else state.picked.delete(id);
  const box = document.querySelector(`#cases-table input.pick-case[value="${id}"]`);
  if (box) box.checked = on;
  document.dispatchEvent(new CustomEvent("desk:picked"));
}

function caseRow(item) {
  const [zh, en] = statusName(item.status);
  const signLate = item.status === "dispatched" && item.accept_due_at && new Date(item.accept_due_at) < new Date();
  const where = [item.address, item.channel && LABELS.channels[item.channel]?.[0]].filter(Boolean).join(" · ");
  return el(
    "tr",
    { class: item.overdue ? "overdue" : "", "data-case-id": item.id, onclick: () => openCase(item.id) },
    el("td", { class: "pick" }, pickBox(item)),
    el("td", {}, el("a", { href: `#case-${item.id}`, text: `#${item.id}`, onclick: (e) => e.preventDefault() })),
    el(
      "td",
      { class: "request" },
      el("strong", { text: item.title || TEXT.untitled }),
      el("div", { class: "text clip", text: item.text }),
      where ? el("div", { class: "small", text: where }) : null,
    ),
    el("td", { text: categoryName(item.category_code), "data-label": TEXT.cellCategory }),
    el("td", { text: departmentName(item.department_code), "data-label": TEXT.cellDepartment }),
    el("td", {}, el("span", { class: `status s-${item.status}` }, ...bi(zh, en))),
    deadline(item.accept_due_at, signLate, TEXT.cellSignForBy),
    deadline(item.due_at, item.overdue, TEXT.cellResolveBy),
  );
}

/** The API's parameters for the filters: dates are whole days on the city's clock, `to` included. */
function apiParams(filters) {
  const { from, to, open, q, ...rest } = filters;
  return {
    ...rest,
    q: q || "",
    open: open === "true" && !filters.status ? "true" : "", // a status asks for that status, open or not
    phone: state.me.sees_personal_data ? $("search-phone").value.trim() : "",
    created_from: from ? clock.dayStart(from) : "",
    created_to: to ? clock.dayStart(to, 1) : "",
  };
}

/** How many filters are set, next to the (on a phone folded) filter section's title. */
function summarise(filters) {
  const set = Object.keys(filters).filter((name) => name !== "q").length;
  $("filter-summary").textContent = set ? TEXT.filtersSet(set) : "";
}

/** On a phone the filters start folded (the list first); a link that names filters opens them. */
export function foldFilters(linked) {
  $("more-filters").open = Boolean(linked) || window.matchMedia("(min-width: 701px)").matches;
}

/** The newest list asked for: an older answer arriving after it (a slow server, a quick filter change) is dropped. */
let asked = 0;

export async function loadCases() {
  const filters = currentFilters();
  writeUrl(filters);
  summarise(filters);
  const params = { ...apiParams(filters), limit: PAGE, offset: state.offsets.cases };
  const mine = ++asked;
  const page = await call("GET", `/api/v1/cases?${query(params)}`);
  if (mine !== asked) return;
  state.rows = page.items;
  state.cursor = -1;
  $("cases-table").tBodies[0].replaceChildren(...page.items.map(caseRow));
  $("pick-all").checked = false;
  show($("cases-empty"), page.total === 0);
  show($("cases-table"), page.items.length > 0);
  pager($("cases-pager"), page, "cases", loadCases);
}
