/* 受理派单工作台 Case desk: a thin client of /api/v1, as the person signed in at /signin (a session cookie).
 * Every rule (who may do what, what is masked) is the API's; these modules only show its answers and errors.
 * Text from cases is always set as text (textContent), never parsed as HTML. This module wires the panels. */
import { $, show } from "../lib/dom.js";
import { fillAlertFilters, loadAlerts } from "./alerts.js";
import { fillApplicationFilters, loadApplications } from "./applications.js";
import { fillBulk, wireBulk } from "./bulk.js";
import { applyFilters, fillCaseFilters, filtersFromUrl, foldFilters, loadCases, OPEN_CASES } from "./cases.js";
import { fillCommentFilters, loadComments } from "./comments.js";
import { loadInspections } from "./inspections.js";
import { fillJointFilters, loadJoint } from "./joint.js";
import { wireKeys } from "./keys.js";
import { fillNewCase, wireNewCase } from "./newcase.js";
import { loadQueue } from "./queue.js";
import { showWho, wireSignIn } from "./signin.js";
import { report, state } from "./state.js";
import { wireViews } from "./views.js";

const PANELS = {
  queue: loadQueue,
  new: async () => {},
  cases: loadCases,
  alerts: loadAlerts,
  comments: loadComments,
  joint: loadJoint,
  inspections: loadInspections,
  applications: loadApplications,
};

function openTab(tab) {
  state.tab = tab;
  for (const name of Object.keys(PANELS)) {
    $(`tab-${name}`).setAttribute("aria-selected", String(name === tab));
    show($(`panel-${name}`), name === tab);
  }
  show($("panel-detail"), false);
  PANELS[tab]().catch(report);
}

function enterDesk(me) {
  showWho(me);
  fillCaseFilters();
  fillAlertFilters();
  fillCommentFilters();
  fillJointFilters();
  fillApplicationFilters();
  show($("tab-applications"), me.permissions.includes("read_cases"));
  show($("tab-comments"), me.permissions.includes("moderate"));
  show($("tab-inspections"), me.permissions.includes("read_grid"));
  fillNewCase();
  fillBulk();
  const linked = filtersFromUrl(); // a drill-down link (/desk?district=…) opens the list it names
  applyFilters(linked || OPEN_CASES);
  foldFilters(linked);
  if (linked) openTab("cases");
  else openTab(me.permissions.includes("dispatch") ? "queue" : "cases");
}

/** A filter form reloads its list from the first page. */
function wireFilters(formId, tab) {
  $(formId).addEventListener("submit", (event) => {
    event.preventDefault();
    state.offsets[tab] = 0;
    PANELS[tab]().catch(report);
  });
}

const reloadCases = () => {
  state.offsets.cases = 0;
  return loadCases();
};

for (const tab of document.querySelectorAll("[data-tab]"))
  tab.addEventListener("click", () => openTab(tab.dataset.tab));
$("detail-back").addEventListener("click", () => openTab(state.tab));
$("filters-clear").addEventListener("click", () => {
  applyFilters(OPEN_CASES);
  $("search-phone").value = "";
  reloadCases().catch(report);
});
wireFilters("case-filters", "cases");
wireFilters("alert-filters", "alerts");
wireFilters("comment-filters", "comments");
wireFilters("joint-filters", "joint");
wireFilters("inspection-filters", "inspections");
wireFilters("applications-filters", "applications");
wireViews(() => reloadCases().catch(report));
wireBulk(loadCases);
wireNewCase(() => {
  applyFilters(OPEN_CASES);
  openTab("cases");
});
wireKeys(openTab);
wireSignIn(enterDesk);
