/* 工单详情 one case: its facts, the citizen (masked by the API when the role may not see them), intake's
 * reading, the actions the role may take, and the timeline. */
import { $, bi, el, show } from "../lib/dom.js";
import { actionForm, allowedActions } from "./actions.js";
import { categoryName, departmentName, districtName } from "./directory.js";
import { jointCard } from "./joint.js";
import { knowledgeCard } from "./knowledge.js";
import { readingItems } from "./reading.js";
import { actionName, call, clock, errorText, LABELS, message, report, state, statusName } from "./state.js";
import { PAIRS, TEXT } from "./strings.js";

function field(pair, value) {
  const text = value === null || value === undefined || value === "" ? "—" : String(value);
  return [el("dt", {}, ...bi(...pair)), el("dd", { text })];
}

const heading = (pair) => el("h3", {}, ...bi(...pair));

function contactBlock(contact) {
  if (!contact) return el("p", { class: "small" }, ...bi(...PAIRS.noContact));
  const { name, phone, email, idNumber } = PAIRS;
  return el(
    "div",
    { class: "contact" },
    el(
      "dl",
      {},
      field(name, contact.name),
      field(phone, contact.phone),
      field(email, contact.email),
      field(idNumber, contact.id_number),
    ),
    contact.masked ? el("span", { class: "badge masked", text: TEXT.masked }) : null,
  );
}

function timeline(events) {
  const entry = (e) => {
    const [zh, en] = actionName(e.action);
    const move = e.to_status
      ? `${e.from_status ? statusName(e.from_status)[0] : "—"} → ${statusName(e.to_status)[0]}`
      : "";
    const where = [move, e.department_code ? departmentName(e.department_code) : "", e.actor];
    return el(
      "li",
      {},
      el("span", { class: "at", text: clock.when(e.at) }),
      " ",
      el("strong", {}, ...bi(zh, en)),
      " ",
      el("span", { class: "small", text: where.filter(Boolean).join(" · ") }),
      e.note ? el("div", { class: "note-text", text: e.note }) : null,
    );
  };
  return el("ol", { class: "timeline" }, events.map(entry));
}

function facts(d) {
  const P = PAIRS;
  const when = clock.when;
  return el(
    "dl",
    {},
    [field(P.channel, (LABELS.channels[d.channel] || [d.channel]).join(" ")), field(P.requestType, d.request_type)],
    field(P.category, categoryName(d.category_code)),
    [field(P.district, districtName(d.district_code)), field(P.address, d.address)],
    field(P.department, departmentName(d.department_code)),
    [field(P.received, when(d.created_at)), field(P.dispatched, when(d.dispatched_at))],
    [field(P.signForBy, when(d.accept_due_at)), field(P.signedFor, when(d.accepted_at))],
    [field(P.resolveBy, when(d.due_at)), field(P.resolved, when(d.resolved_at))],
    field(P.closed, when(d.closed_at)),
    field(P.counts, `${d.reopen_count} / ${d.reject_count} / ${d.reminder_count}`),
  );
}

/** Why this person reads the citizen's data (查看原因): sent as X-Access-Reason, kept in the access log; the
 * case is opened again with it (unmasked where the city requires a reason). */
function reasonForm(d) {
  if (!state.me?.sees_personal_data) return null;
  const input = el("input", {
    id: "access-reason",
    name: "reason",
    maxlength: 500,
    required: true,
    value: state.accessReason,
    placeholder: TEXT.accessReasonPlaceholder,
  });
  const submit = (event) => {
    event.preventDefault();
    state.accessReason = input.value.trim();
    openCase(d.id).catch(report);
  };
  return el(
    "form",
    { class: "access-reason", onsubmit: submit },
    el("label", { for: "access-reason" }, ...bi(...PAIRS.accessReason)),
    input,
    el("button", { type: "submit" }, ...bi(...PAIRS.showWithReason)),
  );
}

function citizenCard(d) {
  return el(
    "div",
    { class: "card" },
    heading(PAIRS.citizen),
    contactBlock(d.contact),
    reasonForm(d),
    heading(PAIRS.request),
    el("p", { class: "case-text", text: d.text || "—" }),
    d.reply ? [heading(PAIRS.reply), el("p", { class: "case-text", text: d.reply })] : null,
    d.callback_at ? el("p", { text: TEXT.callbackDone(clock.when(d.callback_at), d.resolved, d.satisfaction) }) : null,
  );
}

function renderDetail(d) {
  state.current = d;
  const [zh, en] = statusName(d.status);
  const actions = allowedActions(d);
  $("detail-body").replaceChildren(
    el(
      "h2",
      { id: "detail-title" },
      `#${d.id} ${d.title || ""} `,
      el("span", { class: `status s-${d.status}` }, ...bi(zh, en)),
      d.overdue ? el("span", { class: "badge late", text: TEXT.overdue }) : null,
    ),
    el(
      "div",
      { class: "detail-grid" },
      el("div", { class: "card" }, heading(PAIRS.caseCard), facts(d)),
      citizenCard(d),
    ),
    el(
      "div",
      { class: "card" },
      heading(PAIRS.reading),
      d.needs_review ? el("p", { class: "review" }, ...bi(...PAIRS.inQueue)) : null,
      el("ul", { class: "reading" }, readingItems(d.triage)),
    ),
    knowledgeCard(d),
    el(
      "div",
      { class: "card", id: "detail-actions" },
      heading(PAIRS.actions),
      actions.length
        ? actions.map((a) => actionForm(a, d, renderDetail, () => openCase(d.id, true)))
        : el("p", { class: "small" }, ...bi(...PAIRS.noAction)),
    ),
    jointCard(d, () => openCase(d.id, false, false)),
    el("div", { class: "card" }, heading(PAIRS.timeline), timeline(d.events)),
  );
}

/** Show a case; `reloaded` says it was fetched again after a conflict (the page says so); `toTop` scrolls up. */
export async function openCase(id, reloaded = false, toTop = true) {
  show($("detail-error"), false);
  try {
    const reason = state.accessReason ? { "X-Access-Reason": encodeURIComponent(state.accessReason) } : {};
    const detail = await call("GET", `/api/v1/cases/${id}`, undefined, reason);
    for (const name of ["queue", "new", "cases", "alerts", "comments", "joint"]) show($(`panel-${name}`), false);
    show($("panel-detail"), true);
    renderDetail(detail);
    if (reloaded) message(TEXT.reloaded(id, detail.version), "ok");
    if (toTop) window.scrollTo(0, 0);
  } catch (err) {
    message(TEXT.openFailed(id, errorText(err)), "error");
  }
}
