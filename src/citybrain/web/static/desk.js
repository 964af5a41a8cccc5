/* 受理派单工作台 Case desk: a thin client of /api/v1. The API key lives in sessionStorage only.
 * Every rule (who may do what, what is masked) is the API's; this script only shows its answers and errors.
 * Text from cases is always set as text (textContent), never parsed as HTML. */
"use strict";

const KEY_STORE = "citybrain.desk.key";
const PAGE = 20;
const LABELS = JSON.parse(document.getElementById("desk-labels").textContent);
const EVENT_NAMES = { receive: ["受理", "Received"] };
const state = { key: null, me: null, categories: [], categoryNames: {}, departments: [], departmentNames: {},
  tab: null, offsets: { queue: 0, cases: 0, alerts: 0 }, current: null };

/* ---------- small helpers ---------- */

function $(id) { return document.getElementById(id); }

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name in node && typeof value !== "string") node[name] = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Chinese first, English beside. */
function bi(zh, en) { return [zh + " ", el("span", { class: "en", text: en })]; }

function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function pct(x) { return x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`; }

function statusName(status) { return LABELS.statuses[status] || [status, status]; }
function actionName(action) { return LABELS.actions[action] || EVENT_NAMES[action] || [action, action]; }
function categoryName(code) { return code ? (state.categoryNames[code] || code) : "—"; }
function departmentName(code) { return code ? (state.departmentNames[code] || code) : "—"; }

function show(node, visible) { node.hidden = !visible; }

/* ---------- the API ---------- */

class ApiError extends Error {
  constructor(status, message, code) { super(message); this.status = status; this.code = code; }
}

const STATUS_WORDS = {
  400: ["输入有误", "Invalid input"], 401: ["需要登录", "Not signed in"], 403: ["无权操作或密钥无效", "Not allowed"],
  404: ["不存在", "Not found"], 409: ["冲突：数据已变化，请刷新后重试", "Conflict"], 422: ["输入有误", "Invalid input"],
};

function errorText(err) {
  if (!(err instanceof ApiError)) return `网络错误 Network error: ${err.message}`;
  const [zh, en] = STATUS_WORDS[err.status] || ["服务器错误", "Server error"];
  return `${zh} ${en} (HTTP ${err.status}): ${err.message}`;
}

async function api(method, path, body, key) {
  const headers = { "X-API-Key": key || state.key, Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await response.json(); } catch (_ignored) { data = null; }
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.message || response.statusText, error.code);
  }
  return data;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
  return q.toString();
}

function message(text, kind) {
  const box = $("message");
  box.textContent = text;
  box.className = `message ${kind || "ok"}`;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  show(box, Boolean(text));
}

/* ---------- sign in / out ---------- */

async function signIn(key) {
  const me = await api("GET", "/api/v1/me", undefined, key);
  if (!me.permissions.includes("read_cases")) {
    throw new ApiError(403, `role ${me.role} (${me.role_zh}) cannot use the case desk; it has no case access`);
  }
  state.key = key;
  state.me = me;
  await loadDirectory();
  sessionStorage.setItem(KEY_STORE, key);
  enterDesk();
}

function signOut() {
  sessionStorage.removeItem(KEY_STORE);
  state.key = null;
  state.me = null;
  state.offsets = { queue: 0, cases: 0, alerts: 0 };
  for (const id of ["queue-table", "cases-table"]) $(id).tBodies[0].replaceChildren();
  for (const id of ["alerts-list", "detail-body"]) $(id).replaceChildren();  // nothing of the last user stays
  show($("desk"), false);
  show($("who"), false);
  show($("signin"), true);
  message("");
  $("api-key").value = "";
  $("api-key").focus();
}

async function loadDirectory() {
  const [tree, departments] = await Promise.all([api("GET", "/api/v1/categories"), api("GET", "/api/v1/departments")]);
  state.categories = [];
  const walk = (nodes) => nodes.forEach((node) => {
    if (!node.active) return;
    state.categories.push(node);
    state.categoryNames[node.code] = `${node.name_zh} ${node.name_en}`;
    walk(node.children || []);
  });
  walk(tree);
  state.departments = departments.filter((d) => d.active);
  for (const d of departments) state.departmentNames[d.code] = `${d.name_zh} ${d.name_en}`;
}

function enterDesk() {
  const me = state.me;
  $("who-name").textContent = me.name;
  const dept = me.department_code ? ` · ${me.department_name_zh || me.department_code}` : "";
  $("who-role").textContent = `${me.role_zh} ${me.role_en}${dept}`;
  show($("who"), true);
  show($("signin"), false);
  show($("signin-error"), false);
  show($("desk"), true);
  show($("masked-note"), !me.sees_personal_data);
  const dispatcher = me.permissions.includes("dispatch");
  show($("tab-queue"), dispatcher);
  show($("tab-alerts"), me.alert_actions.length > 0);
  $("tab-cases").replaceChildren(...(me.department_code
    ? bi("本单位工单", "My department's cases") : bi("在办工单", "Open cases")));
  fillCaseFilters();
  fillAlertFilters();
  openTab(dispatcher ? "queue" : "cases");
}

/* ---------- tabs ---------- */

function openTab(tab) {
  state.tab = tab;
  for (const name of ["queue", "cases", "alerts"]) {
    $(`tab-${name}`).setAttribute("aria-selected", String(name === tab));
    show($(`panel-${name}`), name === tab);
  }
  show($("panel-detail"), false);
  const load = { queue: loadQueue, cases: loadCases, alerts: loadAlerts }[tab];
  load().catch((err) => message(errorText(err), "error"));
}

function pager(box, page, tab, reload) {
  const from = page.total ? page.offset + 1 : 0;
  const to = page.offset + page.items.length;
  const go = (offset) => { state.offsets[tab] = offset; reload().catch((err) => message(errorText(err), "error")); };
  box.replaceChildren(
    el("button", { type: "button", disabled: page.offset === 0, onclick: () => go(Math.max(0, page.offset - PAGE)) },
      ...bi("上一页", "Previous")),
    el("span", { class: "range", text: `第 ${from}–${to} 条，共 ${page.total} 条 · ${from}–${to} of ${page.total}` }),
    el("button", { type: "button", disabled: to >= page.total, onclick: () => go(page.offset + PAGE) },
      ...bi("下一页", "Next")),
  );
}

/* ---------- 人工派单队列 dispatch queue ---------- */

function readingItems(triage) {
  if (!triage) return [el("li", {}, ...bi("无研判记录", "No reading recorded"))];
  const items = [];
  const cat = triage.category || {};
  const catLine = [];
  if (cat.source === "model") catLine.push(`模型 model: ${cat.label} ${pct(cat.confidence)} (阈值 threshold ${pct(cat.threshold)})`);
  if (cat.source === "citizen") catLine.push(`市民选择 chosen by citizen: ${categoryName(cat.code)}`);
  if (cat.code && cat.source === "model") catLine.push(`建议 suggested: ${categoryName(cat.code)}`);
  if (cat.why) catLine.push(cat.why);
  items.push(el("li", { class: "reading-category" }, el("b", { text: "类别 Category: " }), catLine.join(" · ") || "—"));
  const place = triage.place || {};
  items.push(el("li", {}, el("b", { text: "地点 Place: " }), place.district || place.why || "—"));
  const route = triage.route || {};
  if (route.department || route.why) {
    items.push(el("li", {}, el("b", { text: "派单 Route: " }), route.department ? departmentName(route.department) : route.why));
  }
  const repeats = (triage.repeats || {}).candidates || [];
  if (repeats.length) items.push(el("li", {}, el("b", { text: "疑似重复 Likely repeats: " }), repeats.map((id) => `#${id}`).join(", ")));
  const decided = triage.decided;
  if (decided) {
    items.push(el("li", { class: "decided" }, el("b", { text: "人工决定 Decided: " }),
      `${categoryName(decided.category)} · ${decided.by} · ${when(decided.at)}`));
  }
  const review = (triage.review || []).map((r) => ({ category: "类别 category", route: "派单规则 routing rule" }[r] || r));
  if (review.length && !decided) items.push(el("li", { class: "review" }, el("b", { text: "需人工 Needs a person: " }), review.join("、")));
  return items;
}

function categorySelect(selected) {
  const select = el("select", { name: "category", required: true, "aria-label": "类别 Category" },
    el("option", { value: "", text: "— 选择类别 choose a category —" }));
  for (const c of state.categories) {
    const indent = "\u3000".repeat(c.level - 1);
    select.append(el("option", { value: c.code, text: `${indent}${c.name_zh} ${c.name_en} (${c.code})`, selected: c.code === selected }));
  }
  return select;
}

function departmentSelect(firstLabel, selected) {
  const select = el("select", { name: "department", "aria-label": "部门 Department" }, el("option", { value: "", text: firstLabel }));
  for (const d of state.departments) {
    select.append(el("option", { value: d.code, text: `${d.name_zh} ${d.name_en}`, selected: d.code === selected }));
  }
  return select;
}

async function showRoute(item, category, department, hint) {
  const byRule = department.options[0];
  byRule.textContent = "按派单规则 By routing rule";
  hint.textContent = "";
  if (!category.value) return;
  try {
    const route = await api("GET", `/api/v1/route?${query({ category: category.value, district: item.district_code || "" })}`);
    if (route.department) {
      byRule.textContent = `按派单规则 By rule → ${route.department.name_zh}`;
      hint.textContent = `规则派往 Routing sends it to: ${route.department.name_zh} ${route.department.name_en}`;
    } else {
      byRule.textContent = "无派单规则，请选择部门 No rule: choose a department";
      hint.textContent = route.reason || "";
    }
  } catch (err) {
    hint.textContent = errorText(err);
  }
}

function queueRow(item) {
  const triage = item.triage || {};
  const suggested = (triage.category || {}).code || item.category_code || "";
  const category = categorySelect(suggested);
  const department = departmentSelect("按派单规则 By routing rule", null);
  const error = el("div", { class: "error", role: "alert", hidden: true });
  const hint = el("div", { class: "small route-hint" });
  const form = el("form", { class: "dispatch-form" }, category, department, hint,
    el("button", { type: "submit", class: "primary" }, ...bi("派单", "Dispatch")), error);
  category.addEventListener("change", () => showRoute(item, category, department, hint));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(error, false);
    const body = { category_code: category.value, version: item.version };
    if (department.value) body.department_code = department.value;
    try {
      const out = await api("POST", `/api/v1/triage/queue/${item.id}/dispatch`, body);
      message(`工单 #${out.case_id} 已派单至 ${departmentName(out.department_code)} · Case #${out.case_id} dispatched`, "ok");
      await loadQueue();
    } catch (err) {
      error.textContent = errorText(err);
      show(error, true);
      message(errorText(err), "error");
    }
  });
  showRoute(item, category, department, hint);
  return el("tr", { "data-case-id": item.id },
    el("td", {}, el("a", { href: `#case-${item.id}`, text: `#${item.id}`, onclick: (e) => { e.preventDefault(); openCase(item.id); } })),
    el("td", { class: "when", text: when(item.created_at) }),
    el("td", { class: "request" }, el("strong", { text: item.title || "（无标题 untitled）" }), el("div", { class: "text", text: item.text }),
      el("div", { class: "small", text: `${item.channel}${item.address ? " · " + item.address : ""}` })),
    el("td", {}, el("ul", { class: "reading" }, readingItems(item.triage))),
    el("td", {}, form),
  );
}

async function loadQueue() {
  const page = await api("GET", `/api/v1/triage/queue?${query({ limit: PAGE, offset: state.offsets.queue })}`);
  if (!page.items.length && page.offset > 0) { state.offsets.queue = 0; return loadQueue(); }
  $("queue-table").tBodies[0].replaceChildren(...page.items.map(queueRow));
  $("queue-count").textContent = String(page.total);
  show($("queue-empty"), page.total === 0);
  show($("queue-table"), page.items.length > 0);
  pager($("queue-pager"), page, "queue", loadQueue);
}

/* ---------- 工单 cases ---------- */

function fillCaseFilters() {
  const status = $("filter-status");
  status.replaceChildren(el("option", { value: "", text: "全部 All" }),
    ...Object.entries(LABELS.statuses).map(([code, [zh, en]]) => el("option", { value: code, text: `${zh} ${en}` })));
  const own = state.me.department_code;
  const department = departmentSelect("全部 All", own);
  department.id = "filter-department";
  department.disabled = Boolean(own);
  $("filter-department").replaceWith(department);
}

function deadline(iso, late) {
  return el("td", { class: late ? "late" : "" }, when(iso), late ? el("span", { class: "badge late", text: "超期 Overdue" }) : null);
}

function caseRow(item) {
  const [zh, en] = statusName(item.status);
  const signLate = item.status === "dispatched" && item.accept_due_at && new Date(item.accept_due_at) < new Date();
  return el("tr", { class: item.overdue ? "overdue" : "", "data-case-id": item.id, onclick: () => openCase(item.id) },
    el("td", {}, el("a", { href: `#case-${item.id}`, text: `#${item.id}`, onclick: (e) => e.preventDefault() })),
    el("td", { class: "request" }, el("strong", { text: item.title || "（无标题 untitled）" }), el("div", { class: "text clip", text: item.text })),
    el("td", { text: categoryName(item.category_code) }),
    el("td", { text: departmentName(item.department_code) }),
    el("td", {}, el("span", { class: `status s-${item.status}` }, ...bi(zh, en))),
    deadline(item.accept_due_at, signLate),
    deadline(item.due_at, item.overdue),
  );
}

async function loadCases() {
  const params = {
    status: $("filter-status").value,
    department: state.me.department_code ? "" : $("filter-department").value,
    overdue: $("filter-overdue").checked ? "true" : "",
    limit: PAGE,
    offset: state.offsets.cases,
  };
  const page = await api("GET", `/api/v1/cases?${query(params)}`);
  $("cases-table").tBodies[0].replaceChildren(...page.items.map(caseRow));
  show($("cases-empty"), page.total === 0);
  show($("cases-table"), page.items.length > 0);
  pager($("cases-pager"), page, "cases", loadCases);
}

/* ---------- case detail ---------- */

function field(zh, en, value) {
  return [el("dt", {}, ...bi(zh, en)), el("dd", { text: value === null || value === undefined || value === "" ? "—" : String(value) })];
}

function contactBlock(contact) {
  if (!contact) return el("p", { class: "small" }, ...bi("无联系人信息", "No contact recorded"));
  return el("div", { class: "contact" },
    el("dl", {}, field("姓名", "Name", contact.name), field("电话", "Phone", contact.phone),
      field("邮箱", "E-mail", contact.email), field("证件号", "ID number", contact.id_number)),
    contact.masked ? el("span", { class: "badge masked", text: "已脱敏 Masked" }) : null);
}

function timeline(events) {
  return el("ol", { class: "timeline" }, events.map((e) => {
    const [zh, en] = actionName(e.action);
    const move = e.to_status ? `${e.from_status ? statusName(e.from_status)[0] : "—"} → ${statusName(e.to_status)[0]}` : "";
    return el("li", {},
      el("span", { class: "at", text: when(e.at) }), " ",
      el("strong", {}, ...bi(zh, en)), " ",
      el("span", { class: "small", text: [move, e.department_code ? departmentName(e.department_code) : "", e.actor].filter(Boolean).join(" · ") }),
      e.note ? el("div", { class: "note-text", text: e.note }) : null);
  }));
}

function allowedActions(detail) {
  const me = state.me;
  return me.case_actions.filter((a) => a.sources.includes(detail.status)
    && (!a.own_department_only || (me.department_code && detail.department_code === me.department_code)));
}

const NEEDS = {
  reply: () => el("textarea", { name: "reply", required: true, rows: 3, placeholder: "答复市民的内容 Reply to the citizen" }),
  reason: () => el("textarea", { name: "reason", required: true, rows: 2, placeholder: "原因 Reason" }),
  note: () => el("textarea", { name: "note", required: true, rows: 2, placeholder: "备注 Note" }),
  target_id: () => el("input", { name: "target_id", type: "number", required: true, min: 1, placeholder: "主工单编号 Case it repeats" }),
  department_code: () => { const s = departmentSelect("— 选择部门 choose a department —", null); s.required = true; return s; },
};

function callbackInputs() {
  const stars = el("select", { name: "satisfaction", "aria-label": "满意度 Satisfaction" },
    [5, 4, 3, 2, 1].map((n) => el("option", { value: n, text: `${n} ${"★".repeat(n)}` })));
  return [
    el("label", {}, el("input", { type: "radio", name: "resolved", value: "true", checked: true }), " 已解决 Solved"),
    el("label", {}, el("input", { type: "radio", name: "resolved", value: "false" }), " 未解决（重办） Not solved (reopen)"),
    el("label", {}, "满意度 Satisfaction ", stars),
    el("input", { name: "note", placeholder: "回访记录 Callback note" }),
  ];
}

function actionBody(action, form, version) {
  const data = new FormData(form);
  if (action.action === "callback") {
    return { resolved: data.get("resolved") === "true", satisfaction: Number(data.get("satisfaction")), note: data.get("note") || null, version };
  }
  const body = { version };
  for (const [name, value] of data.entries()) {
    if (value !== "") body[name] = name === "target_id" ? Number(value) : value;
  }
  return body;
}

function actionForm(action, detail) {
  const [zh, en] = actionName(action.action);
  const inputs = action.action === "callback" ? callbackInputs() : (action.needs && NEEDS[action.needs] ? [NEEDS[action.needs]()] : []);
  const form = el("form", { class: `action-form action-${action.action}`, "data-action": action.action },
    ...inputs, el("button", { type: "submit", class: action.action === "invalidate" ? "danger" : "primary" }, ...bi(zh, en)));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show($("detail-error"), false);
    try {
      const updated = await api("POST", `/api/v1/cases/${detail.id}/${action.action}`, actionBody(action, form, detail.version));
      message(`工单 #${detail.id}：${zh}完成 · ${en}: done`, "ok");
      renderDetail(updated);
    } catch (err) {
      $("detail-error").textContent = `${zh} ${en} 失败 failed — ${errorText(err)}`;
      show($("detail-error"), true);
    }
  });
  return form;
}

function renderDetail(d) {
  state.current = d;
  const [zh, en] = statusName(d.status);
  const actions = allowedActions(d);
  const body = $("detail-body");
  body.replaceChildren(
    el("h2", { id: "detail-title" }, `#${d.id} ${d.title || ""} `, el("span", { class: `status s-${d.status}` }, ...bi(zh, en)),
      d.overdue ? el("span", { class: "badge late", text: "超期 Overdue" }) : null),
    el("div", { class: "detail-grid" },
      el("div", { class: "card" }, el("h3", {}, ...bi("基本信息", "Case")), el("dl", {},
        field("渠道", "Channel", d.channel), field("类别", "Category", categoryName(d.category_code)),
        field("区", "District", d.district_code), field("地址", "Address", d.address),
        field("承办部门", "Department", departmentName(d.department_code)),
        field("受理时间", "Received", when(d.created_at)), field("派单时间", "Dispatched", when(d.dispatched_at)),
        field("签收时限", "Sign-for by", when(d.accept_due_at)), field("签收时间", "Signed for", when(d.accepted_at)),
        field("办结时限", "Resolve by", when(d.due_at)), field("办结时间", "Resolved", when(d.resolved_at)),
        field("结案时间", "Closed", when(d.closed_at)),
        field("重办/退单/催办", "Reopened/sent back/reminded", `${d.reopen_count} / ${d.reject_count} / ${d.reminder_count}`))),
      el("div", { class: "card" }, el("h3", {}, ...bi("诉求人", "Citizen")), contactBlock(d.contact),
        el("h3", {}, ...bi("诉求内容", "Request")), el("p", { class: "case-text", text: d.text || "—" }),
        d.reply ? [el("h3", {}, ...bi("答复", "Reply")), el("p", { class: "case-text", text: d.reply })] : null,
        d.callback_at ? el("p", { text: `回访 Callback ${when(d.callback_at)}: ${d.resolved ? "已解决 solved" : "未解决 not solved"}, 满意度 satisfaction ${d.satisfaction}` }) : null)),
    el("div", { class: "card" }, el("h3", {}, ...bi("研判依据", "Intake's reading")),
      d.needs_review ? el("p", { class: "review" }, ...bi("在人工派单队列中", "Waiting in the dispatch queue")) : null,
      el("ul", { class: "reading" }, readingItems(d.triage))),
    el("div", { class: "card", id: "detail-actions" }, el("h3", {}, ...bi("办理", "Actions")),
      actions.length ? actions.map((a) => actionForm(a, d))
        : el("p", { class: "small" }, ...bi("您的角色对此工单当前状态无可执行操作。", "Your role has no action on this case in its current state."))),
    el("div", { class: "card" }, el("h3", {}, ...bi("办理过程", "Timeline")), timeline(d.events)),
  );
}

async function openCase(id) {
  show($("detail-error"), false);
  try {
    const detail = await api("GET", `/api/v1/cases/${id}`);
    for (const name of ["queue", "cases", "alerts"]) show($(`panel-${name}`), false);
    show($("panel-detail"), true);
    renderDetail(detail);
    window.scrollTo(0, 0);
  } catch (err) {
    message(`工单 #${id} 打开失败 could not be opened — ${errorText(err)}`, "error");
  }
}

/* ---------- 预警 alerts ---------- */

function fillAlertFilters() {
  $("alert-status").replaceChildren(el("option", { value: "", text: "全部 All" }),
    ...Object.entries(LABELS.alert_statuses).map(([code, [zh, en]]) => el("option", { value: code, text: `${zh} ${en}`, selected: code === "open" })));
}

function tomorrow() {
  const d = new Date(Date.now() + 86400000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function alertActions(alert, error) {
  const forms = [];
  for (const action of state.me.alert_actions) {
    const [zh, en, sources] = LABELS.alert_actions[action];
    if (!sources.includes(alert.status)) continue;
    const until = action === "snooze" ? el("input", { type: "date", name: "until", value: tomorrow(), "aria-label": "暂缓至 Snooze until" }) : null;
    const form = el("form", { class: `alert-action action-${action}` }, until, el("button", { type: "submit" }, ...bi(zh, en)));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      show(error, false);
      const body = { version: alert.version };
      if (until) body.until = until.value;
      try {
        await api("POST", `/api/v1/alerts/${alert.id}/${action}`, body);
        message(`预警 #${alert.id}：${zh} · Alert #${alert.id}: ${en}`, "ok");
        await loadAlerts();
      } catch (err) {
        error.textContent = errorText(err);
        show(error, true);
      }
    });
    forms.push(form);
  }
  return forms;
}

function alertCard(alert) {
  const [zh, en] = LABELS.alert_statuses[alert.status] || [alert.status, alert.status];
  const error = el("div", { class: "error", role: "alert", hidden: true });
  const cases = alert.case_ids || [];
  return el("div", { class: "card alert", "data-alert-id": alert.id },
    el("h3", {}, `#${alert.id} ${alert.title} `, el("span", { class: `status a-${alert.status}` }, ...bi(zh, en))),
    el("p", { class: "small", text: [
      `${alert.kind} · ${alert.detector}`,
      `信号 signal ${alert.first_signal_on} → ${alert.last_signal_on}`,
      alert.observed !== null ? `观测 observed ${alert.observed} / 期望 expected ${alert.expected === null ? "—" : Number(alert.expected).toFixed(1)}` : "",
      alert.p_value !== null ? `p = ${Number(alert.p_value).toPrecision(2)}` : "",
      `${cases.length} 件 cases`,
      alert.snoozed_until ? `暂缓至 snoozed until ${alert.snoozed_until}` : "",
    ].filter(Boolean).join(" · ") }),
    el("div", { class: "alert-actions" }, alertActions(alert, error)), error);
}

async function loadAlerts() {
  const params = { status: $("alert-status").value, limit: PAGE, offset: state.offsets.alerts };
  const page = await api("GET", `/api/v1/alerts?${query(params)}`);
  $("alerts-list").replaceChildren(...page.items.map(alertCard));
  show($("alerts-empty"), page.total === 0);
  pager($("alerts-pager"), page, "alerts", loadAlerts);
}

/* ---------- wiring ---------- */

function wire() {
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = $("api-key").value.trim();
    show($("signin-error"), false);
    try {
      await signIn(key);
    } catch (err) {
      const box = $("signin-error");
      box.textContent = err instanceof ApiError && (err.status === 401 || err.status === 403)
        ? `登录失败：密钥无效、已吊销或无权使用工作台。Sign-in failed: the key is invalid, revoked or not allowed here. (HTTP ${err.status}: ${err.message})`
        : `登录失败 Sign-in failed — ${errorText(err)}`;
      show(box, true);
    }
  });
  $("sign-out").addEventListener("click", signOut);
  for (const tab of document.querySelectorAll("[data-tab]")) tab.addEventListener("click", () => openTab(tab.dataset.tab));
  $("detail-back").addEventListener("click", () => openTab(state.tab));
  $("case-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    state.offsets.cases = 0;
    loadCases().catch((err) => message(errorText(err), "error"));
  });
  $("alert-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    state.offsets.alerts = 0;
    loadAlerts().catch((err) => message(errorText(err), "error"));
  });
  const saved = sessionStorage.getItem(KEY_STORE);
  if (saved) {
    signIn(saved).catch((err) => {
      sessionStorage.removeItem(KEY_STORE);
      $("signin-error").textContent = `已保存的密钥不可用，请重新登录。The saved key no longer works; sign in again. (${errorText(err)})`;
      show($("signin-error"), true);
    });
  }
}

wire();
