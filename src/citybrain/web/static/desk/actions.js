/* 办理 the action forms of a case: one per action the signed-in role may take in the case's state. */
import { ApiError } from "../lib/api.js";
import { $, bi, el, show } from "../lib/dom.js";
import { departmentSelect, visibleDepartments } from "./directory.js";
import { actionName, call, errorText, message, state } from "./state.js";
import { TEXT } from "./strings.js";

/** Whether a department's handler may take `action` on this case: on its own department's cases; a supervising
 * department (主管部门) also reassigns (改派) its units' cases. */
function ownsCase(action, detail) {
  const own = state.me.department_code;
  if (!own) return false;
  if (detail.department_code === own) return true;
  return action.action === "reassign" && visibleDepartments().includes(detail.department_code);
}

/** What the server's /me says this person may do to this case now. */
export function allowedActions(detail) {
  return state.me.case_actions.filter(
    (a) => a.sources.includes(detail.status) && (!a.own_department_only || ownsCase(a, detail)),
  );
}

/** The input an action needs (its `needs` in /me). */
const NEEDS = {
  reply: () => el("textarea", { name: "reply", required: true, rows: 3, placeholder: TEXT.replyPlaceholder }),
  reason: () => el("textarea", { name: "reason", required: true, rows: 2, placeholder: TEXT.reasonPlaceholder }),
  note: () => el("textarea", { name: "note", required: true, rows: 2, placeholder: TEXT.notePlaceholder }),
  target_id: () =>
    el("input", { name: "target_id", type: "number", required: true, min: 1, placeholder: TEXT.targetPlaceholder }),
  department_code: () => {
    const only = state.me.department_code ? visibleDepartments() : null; // a supervisor: itself and its units
    const select = departmentSelect(TEXT.chooseDepartment, null, only);
    select.name = "department_code"; // what dispatch and reassign read (the shared select is named "department")
    select.required = true;
    return select;
  },
};

function callbackInputs() {
  const stars = el(
    "select",
    { name: "satisfaction", "aria-label": TEXT.satisfaction },
    [5, 4, 3, 2, 1].map((n) => el("option", { value: n, text: `${n} ${"★".repeat(n)}` })),
  );
  return [
    el("p", { class: "small callback-note", text: TEXT.callbackCloses }),
    el("label", {}, el("input", { type: "radio", name: "resolved", value: "true", checked: true }), TEXT.solved),
    el("label", {}, el("input", { type: "radio", name: "resolved", value: "false" }), TEXT.notSolved),
    el("label", {}, `${TEXT.satisfaction} `, stars),
    el("input", { name: "note", placeholder: TEXT.callbackNote }),
  ];
}

function actionBody(action, form, version) {
  const data = new FormData(form);
  if (action.action === "callback") {
    const satisfaction = Number(data.get("satisfaction"));
    return { resolved: data.get("resolved") === "true", satisfaction, note: data.get("note") || null, version };
  }
  const body = { version };
  for (const [name, value] of data.entries()) {
    if (value !== "") body[name] = name === "target_id" ? Number(value) : value;
  }
  return body;
}

/** A refusal in the detail's error box; a conflict (409: the case changed meanwhile) offers to reload the case. */
export function showRefusal(zh, en, err, reload) {
  const box = $("detail-error");
  box.replaceChildren(TEXT.actionFailed(zh, en, errorText(err)));
  if (err instanceof ApiError && err.status === 409) {
    box.append(" ", el("button", { type: "button", id: "detail-reload", onclick: reload }, ...bi(...TEXT.reload)));
  }
  show(box, true);
}

/** The form of one action; `done(updated)` shows the case as the server returns it, `reload()` fetches it anew. */
export function actionForm(action, detail, done, reload) {
  const [zh, en] = actionName(action.action);
  const needs = action.needs && NEEDS[action.needs] ? [NEEDS[action.needs]()] : [];
  const inputs = action.action === "callback" ? callbackInputs() : needs;
  const button = el(
    "button",
    { type: "submit", class: action.action === "invalidate" ? "danger" : "primary" },
    ...bi(zh, en),
  );
  const form = el(
    "form",
    { class: `action-form action-${action.action}`, "data-action": action.action },
    ...inputs,
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show($("detail-error"), false);
    try {
      const path = `/api/v1/cases/${detail.id}/${action.action}`;
      const updated = await call("POST", path, actionBody(action, form, detail.version));
      message(TEXT.actionDone(detail.id, zh, en), "ok");
      done(updated);
    } catch (err) {
      showRefusal(zh, en, err, reload);
    }
  });
  return form;
}
