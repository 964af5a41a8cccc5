/* 人工派单队列 the dispatch queue: cases intake could not route by itself, dispatched here by a person. */
import { query } from "../lib/api.js";
import { $, bi, el, show } from "../lib/dom.js";
import { openCase } from "./detail.js";
import { categorySelect, departmentName, departmentSelect } from "./directory.js";
import { readingItems } from "./reading.js";
import { actionName, call, clock, errorText, message, PAGE, pager, state } from "./state.js";
import { TEXT } from "./strings.js";

async function showRoute(item, category, department, hint) {
  const byRule = department.options[0];
  byRule.textContent = TEXT.byRule;
  hint.textContent = "";
  if (!category.value) return;
  try {
    const where = query({ category: category.value, district: item.district_code || "" });
    const route = await call("GET", `/api/v1/route?${where}`);
    if (route.department) {
      byRule.textContent = TEXT.byRuleTo(route.department.name_zh);
      hint.textContent = TEXT.ruleSends(route.department.name_zh, route.department.name_en);
    } else {
      byRule.textContent = TEXT.noRule;
      hint.textContent = route.reason || "";
    }
  } catch (err) {
    hint.textContent = errorText(err);
  }
}

function dispatchForm(item) {
  const triage = item.triage || {};
  const category = categorySelect(triage.category?.code || item.category_code || "");
  const department = departmentSelect(TEXT.byRule, null);
  const error = el("div", { class: "error", role: "alert", hidden: true });
  const hint = el("div", { class: "small route-hint" });
  const button = el("button", { type: "submit", class: "primary" }, ...bi(...actionName("dispatch")));
  const form = el("form", { class: "dispatch-form" }, category, department, hint, button, error);
  category.addEventListener("change", () => showRoute(item, category, department, hint));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(error, false);
    const body = { category_code: category.value, version: item.version };
    if (department.value) body.department_code = department.value;
    try {
      const out = await call("POST", `/api/v1/triage/queue/${item.id}/dispatch`, body);
      message(TEXT.dispatchedTo(out.case_id, departmentName(out.department_code)), "ok");
      await loadQueue();
    } catch (err) {
      error.textContent = errorText(err);
      show(error, true);
      message(errorText(err), "error");
    }
  });
  showRoute(item, category, department, hint);
  return form;
}

function queueRow(item) {
  const open = (event) => {
    event.preventDefault();
    openCase(item.id);
  };
  const where = `${item.channel}${item.address ? ` · ${item.address}` : ""}`;
  return el(
    "tr",
    { "data-case-id": item.id },
    el("td", {}, el("a", { href: `#case-${item.id}`, text: `#${item.id}`, onclick: open })),
    el("td", { class: "when", text: clock.when(item.created_at) }),
    el(
      "td",
      { class: "request" },
      el("strong", { text: item.title || TEXT.untitled }),
      el("div", { class: "text", text: item.text }),
      el("div", { class: "small", text: where }),
    ),
    el("td", {}, el("ul", { class: "reading" }, readingItems(item.triage))),
    el("td", {}, dispatchForm(item)),
  );
}

export async function loadQueue() {
  const page = await call("GET", `/api/v1/triage/queue?${query({ limit: PAGE, offset: state.offsets.queue })}`);
  if (!page.items.length && page.offset > 0) {
    state.offsets.queue = 0;
    return loadQueue();
  }
  $("queue-table").tBodies[0].replaceChildren(...page.items.map(queueRow));
  $("queue-count").textContent = String(page.total);
  show($("queue-empty"), page.total === 0);
  show($("queue-table"), page.items.length > 0);
  pager($("queue-pager"), page, "queue", loadQueue);
}
