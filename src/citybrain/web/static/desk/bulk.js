/* 批量 bulk actions over the selected cases: dispatch (派单, or 改派 for a case already with a department) and
 * remind (催办). Each case is one API call with the version it was listed with; each gets its own result line. */
import { $, el, show } from "../lib/dom.js";
import { pick } from "./cases.js";
import { departmentName, departmentPairs, fillSelect } from "./directory.js";
import { actionName, call, errorText, message, report, state } from "./state.js";
import { TEXT } from "./strings.js";

const HANDLING = ["dispatched", "accepted", "in_progress"];

function refresh() {
  const count = state.picked.size;
  show($("bulk"), count > 0 && state.me?.permissions.includes("dispatch"));
  $("bulk-count").textContent = TEXT.picked(count);
}

async function runOne(item, action, body) {
  const [zh] = actionName(action);
  try {
    await call("POST", `/api/v1/cases/${item.id}/${action}`, { ...body, version: item.version });
    return el("li", { class: "ok", "data-case-id": item.id, text: TEXT.bulkDone(item.id, zh) });
  } catch (err) {
    return el("li", { class: "failed", "data-case-id": item.id, text: TEXT.bulkFailed(item.id, zh, errorText(err)) });
  }
}

async function runAll(choose, reload) {
  const items = [...state.picked.values()];
  const results = [];
  for (const item of items) {
    const [action, body] = choose(item);
    results.push(await runOne(item, action, body));
  }
  for (const item of items) pick(item, false);
  $("bulk-results").replaceChildren(...results);
  const failed = results.filter((li) => li.classList.contains("failed")).length;
  message(TEXT.bulkSummary(items.length - failed, failed), failed ? "error" : "ok");
  await reload();
  show($("bulk"), true); // the results stay in sight until the next selection
}

export function bulkDispatch(reload) {
  const department = $("bulk-department").value;
  if (!department) {
    message(TEXT.bulkNeedsDepartment, "error");
    $("bulk-department").focus();
    return Promise.resolve();
  }
  const choose = (item) => [HANDLING.includes(item.status) ? "reassign" : "dispatch", { department_code: department }];
  message(TEXT.bulkRunning(state.picked.size, departmentName(department)), "ok");
  return runAll(choose, reload);
}

export function wireBulk(reload) {
  fillSelect($("bulk-department"), TEXT.chooseDepartment, []);
  document.addEventListener("desk:picked", () => {
    $("bulk-results").replaceChildren();
    refresh();
  });
  $("pick-all").addEventListener("change", (event) => {
    for (const item of state.rows) pick(item, event.target.checked);
  });
  $("bulk-dispatch").addEventListener("click", () => bulkDispatch(reload).catch(report));
  $("bulk-remind").addEventListener("click", () => runAll(() => ["remind", {}], reload).catch(report));
}

/** After sign-in: the departments to dispatch to. */
export function fillBulk() {
  fillSelect($("bulk-department"), TEXT.chooseDepartment, departmentPairs());
  state.picked.clear();
  refresh();
}
