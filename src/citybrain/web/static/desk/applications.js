/* 网上办事 Applications: the online services' applications of the caller's scope — state, deadline, days left or
 * 补正 (clock stopped) — and the steps the caller may take. Every rule is the API's (a step from a wrong state is
 * 409, a department acts on its own only); this module shows its answers. Applicants' data comes masked by role. */
import { query } from "../lib/api.js";
import { bi, el, show } from "../lib/dom.js";
import { call, errorText, message, PAGE, pager, state } from "./state.js";

/** The steps, as /api/v1/applications/{id}/{action} takes them: [中文, English, from states, the field it needs]. */
const STEPS = {
  accept: ["受理", "Accept", ["submitted"], null],
  decline: ["不予受理", "Decline", ["submitted"], "reason"],
  review: ["审查", "Start review", ["accepted"], null],
  supplement: ["补正告知", "Ask for materials", ["submitted", "accepted", "reviewing"], "reason"],
  approve: ["准予许可", "Approve", ["reviewing"], null],
  refuse: ["不予许可", "Refuse", ["reviewing"], "reason"],
  deliver: ["送达", "Deliver", ["approved", "refused"], "method"],
};
const STATES = {
  submitted: ["已提交", "submitted"],
  accepted: ["已受理", "accepted"],
  reviewing: ["审查中", "under review"],
  awaiting_materials: ["待补正", "awaiting materials"],
  approved: ["准予许可", "approved"],
  refused: ["不予许可", "refused"],
  delivered: ["已送达", "delivered"],
  declined: ["不予受理", "not accepted"],
};
const METHODS = [
  ["online", "网上送达 online"],
  ["post", "邮寄 post"],
  ["in_person", "当面 in person"],
];
let asked = 0;

function clockText(app) {
  const c = app.clock;
  if (c.stopped_for_materials) return ["补正中，暂停计时", "clock stopped for materials"];
  if (c.overdue) return [`已超期 ${-c.days_left} 个工作日`, `${-c.days_left} working days overdue`];
  if (c.running) return [`剩余 ${c.days_left} 个工作日`, `${c.days_left} working days left`];
  if (app.days_used !== null) return [`用时 ${app.days_used} 个工作日`, `${app.days_used} working days used`];
  return ["未开始计时", "clock not started"];
}

function field(needs) {
  if (needs === "method")
    return el("select", { name: "method" }, ...METHODS.map(([v, t]) => el("option", { value: v, text: t })));
  if (needs === "reason")
    return el("textarea", {
      name: "reason",
      required: true,
      rows: 2,
      placeholder: "理由 / 需补正的材料（一次性告知） Reason, or what is missing",
    });
  return null;
}

function stepForm(app, action, box) {
  const [zh, en, , needs] = STEPS[action];
  const form = el(
    "form",
    { class: `part-form app-${action}` },
    field(needs),
    el(
      "button",
      { type: "submit", class: action === "refuse" || action === "decline" ? "danger" : "primary" },
      ...bi(zh, en),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(box, false);
    const data = new FormData(form);
    const body = { version: app.version, ...(needs ? { [needs]: data.get(needs) } : {}) };
    try {
      await call("POST", `/api/v1/applications/${app.id}/${action}`, body);
      message(`${zh} ${en}: ✓`, "ok");
      await loadApplications();
    } catch (err) {
      box.textContent = `${zh} ${en}: ${errorText(err)}`;
      show(box, true);
    }
  });
  return form;
}

function card(app) {
  const box = el("div", { class: "error", role: "alert", hidden: true });
  const [stateZh, stateEn] = STATES[app.state] || [app.state, app.state];
  const handles = state.me.permissions.includes("handle");
  const steps = handles
    ? Object.entries(STEPS)
        .filter(([, [, , sources]]) => sources.includes(app.state))
        .map(([action]) => stepForm(app, action, box))
    : [];
  return el(
    "div",
    { class: "card part", "data-application": app.code, "data-state": app.state },
    el(
      "h4",
      {},
      `${app.code} · ${app.service_name} `,
      el("span", { class: "status", "data-state": app.state }, ...bi(stateZh, stateEn)),
      app.clock.overdue ? el("span", { class: "badge late", text: "超期 overdue" }) : null,
    ),
    el(
      "p",
      { class: "case-text" },
      `${app.applicant_name || ""} · ${app.department} · `,
      app.due_on ? `时限 due ${app.due_on} · ` : "",
      ...bi(...clockText(app)),
    ),
    app.state === "awaiting_materials" && app.supplement_request
      ? el("p", { class: "case-text" }, el("strong", {}, ...bi("补正", "Asked for")), ": ", app.supplement_request)
      : null,
    steps.length ? el("div", { class: "part-actions" }, steps) : null,
    box,
  );
}

export async function loadApplications() {
  const mineAsked = ++asked;
  const params = { limit: PAGE, offset: state.offsets.applications || 0 };
  const wanted = document.getElementById("applications-state").value;
  if (wanted) params.state = wanted;
  const page = await call("GET", `/api/v1/applications?${query(params)}`);
  if (mineAsked !== asked) return;
  document.getElementById("applications-list").replaceChildren(...page.items.map(card));
  show(document.getElementById("applications-empty"), page.total === 0);
  pager(
    document.getElementById("applications-pager"),
    { ...page, offset: state.offsets.applications || 0 },
    "applications",
    loadApplications,
  );
}

export function fillApplicationFilters() {
  document
    .getElementById("applications-state")
    .replaceChildren(
      el("option", { value: "", text: "全部 all" }),
      ...Object.entries(STATES).map(([code, [zh, en]]) => el("option", { value: code, text: `${zh} ${en}` })),
    );
}
