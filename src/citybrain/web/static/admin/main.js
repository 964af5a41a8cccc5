/* 系统管理 Administration: staff accounts and API keys through /api/v1/admin, as the signed-in administrator.
 * Every write carries the session's CSRF token (from /api/v1/me). Text is always set as text, never as HTML. */
import { ApiError, request, signInAgain, useCsrfToken } from "../lib/api.js";
import { $, bi, el, say, show } from "../lib/dom.js";

const ROLES = JSON.parse($("admin-roles").textContent);
/** A role as people read it, Chinese and English (接线员 Operator), not its code; the code if unknown. */
const roleName = (code) => {
  const role = [...ROLES.users, ...ROLES.keys].find((r) => r.name === code);
  return role ? `${role.zh} ${role.en}` : code;
};
const roleChoices = (list) => list.map((r) => ({ value: r.name, text: roleName(r.name) }));
const state = { departments: [] };

async function call(method, path, json) {
  try {
    return await request(method, path, { json });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) signInAgain();
    throw err;
  }
}

function tell(text, error = false) {
  say($("message"), text);
  $("message").className = error ? "message error" : "message";
}

const fail = (err) => tell(`${err.status || ""} ${err.message}`, true);

function options(select, items, blank) {
  select.replaceChildren(
    ...(blank ? [el("option", { value: "", text: blank })] : []),
    ...items.map((item) => el("option", { value: item.value, text: item.text })),
  );
}

function fillChoices() {
  options($("user-role"), roleChoices(ROLES.users));
  options($("key-role"), roleChoices(ROLES.keys));
  const departments = state.departments.map((d) => ({ value: d.code, text: `${d.name_zh} ${d.name_en}` }));
  for (const id of ["user-department", "key-department"]) options($(id), departments, "— 无 none —");
}

function userActions(user) {
  const disable = el(
    "button",
    { type: "button", class: "toggle" },
    ...bi(...(user.disabled ? ["启用", "Enable"] : ["停用", "Disable"])),
  );
  disable.addEventListener("click", () =>
    call("PATCH", `/api/v1/admin/users/${user.id}`, { disabled: !user.disabled })
      .then(() => loadUsers())
      .then(() =>
        tell(`${user.username}: ${user.disabled ? "已启用 enabled" : "已停用，会话已结束 disabled, sessions ended"}`),
      )
      .catch(fail),
  );
  const reset = el("button", { type: "button", class: "reset" }, ...bi("重设密码", "Reset password"));
  reset.addEventListener("click", () => {
    const password = window.prompt(`新密码 New password for ${user.username}`);
    if (!password) return;
    call("POST", `/api/v1/admin/users/${user.id}/password`, { password })
      .then(() => tell(`${user.username}: 密码已重设，会话已结束 password set, sessions ended`))
      .then(loadUsers)
      .catch(fail);
  });
  const email = el("button", { type: "button", class: "email" }, ...bi("邮箱", "E-mail"));
  email.addEventListener("click", () => {
    const address = window.prompt(
      `工作邮箱（统一身份认证按它找到账号；留空则删除）Work e-mail of ${user.username}`,
      user.email || "",
    );
    if (address === null) return;
    call("PATCH", `/api/v1/admin/users/${user.id}`, { email: address.trim() })
      .then(loadUsers)
      .then(() => tell(`${user.username}: ${address.trim() || "邮箱已删除 e-mail removed"}`))
      .catch(fail);
  });
  const role = el("select", { "aria-label": `角色 Role of ${user.username}` });
  options(role, roleChoices(ROLES.users));
  role.value = user.role;
  const department = el("select", { "aria-label": `部门 Department of ${user.username}` });
  options(
    department,
    state.departments.map((d) => ({ value: d.code, text: d.name_zh })),
    "—",
  );
  department.value = user.department_code || "";
  const save = el("button", { type: "button", class: "save" }, ...bi("保存角色", "Save role"));
  save.addEventListener("click", () =>
    call("PATCH", `/api/v1/admin/users/${user.id}`, { role: role.value, department_code: department.value || null })
      .then(loadUsers)
      .then(() => tell(`${user.username}: ${roleName(role.value)}`))
      .catch(fail),
  );
  return [disable, reset, email, role, department, save];
}

async function loadUsers() {
  const users = await call("GET", "/api/v1/admin/users");
  $("users-table").tBodies[0].replaceChildren(
    ...users.map((u) =>
      el(
        "tr",
        { class: u.disabled ? "disabled-row" : null, "data-user": u.username },
        el("td", { text: u.username }),
        el("td", { text: u.display_name }),
        el("td", { text: roleName(u.role) }),
        el("td", { text: u.department_code || "" }),
        el("td", { text: u.email || "" }),
        el("td", { text: u.disabled ? "停用 disabled" : "正常 active" }),
        el("td", { text: u.last_sign_in_at ? u.last_sign_in_at.replace("T", " ").slice(0, 16) : "" }),
        el("td", { class: "actions" }, userActions(u)),
      ),
    ),
  );
}

async function loadKeys() {
  const keys = await call("GET", "/api/v1/admin/keys");
  $("keys-table").tBodies[0].replaceChildren(
    ...keys.map((k) => {
      const revoke = el("button", { type: "button", disabled: Boolean(k.revoked_at) }, ...bi("吊销", "Revoke"));
      revoke.addEventListener("click", () =>
        call("POST", `/api/v1/admin/keys/${k.id}/revoke`)
          .then(loadKeys)
          .then(() => tell(`#${k.id} 已吊销 revoked`))
          .catch(fail),
      );
      return el(
        "tr",
        { "data-key": String(k.id) },
        el("td", { text: String(k.id) }),
        el("td", { text: k.name }),
        el("td", {}, el("code", { text: `${k.prefix}…` })),
        el("td", { text: roleName(k.role) }),
        el("td", { text: k.department_code || "" }),
        el("td", { text: k.revoked_at ? "已吊销 revoked" : "有效 active" }),
        el("td", { class: "actions" }, revoke),
      );
    }),
  );
}

function formJson(form) {
  const data = Object.fromEntries(new FormData(form));
  if (!data.department_code) data.department_code = null;
  return data;
}

function wire() {
  $("user-form").addEventListener("submit", (event) => {
    event.preventDefault();
    call("POST", "/api/v1/admin/users", formJson(event.target))
      .then((user) => {
        event.target.reset();
        tell(`已创建 created: ${user.username}`);
        return loadUsers();
      })
      .catch(fail);
  });
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    call("POST", "/api/v1/admin/keys", formJson(event.target))
      .then((key) => {
        event.target.reset();
        $("new-key-value").textContent = key.key;
        show($("new-key"), true);
        return loadKeys();
      })
      .catch(fail);
  });
}

async function start() {
  const me = await call("GET", "/api/v1/me");
  useCsrfToken(me.csrf_token);
  state.departments = (await call("GET", "/api/v1/departments")).filter((d) => d.active);
  fillChoices();
  wire();
  await Promise.all([loadUsers(), loadKeys()]);
  document.body.dataset.ready = "true";
}

start().catch(fail);
