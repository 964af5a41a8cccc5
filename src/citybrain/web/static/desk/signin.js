/* 登录 signing in with an API key, kept in this tab's sessionStorage only, and signing out. */
import { ApiError } from "../lib/api.js";
import { $, bi, show } from "../lib/dom.js";
import { loadDirectory } from "./directory.js";
import { call, errorText, message, state } from "./state.js";
import { PAIRS, TEXT } from "./strings.js";

const KEY_STORE = "citybrain.desk.key";

/** Ask /me who the key belongs to; a key without case access is refused as the API would refuse it. */
export async function signIn(key) {
  const me = await call("GET", "/api/v1/me", undefined, key);
  if (!me.permissions.includes("read_cases")) throw new ApiError(403, TEXT.noCaseAccess(me));
  state.key = key;
  state.me = me;
  await loadDirectory();
  sessionStorage.setItem(KEY_STORE, key);
  return me;
}

export function signOut() {
  sessionStorage.removeItem(KEY_STORE);
  state.key = null;
  state.me = null;
  state.offsets = { queue: 0, cases: 0, alerts: 0, comments: 0 };
  for (const id of ["queue-table", "cases-table"]) $(id).tBodies[0].replaceChildren();
  for (const id of ["alerts-list", "comments-list", "detail-body", "bulk-results"]) $(id).replaceChildren(); // nothing of the last user stays
  $("new-case").reset();
  $("search-phone").value = "";
  state.picked.clear();
  state.rows = [];
  show($("desk"), false);
  show($("who"), false);
  show($("signin"), true);
  message("");
  $("api-key").value = "";
  $("api-key").focus();
}

/** The header says who is signed in; the tabs are the ones the role has. */
export function showWho(me) {
  $("who-name").textContent = me.name;
  const dept = me.department_code ? ` · ${me.department_name_zh || me.department_code}` : "";
  $("who-role").textContent = `${me.role_zh} ${me.role_en}${dept}`;
  show($("who"), true);
  show($("signin"), false);
  show($("signin-error"), false);
  show($("desk"), true);
  show($("masked-note"), !me.sees_personal_data);
  show($("tab-queue"), me.permissions.includes("dispatch"));
  show($("tab-new"), me.permissions.includes("dispatch"));
  show($("tab-alerts"), me.alert_actions.length > 0);
  $("tab-cases").replaceChildren(...bi(...(me.department_code ? PAIRS.myDepartmentCases : PAIRS.openCases)));
}

function refusal(err) {
  if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return TEXT.keyRefused(err);
  return TEXT.signInFailed(errorText(err));
}

/** The sign-in form, and the key this tab already holds (a reload keeps you signed in). */
export function wireSignIn(enter) {
  const box = $("signin-error");
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    show(box, false);
    try {
      enter(await signIn($("api-key").value.trim()));
    } catch (err) {
      box.textContent = refusal(err);
      show(box, true);
    }
  });
  $("sign-out").addEventListener("click", signOut);
  const saved = sessionStorage.getItem(KEY_STORE);
  if (saved) {
    signIn(saved)
      .then(enter)
      .catch((err) => {
        sessionStorage.removeItem(KEY_STORE);
        box.textContent = TEXT.savedKeyFailed(errorText(err));
        show(box, true);
      });
  }
}
