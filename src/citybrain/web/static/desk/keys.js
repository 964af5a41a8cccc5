/* 键盘快捷键 keyboard shortcuts for the call-taker's common moves. They never fire while typing in a field, nor
 * with Ctrl, Alt or Meta held (the browser's own shortcuts stay the browser's). */
import { $ } from "../lib/dom.js";
import { pick } from "./cases.js";
import { openCase } from "./detail.js";
import { state } from "./state.js";

function typing(target) {
  const tag = target?.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || Boolean(target?.isContentEditable);
}

function listShown() {
  return !$("panel-cases").hidden && state.rows.length > 0;
}

function move(step) {
  if (!listShown()) return;
  const rows = [...$("cases-table").tBodies[0].rows];
  state.cursor = Math.max(0, Math.min(rows.length - 1, state.cursor + step));
  rows.forEach((row, i) => {
    row.classList.toggle("cursor", i === state.cursor);
  });
  rows[state.cursor].scrollIntoView({ block: "nearest" });
}

const current = () => (listShown() && state.cursor >= 0 ? state.rows[state.cursor] : null);

/** `d`: in a case, the dispatch (or reassign) form's department; in the list, the bulk dispatch of the selection. */
function dispatchKey() {
  if (!$("panel-detail").hidden) {
    $("detail-body").querySelector(".action-dispatch select, .action-reassign select")?.focus();
    return;
  }
  if (state.picked.size && !$("bulk").hidden) $("bulk-department").focus();
}

/** `go(tab)` opens a tab of the desk. */
export function wireKeys(go) {
  const help = $("help");
  const keys = {
    "/": () => {
      go("cases");
      $("search-q").focus();
    },
    n: () => {
      if (!state.me.permissions.includes("dispatch")) return;
      go("new");
      $("new-phone").focus();
    },
    j: () => move(1),
    k: () => move(-1),
    o: () => current() && openCase(current().id),
    Enter: () => current() && openCase(current().id),
    x: () => current() && pick(current(), !state.picked.has(current().id)),
    d: dispatchKey,
    "?": () => help.showModal(),
    Escape: () => !$("panel-detail").hidden && $("detail-back").click(),
  };
  document.addEventListener("keydown", (event) => {
    if (!state.me || help.open || typing(event.target) || event.ctrlKey || event.altKey || event.metaKey) return;
    if (event.key === "Enter" && event.target !== document.body) return; // a focused button or link keeps its Enter
    const run = keys[event.key];
    if (!run) return;
    event.preventDefault();
    run();
  });
  $("show-help").addEventListener("click", () => help.showModal());
}
