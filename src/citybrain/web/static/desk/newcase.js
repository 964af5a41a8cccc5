/* 新建工单 a phone call or a walk-in, recorded by the call-taker. While they type, intake's reading is asked for
 * (POST /api/v1/triage/suggest, read only): the model's best categories with their confidence, the place, the
 * department routing would choose and likely repeats of open cases. The case is created through the staff API
 * (POST /api/v1/cases) like every other; "create and dispatch" then dispatches it if routing did not. */
import { query } from "../lib/api.js";
import { $, el, say, show } from "../lib/dom.js";
import { percent } from "../lib/format.js";
import { openCase } from "./detail.js";
import {
  categoryName,
  categoryPairs,
  departmentName,
  departmentPairs,
  districtName,
  districtPairs,
  fillSelect,
} from "./directory.js";
import { call, errorText, LABELS, message, report } from "./state.js";
import { TEXT } from "./strings.js";

const draft = { suggestion: null, categoryChosen: false, districtChosen: false, route: null, timer: null, asked: 0 };

export function fillNewCase() {
  const channels = Object.entries(LABELS.channels).map(([code, [zh, en]]) => [code, `${zh} ${en}`]);
  fillSelect($("new-channel"), TEXT.chooseChannel, channels, "hotline");
  $("new-channel").options[0].disabled = true;
  const types = Object.entries(LABELS.request_types).map(([code, [zh, en]]) => [code, `${zh} ${en}`]);
  fillSelect($("new-request-type"), "—", types, "投诉");
  fillSelect($("new-district"), TEXT.unknownDistrict, districtPairs());
  fillSelect($("new-category"), TEXT.chooseCategory, categoryPairs());
  fillSelect($("new-department"), TEXT.byRule, departmentPairs());
  resetDraft();
}

function resetDraft() {
  Object.assign(draft, { suggestion: null, categoryChosen: false, districtChosen: false, route: null });
  $("new-suggest").replaceChildren(el("p", { class: "small", text: TEXT.suggestHint }));
  say($("new-place"), "");
  say($("new-route"), "");
  show($("new-error"), false);
}

function body() {
  const value = (id) => $(id).value.trim();
  const contact = { name: value("new-name") || null, phone: value("new-phone") || null };
  return {
    channel: value("new-channel"),
    request_type: value("new-request-type") || null,
    title: value("new-title"),
    text: value("new-text"),
    address: value("new-address") || null,
    district_code: value("new-district") || null,
    category_code: value("new-category") || null,
    contact,
  };
}

/** The department routing names for the chosen category and district (shown as the default of the select). */
async function showRoute() {
  const category = $("new-category").value;
  const byRule = $("new-department").options[0];
  draft.route = null;
  byRule.textContent = TEXT.byRule;
  say($("new-route"), "");
  if (!category) return;
  try {
    const where = query({ category, district: $("new-district").value });
    const route = await call("GET", `/api/v1/route?${where}`);
    draft.route = route.department;
    byRule.textContent = route.department ? TEXT.byRuleTo(route.department.name_zh) : TEXT.noRule;
    say(
      $("new-route"),
      route.department ? TEXT.ruleSends(route.department.name_zh, route.department.name_en) : TEXT.noRule,
    );
  } catch (err) {
    say($("new-route"), errorText(err));
  }
}

function chip(guess) {
  const text = `${categoryName(guess.code)} ${percent(guess.confidence)}`;
  const pickIt = () => {
    $("new-category").value = guess.code;
    draft.categoryChosen = true;
    showRoute().catch(report);
  };
  return el("button", { type: "button", class: "chip", "data-code": guess.code, text, onclick: pickIt });
}

function repeatLink(repeat) {
  const text = TEXT.repeatOf(repeat.case_id, percent(repeat.similarity));
  return el("button", { type: "button", class: "chip repeat", text, onclick: () => openCase(repeat.case_id) });
}

function renderSuggestion(found) {
  const parts = [];
  if (!found.model_ready) {
    parts.push(el("p", { class: "note no-model", text: TEXT.noModel(found.model_problem || "") }));
  } else if (found.categories.length) {
    parts.push(
      el("p", { class: "suggested" }, el("b", { text: TEXT.suggestedCategories }), found.categories.map(chip)),
    );
    if (!found.sure) parts.push(el("p", { class: "review", text: TEXT.notSure(percent(found.threshold)) }));
  }
  if (found.district_code && found.place?.source !== "given") {
    const sure = found.place.confidence === undefined ? "" : ` ${percent(found.place.confidence)}`;
    parts.push(el("p", { class: "small", text: TEXT.placeRead(districtName(found.district_code), sure) }));
  }
  if (found.repeats.length) {
    parts.push(el("p", { class: "repeats" }, el("b", { text: TEXT.readingRepeats }), found.repeats.map(repeatLink)));
  }
  $("new-suggest").replaceChildren(...parts);
}

/** Ask intake's reading of the draft; an answer overtaken by a later question is dropped. */
async function suggest() {
  const b = body();
  if (!b.text && !b.title) return;
  const asked = ++draft.asked;
  const found = await call("POST", "/api/v1/triage/suggest", {
    title: b.title,
    text: b.text,
    address: b.address,
    district_code: draft.districtChosen ? b.district_code : null, // the model's guesses stay in sight
  });
  if (asked !== draft.asked) return;
  draft.suggestion = found;
  renderSuggestion(found);
  if (!draft.categoryChosen) $("new-category").value = found.category_code || "";
  if (!draft.districtChosen) $("new-district").value = found.district_code || "";
  await showRoute();
}

function later() {
  clearTimeout(draft.timer);
  draft.timer = setTimeout(() => suggest().catch(report), 500);
}

async function locate() {
  const text = $("new-address").value.trim();
  if (!text) return;
  try {
    const found = await call("GET", `/api/v1/geo/locate?${query({ text })}`);
    if (found.district_code) {
      $("new-district").value = found.district_code;
      draft.districtChosen = true;
      say($("new-place"), TEXT.located(districtName(found.district_code), percent(found.confidence)));
      await showRoute();
    } else {
      say($("new-place"), TEXT.notLocated((found.reasons || []).join("; ")));
    }
  } catch (err) {
    say($("new-place"), errorText(err));
  }
}

/** Dispatch a case intake did not dispatch itself: from the queue (the category is recorded for retraining). */
async function dispatchCreated(created, category, department) {
  if (created.status === "dispatched") {
    if (!department || department === created.department_code) return created.department_code;
    const moved = await call("POST", `/api/v1/cases/${created.id}/reassign`, {
      department_code: department,
      version: created.version,
    });
    return moved.department_code;
  }
  const out = await call("POST", `/api/v1/triage/queue/${created.id}/dispatch`, {
    category_code: category,
    department_code: department || undefined,
    version: created.version,
  });
  return out.department_code;
}

function checkDispatchable(b, department) {
  if (!b.category_code) return TEXT.needCategory;
  if (!department && !draft.route) return TEXT.needDepartment;
  return null;
}

async function submit(event, done) {
  event.preventDefault();
  const oneGo = event.submitter?.dataset.dispatch === "true";
  const b = body();
  const department = $("new-department").value;
  const problem = oneGo ? checkDispatchable(b, department) : null;
  if (problem) {
    say($("new-error"), problem);
    return;
  }
  show($("new-error"), false);
  let created;
  try {
    created = await call("POST", "/api/v1/cases", b);
  } catch (err) {
    say($("new-error"), TEXT.createFailed(errorText(err)));
    return;
  }
  let where = created.department_code;
  if (oneGo) {
    try {
      where = await dispatchCreated(created, b.category_code, department);
    } catch (err) {
      message(TEXT.createdNotDispatched(created.id, errorText(err)), "error");
      openCase(created.id);
      return;
    }
  }
  $("new-case").reset();
  fillNewCase();
  message(where ? TEXT.createdDispatched(created.id, departmentName(where)) : TEXT.created(created.id), "ok");
  done(created.id);
}

export function wireNewCase(done) {
  for (const id of ["new-text", "new-title", "new-address"]) $(id).addEventListener("input", later);
  $("new-text").addEventListener("blur", () => suggest().catch(report));
  $("new-category").addEventListener("change", () => {
    draft.categoryChosen = Boolean($("new-category").value);
    showRoute().catch(report);
  });
  $("new-district").addEventListener("change", () => {
    draft.districtChosen = Boolean($("new-district").value);
    showRoute().catch(report);
  });
  $("new-locate").addEventListener("click", () => locate().catch(report));
  $("new-address").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      locate().catch(report);
    }
  });
  $("new-case").addEventListener("keydown", (event) => {
    // Enter in a one-line field must not record and dispatch a half-typed call: only the buttons do.
    if (event.key === "Enter" && event.target.tagName === "INPUT") event.preventDefault();
  });
  $("new-case").addEventListener("submit", (event) => submit(event, done).catch(report));
}
