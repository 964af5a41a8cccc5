/* 视图 saved views: named sets of list filters, kept in this browser (localStorage). Only filters are kept — never
 * the key, never a phone number searched for. */
import { $, el } from "../lib/dom.js";
import { applyFilters, currentFilters } from "./cases.js";
import { message } from "./state.js";
import { TEXT } from "./strings.js";

const STORE = "citybrain.desk.views";

function stored() {
  try {
    return JSON.parse(localStorage.getItem(STORE) || "{}");
  } catch {
    return {};
  }
}

function fill(selected) {
  const names = Object.keys(stored()).sort();
  $("saved-views").replaceChildren(
    el("option", { value: "", text: TEXT.chooseView }),
    ...names.map((name) => el("option", { value: name, text: name, selected: name === selected })),
  );
}

/** `reload()` lists the cases of the filters a chosen view puts in the form. */
export function wireViews(reload) {
  fill("");
  $("view-save").addEventListener("click", () => {
    const name = $("view-name").value.trim();
    if (!name) {
      message(TEXT.viewNeedsName, "error");
      $("view-name").focus();
      return;
    }
    const views = stored();
    views[name] = currentFilters();
    localStorage.setItem(STORE, JSON.stringify(views));
    fill(name);
    $("view-name").value = "";
    message(TEXT.viewSaved(name), "ok");
  });
  $("view-delete").addEventListener("click", () => {
    const name = $("saved-views").value;
    if (!name) return;
    const views = stored();
    delete views[name];
    localStorage.setItem(STORE, JSON.stringify(views));
    fill("");
    message(TEXT.viewDeleted(name), "ok");
  });
  $("saved-views").addEventListener("change", () => {
    const view = stored()[$("saved-views").value];
    if (!view) return;
    applyFilters(view);
    reload();
  });
}
