/* 预警 alerts: the early-warning list with the actions the role may take (确认, 暂缓, 关闭, 重开). */
import { query } from "../lib/api.js";
import { $, bi, el, show } from "../lib/dom.js";
import { pairOf } from "../lib/labels.js";
import { call, clock, errorText, LABELS, message, PAGE, pager, state } from "./state.js";
import { TEXT } from "./strings.js";

export function fillAlertFilters() {
  const statuses = Object.entries(LABELS.alert_statuses).map(([code, [zh, en]]) =>
    el("option", { value: code, text: `${zh} ${en}`, selected: code === "open" }),
  );
  $("alert-status").replaceChildren(el("option", { value: "", text: TEXT.all }), ...statuses);
}

function actionForm(alert, action, error) {
  const [zh, en] = LABELS.alert_actions[action];
  const until =
    action === "snooze"
      ? el("input", { type: "date", name: "until", value: clock.today(1), "aria-label": TEXT.snoozeUntil })
      : null;
  const form = el(
    "form",
    { class: `alert-action action-${action}` },
    until,
    el("button", { type: "submit" }, ...bi(zh, en)),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(error, false);
    const body = { version: alert.version };
    if (until) body.until = until.value;
    try {
      await call("POST", `/api/v1/alerts/${alert.id}/${action}`, body);
      message(TEXT.alertDone(alert.id, zh, en), "ok");
      await loadAlerts();
    } catch (err) {
      error.textContent = errorText(err);
      show(error, true);
    }
  });
  return form;
}

function alertActions(alert, error) {
  return state.me.alert_actions
    .filter((action) => LABELS.alert_actions[action][2].includes(alert.status))
    .map((action) => actionForm(alert, action, error));
}

function summary(alert) {
  const expected = alert.expected === null ? "—" : Number(alert.expected).toFixed(1);
  return [
    `${alert.kind} · ${alert.detector}`,
    TEXT.signal(alert.first_signal_on, alert.last_signal_on),
    alert.observed !== null ? TEXT.observed(alert.observed, expected) : "",
    alert.p_value !== null ? `p = ${Number(alert.p_value).toPrecision(2)}` : "",
    TEXT.caseCount((alert.case_ids || []).length),
    alert.snoozed_until ? TEXT.snoozedUntil(alert.snoozed_until) : "",
  ]
    .filter(Boolean)
    .join(" · ");
}

function alertCard(alert) {
  const [zh, en] = pairOf(LABELS.alert_statuses, alert.status);
  const error = el("div", { class: "error", role: "alert", hidden: true });
  return el(
    "div",
    { class: "card alert", "data-alert-id": alert.id },
    el("h3", {}, `#${alert.id} ${alert.title} `, el("span", { class: `status a-${alert.status}` }, ...bi(zh, en))),
    el("p", { class: "small", text: summary(alert) }),
    el("div", { class: "alert-actions" }, alertActions(alert, error)),
    error,
  );
}

/** The newest list asked for (as the case list: an older, slower answer is dropped). */
let asked = 0;

export async function loadAlerts() {
  const params = { status: $("alert-status").value, limit: PAGE, offset: state.offsets.alerts };
  const mine = ++asked;
  const page = await call("GET", `/api/v1/alerts?${query(params)}`);
  if (mine !== asked) return;
  $("alerts-list").replaceChildren(...page.items.map(alertCard));
  show($("alerts-empty"), page.total === 0);
  pager($("alerts-pager"), page, "alerts", loadAlerts);
}
