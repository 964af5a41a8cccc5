/* 网格巡查 inspections: what grid workers found on patrol (channel inspection), the ones resolved on the spot
 * (就地解决), this month's 未诉先办 and this week's coverage. Every rule is the API's; this module shows its answers. */
import { query } from "../lib/api.js";
import { $, bi, el, show } from "../lib/dom.js";
import { percent } from "../lib/format.js";
import { openCase } from "./detail.js";
import { categoryName, departmentName } from "./directory.js";
import { call, clock, errorText, PAGE, pager, state, statusName } from "./state.js";

const may = (permission) => state.me.permissions.includes(permission);

const WORDS = {
  onSpot: ["就地解决", "Resolved on the spot"],
  open: ["打开工单", "Open the case"],
  found: (cell, worker, when) => `网格 cell ${cell} · 网格员 worker ${worker} · ${when}`,
  photo: (ref) => `照片 photo: ${ref}`,
  handler: (name) => `承办 department: ${name}`,
  kpis: (k) =>
    `近30天 last 30 days — 巡查 inspections ${k.inspections} · 未诉先办 found first ${percent(k.found_first_rate)} ` +
    `· 先于投诉 ahead of complaints ${percent(k.ahead_of_complaints_rate)} · 就地解决 on the spot ${percent(k.on_spot_rate)}`,
  coverage: (s) =>
    `近7天 last 7 days — 网格覆盖 cells visited ${s.cells_visited}/${s.cells} (${percent(s.coverage_rate)}) ` +
    `· 计划执行 plan kept ${percent(s.plan_kept_rate)}`,
};

function card(item) {
  const [zh, en] = statusName(item.case_status);
  const opener = may("read_cases")
    ? el("button", { type: "button", class: "link", onclick: () => openCase(item.case_id) }, ...bi(...WORDS.open))
    : null;
  return el(
    "div",
    { class: "card inspection", "data-inspection-id": item.id },
    el(
      "h4",
      {},
      `#${item.case_id} ${categoryName(item.category_code)} `,
      el("span", { class: `status st-${item.case_status}` }, ...bi(zh, en)),
      item.on_spot_at ? el("span", { class: "badge on-spot" }, ...bi(...WORDS.onSpot)) : null,
    ),
    el("p", { class: "small", text: WORDS.found(item.cell_code, item.worker_code, clock.when(item.found_at)) }),
    el("p", { class: "case-text", text: item.description || "" }),
    item.photo_ref ? el("p", { class: "small", text: WORDS.photo(item.photo_ref) }) : null,
    item.department_code
      ? el("p", { class: "small", text: WORDS.handler(departmentName(item.department_code)) })
      : null,
    item.on_spot_record
      ? el("p", { class: "case-text" }, el("strong", {}, ...bi(...WORDS.onSpot)), ": ", item.on_spot_record)
      : null,
    opener,
  );
}

async function figures() {
  const lines = [];
  if (may("rank_departments")) {
    const kpis = await call("GET", `/api/v1/kpis/grid?${query({ from: clock.today(-29), to: clock.today() })}`);
    lines.push(el("p", { class: "kpi-line", text: WORDS.kpis(kpis.city) }));
  }
  const coverage = await call("GET", `/api/v1/patrols/coverage?${query({ from: clock.today(-6), to: clock.today() })}`);
  lines.push(el("p", { class: "kpi-line", text: WORDS.coverage(coverage.summary) }));
  $("grid-figures").replaceChildren(...lines);
}

/** The newest list asked for (an older, slower answer is dropped). */
let asked = 0;

export async function loadInspections() {
  const mine = ++asked;
  const params = { limit: PAGE, offset: state.offsets.inspections || 0 };
  for (const [name, id] of [
    ["cell", "inspection-cell"],
    ["from", "inspection-from"],
    ["to", "inspection-to"],
  ]) {
    const value = $(id).value.trim();
    if (value) params[name] = value;
  }
  figures().catch((err) => $("grid-figures").replaceChildren(el("p", { class: "small", text: errorText(err) })));
  const page = await call("GET", `/api/v1/inspections?${query(params)}`);
  if (mine !== asked) return;
  $("inspections-list").replaceChildren(...page.items.map(card));
  show($("inspections-empty"), page.total === 0);
  pager($("inspections-pager"), { ...page, offset: params.offset }, "inspections", loadInspections);
}
