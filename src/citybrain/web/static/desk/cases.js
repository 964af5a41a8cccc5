/* 在办工单 the case list: filters (status, department, overdue), deadlines, paging. */
import { query } from "../lib/api.js";
import { $, bi, el, show } from "../lib/dom.js";
import { openCase } from "./detail.js";
import { categoryName, departmentName, departmentSelect } from "./directory.js";
import { call, clock, LABELS, PAGE, pager, state, statusName } from "./state.js";
import { TEXT } from "./strings.js";

export function fillCaseFilters() {
  const statuses = Object.entries(LABELS.statuses).map(([code, [zh, en]]) =>
    el("option", { value: code, text: `${zh} ${en}` }),
  );
  $("filter-status").replaceChildren(el("option", { value: "", text: TEXT.all }), ...statuses);
  const own = state.me.department_code;
  const department = departmentSelect(TEXT.all, own);
  department.id = "filter-department";
  department.disabled = Boolean(own);
  $("filter-department").replaceWith(department);
}

function deadline(iso, late) {
  const badge = late ? el("span", { class: "badge late", text: TEXT.overdue }) : null;
  return el("td", { class: late ? "late" : "" }, clock.when(iso), badge);
}

function caseRow(item) {
  const [zh, en] = statusName(item.status);
  const signLate = item.status === "dispatched" && item.accept_due_at && new Date(item.accept_due_at) < new Date();
  return el(
    "tr",
    { class: item.overdue ? "overdue" : "", "data-case-id": item.id, onclick: () => openCase(item.id) },
    el("td", {}, el("a", { href: `#case-${item.id}`, text: `#${item.id}`, onclick: (e) => e.preventDefault() })),
    el(
      "td",
      { class: "request" },
      el("strong", { text: item.title || TEXT.untitled }),
      el("div", { class: "text clip", text: item.text }),
    ),
    el("td", { text: categoryName(item.category_code) }),
    el("td", { text: departmentName(item.department_code) }),
    el("td", {}, el("span", { class: `status s-${item.status}` }, ...bi(zh, en))),
    deadline(item.accept_due_at, signLate),
    deadline(item.due_at, item.overdue),
  );
}

export async function loadCases() {
  const params = {
    status: $("filter-status").value,
    department: state.me.department_code ? "" : $("filter-department").value,
    overdue: $("filter-overdue").checked ? "true" : "",
    limit: PAGE,
    offset: state.offsets.cases,
  };
  const page = await call("GET", `/api/v1/cases?${query(params)}`);
  $("cases-table").tBodies[0].replaceChildren(...page.items.map(caseRow));
  show($("cases-empty"), page.total === 0);
  show($("cases-table"), page.items.length > 0);
  pager($("cases-pager"), page, "cases", loadCases);
}
