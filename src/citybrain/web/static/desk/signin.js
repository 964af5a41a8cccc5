/* Who is signed in (the session from /signin): ask /me, keep its CSRF token for writes, show the role's tabs.
 * Signing out is the header's form (POST /signout), which ends the session on the server. */
import { ApiError, useCsrfToken } from "../lib/api.js";
import { $, bi, show } from "../lib/dom.js";
import { loadDirectory } from "./directory.js";
import { call, errorText, state } from "./state.js";
import { PAIRS, TEXT } from "./strings.js";

/** Ask /me who is signed in; an account without case access is refused as the API would refuse it. */
export async function signIn() {
  const me = await call("GET", "/api/v1/me");
  useCsrfToken(me.csrf_token);
  if (!me.permissions.includes("read_cases")) throw new ApiError(403, TEXT.noCaseAccess(me));
  state.me = me;
  await loadDirectory();
  return me;
}

/** The header says who is signed in; the tabs are the ones the role has. */
export function showWho(me) {
  $("who-name").textContent = me.name;
  const dept = me.department_code ? ` · ${me.department_name_zh || me.department_code}` : "";
  $("who-role").textContent = `${me.role_zh} ${me.role_en}${dept}`;
  show($("who"), true);
  show($("signin-error"), false);
  show($("desk"), true);
  show($("masked-note"), !me.sees_personal_data);
  show($("tab-queue"), me.permissions.includes("dispatch"));
  show($("tab-new"), me.permissions.includes("dispatch"));
  show($("tab-alerts"), me.alert_actions.length > 0);
  $("tab-cases").replaceChildren(...bi(...(me.department_code ? PAIRS.myDepartmentCases : PAIRS.openCases)));
}

function refusal(err) {
  if (err instanceof ApiError && err.status === 403) return TEXT.keyRefused(err);
  return TEXT.signInFailed(errorText(err));
}

/** Enter the desk as the signed-in person, or say why not. */
export function wireSignIn(enter) {
  const box = $("signin-error");
  signIn()
    .then(enter)
    .catch((err) => {
      box.textContent = refusal(err);
      show(box, true);
    });
}
