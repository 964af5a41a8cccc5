/* 联合办理 joint handling: a case's parts (主办/协办) and whistles (吹哨报到) in the case detail, and the 协办/吹哨
 * tab, where an assisting department acts on its own part without the case itself (the API's scope: it may not
 * read another department's case). Every rule is the API's; this module shows its answers and errors. */
import { query } from "../lib/api.js";
import { bi, el, show } from "../lib/dom.js";
import { departmentName, departmentPairs, departmentSelect } from "./directory.js";
import { call, clock, errorText, LABELS, message, PAGE, pager, state } from "./state.js";
import { PAIRS, TEXT } from "./strings.js";

const pairOf = (section, key) => LABELS[section][key] || [key, key];
const may = (permission) => state.me.permissions.includes(permission);
const mine = (code) => Boolean(state.me.department_code) && code === state.me.department_code;
const HANDLING = ["dispatched", "accepted", "in_progress"];
const PLACEHOLDERS = {
  note: TEXT.progressPlaceholder,
  reply: TEXT.partReplyPlaceholder,
  reason: TEXT.refusePlaceholder,
};

function failed(box, zh, en, err) {
  box.textContent = TEXT.actionFailed(zh, en, errorText(err));
  show(box, true);
}

/** A form that posts `body()` to `path`, then says so and refreshes; a refusal shows in `box`. */
function postForm(cls, inputs, [zh, en], path, body, box, refresh, danger = false) {
  const form = el(
    "form",
    { class: cls },
    inputs,
    el("button", { type: "submit", class: danger ? "danger" : "primary" }, ...bi(zh, en)),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(box, false);
    try {
      await call("POST", path(), body(new FormData(form)));
      message(TEXT.jointDone(zh, en), "ok");
      await refresh();
    } catch (err) {
      failed(box, zh, en, err);
    }
  });
  return form;
}

function partForms(part, box, refresh) {
  if (!(may("dispatch") || (may("handle") && mine(part.department_code)))) return [];
  return Object.entries(LABELS.part_actions)
    .filter(([, [, , sources, , roles]]) => sources.includes(part.state) && roles.includes(part.role))
    .map(([action, [zh, en, , needs]]) => {
      const input = needs
        ? el("textarea", { name: needs, required: true, rows: 2, placeholder: PLACEHOLDERS[needs] })
        : null;
      const path = () => `/api/v1/cases/${part.case_id}/parts/${part.id}/${action}`;
      const body = (data) => (needs ? { [needs]: data.get(needs), version: part.version } : { version: part.version });
      return postForm(`part-form part-${action}`, input, [zh, en], path, body, box, refresh, action === "refuse");
    });
}

const labelled = (pair, text) => el("p", { class: "case-text" }, el("strong", {}, ...bi(...pair)), ": ", text);

function partCard(part, refresh, withCase) {
  const box = el("div", { class: "error", role: "alert", hidden: true });
  const [stateZh, stateEn] = pairOf("part_states", part.state);
  const [roleZh, roleEn] = pairOf("part_roles", part.role);
  return el(
    "div",
    { class: "card part", "data-part-id": part.id, "data-state": part.state },
    el(
      "h4",
      {},
      withCase ? `${TEXT.caseNumber(part.case_id)} ${part.case_title || ""} · ` : "",
      departmentName(part.department_code),
      " ",
      el("span", { class: `badge role-${part.role}` }, ...bi(roleZh, roleEn)),
      " ",
      el("span", { class: `status part-${part.state}` }, ...bi(stateZh, stateEn)),
      part.overdue ? el("span", { class: "badge late", text: TEXT.overdue }) : null,
    ),
    el("p", { class: "small", text: TEXT.partDue(clock.when(part.due_at), clock.when(part.accepted_at)) }),
    part.task ? labelled(PAIRS.partTask, part.task) : null,
    part.progress ? labelled(PAIRS.partProgress, part.progress) : null,
    part.reply ? labelled(PAIRS.reply, part.reply) : null,
    part.refusal_reason ? labelled(PAIRS.refusalReason, part.refusal_reason) : null,
    el("div", { class: "part-actions" }, partForms(part, box, refresh)),
    box,
  );
}

function summonsItem(whistle, s, box, refresh) {
  const [zh, en] = pairOf("report_in", s.state);
  const canReport = !s.reported_at && (mine(s.department_code) || may("dispatch"));
  const path = () => `/api/v1/cases/${whistle.case_id}/whistles/${whistle.id}/report`;
  const body = () => (mine(s.department_code) ? { version: s.version } : { department_code: s.department_code });
  return el(
    "li",
    { "data-summons": s.department_code },
    departmentName(s.department_code),
    " ",
    el("span", { class: `badge report-${s.state}` }, ...bi(zh, en)),
    s.reported_at ? ` ${clock.when(s.reported_at)}` : "",
    canReport ? postForm("report-form", null, PAIRS.reportIn, path, body, box, refresh) : null,
  );
}

function whistleCard(whistle, refresh, withCase) {
  const box = el("div", { class: "error", role: "alert", hidden: true });
  return el(
    "div",
    { class: "card whistle", "data-whistle-id": whistle.id },
    el(
      "h4",
      {},
      withCase ? `${TEXT.caseNumber(whistle.case_id)} ${whistle.case_title || ""} · ` : "",
      ...bi(...PAIRS.whistle),
      ` #${whistle.id} · ${clock.when(whistle.called_at)} · ${whistle.called_by}`,
    ),
    el("p", { class: "small", text: TEXT.reportBy(clock.when(whistle.report_due_at), whistle) }),
    whistle.note ? el("p", { class: "case-text", text: whistle.note }) : null,
    el(
      "ul",
      { class: "summons" },
      whistle.summons.map((s) => summonsItem(whistle, s, box, refresh)),
    ),
    box,
  );
}

function addPartForm(detail, box, refresh) {
  const department = departmentSelect(TEXT.chooseDepartment, null);
  department.name = "department_code";
  department.required = true;
  const role = el(
    "select",
    { name: "role", "aria-label": TEXT.partRole },
    ["assist", "lead"].map((code) => el("option", { value: code, text: pairOf("part_roles", code).join(" ") })),
  );
  const task = el("input", { name: "task", maxlength: 10000, placeholder: TEXT.taskPlaceholder });
  const body = (data) => ({
    department_code: data.get("department_code"),
    role: data.get("role"),
    task: data.get("task"),
  });
  const path = () => `/api/v1/cases/${detail.id}/parts`;
  return postForm("add-part", [department, role, task], PAIRS.addPart, path, body, box, refresh);
}

function whistleForm(detail, box, refresh) {
  const departments = el(
    "select",
    { name: "department_codes", multiple: true, size: 4, required: true, "aria-label": TEXT.summoned },
    departmentPairs().map(([code, name]) => el("option", { value: code, text: name })),
  );
  const hours = el("input", { name: "hours", type: "number", min: 0.25, step: 0.25, value: 2, required: true });
  const note = el("input", { name: "note", maxlength: 10000, placeholder: TEXT.whistlePlaceholder });
  const body = (data) => ({
    department_codes: data.getAll("department_codes"),
    report_within_hours: Number(data.get("hours")),
    note: data.get("note") || null,
  });
  const path = () => `/api/v1/cases/${detail.id}/whistles`;
  const label = el("label", {}, ...bi(...PAIRS.reportWithin), " ", hours);
  const summoned = el("label", { class: "wide" }, ...bi(...PAIRS.summonHint), el("br"), departments);
  return postForm("whistle-form", [summoned, label, note], PAIRS.blowWhistle, path, body, box, refresh);
}

/** The case detail's card: parts, whistles and, for who may, the forms to add a part and to whistle.
 * After a change `changed()` shows the case anew (its timeline has the new event). */
export function jointCard(detail, changed) {
  const card = el("div", { class: "card", id: "detail-joint" });
  const render = async () => {
    const box = el("div", { class: "error", role: "alert", hidden: true });
    const [parts, whistles] = await Promise.all([
      call("GET", `/api/v1/cases/${detail.id}/parts`),
      call("GET", `/api/v1/cases/${detail.id}/whistles`),
    ]);
    const handling = HANDLING.includes(detail.status);
    const holds = may("dispatch") || (may("handle") && mine(detail.department_code));
    const children = [
      el("h3", {}, ...bi(...PAIRS.joint)),
      parts.parts.length ? null : el("p", { class: "small" }, ...bi(...PAIRS.noParts)),
      parts.parts.map((p) => partCard(p, changed, false)),
      parts.assembled_reply ? labelled(PAIRS.assembledReply, parts.assembled_reply) : null,
      handling && may("dispatch") ? addPartForm(detail, box, changed) : null,
      el("h3", {}, ...bi(...PAIRS.whistles)),
      whistles.length ? null : el("p", { class: "small" }, ...bi(...PAIRS.noWhistles)),
      whistles.map((w) => whistleCard(w, changed, false)),
      handling && holds ? whistleForm(detail, box, changed) : null,
      box,
    ];
    card.replaceChildren(...children.flat().filter(Boolean));
  };
  render().catch((err) => card.replaceChildren(el("p", { class: "small", text: errorText(err) })));
  return card;
}

/** The newest list asked for (an older, slower answer is dropped). */
let asked = 0;

/** The 协办/吹哨 tab: a department's own parts and the whistles that summoned it; all of them for other staff. */
export async function loadJoint() {
  const mineAsked = ++asked;
  const params = { limit: PAGE, offset: state.offsets.joint };
  const partState = document.getElementById("joint-state").value;
  if (partState) params.state = partState;
  const [parts, whistles] = await Promise.all([
    call("GET", `/api/v1/parts?${query(params)}`),
    call("GET", `/api/v1/whistles?${query({ limit: PAGE })}`),
  ]);
  if (mineAsked !== asked) return;
  document.getElementById("joint-parts").replaceChildren(...parts.items.map((p) => partCard(p, loadJoint, true)));
  show(document.getElementById("joint-parts-empty"), parts.total === 0);
  pager(document.getElementById("joint-pager"), { ...parts, offset: state.offsets.joint }, "joint", loadJoint);
  document
    .getElementById("joint-whistles")
    .replaceChildren(...whistles.items.map((w) => whistleCard(w, loadJoint, true)));
  show(document.getElementById("joint-whistles-empty"), whistles.total === 0);
}

export function fillJointFilters() {
  document
    .getElementById("joint-state")
    .replaceChildren(
      el("option", { value: "", text: TEXT.all }),
      ...Object.entries(LABELS.part_states).map(([code, [zh, en]]) =>
        el("option", { value: code, text: `${zh} ${en}` }),
      ),
    );
}
