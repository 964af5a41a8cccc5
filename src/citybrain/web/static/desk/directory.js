/* The categories and departments the desk names and offers (目录), loaded once at sign-in. */
import { el } from "../lib/dom.js";
import { call, state } from "./state.js";
import { TEXT } from "./strings.js";

export async function loadDirectory() {
  const [tree, departments, districts] = await Promise.all([
    call("GET", "/api/v1/categories"),
    call("GET", "/api/v1/departments"),
    call("GET", "/api/v1/districts"),
  ]);
  state.districts = districts;
  for (const d of districts) state.districtNames[d.code] = `${d.name_zh} ${d.name_en}`;
  state.categories = [];
  const walk = (nodes) => {
    for (const node of nodes) {
      if (!node.active) continue;
      state.categories.push(node);
      state.categoryNames[node.code] = `${node.name_zh} ${node.name_en}`;
      walk(node.children || []);
    }
  };
  walk(tree);
  state.departments = departments.filter((d) => d.active);
  for (const d of departments) state.departmentNames[d.code] = `${d.name_zh} ${d.name_en}`;
}

export function categoryName(code) {
  return code ? state.categoryNames[code] || code : "—";
}

export function departmentName(code) {
  return code ? state.departmentNames[code] || code : "—";
}

export function districtName(code) {
  return code ? state.districtNames[code] || code : "—";
}

/** Fill a <select> with a first option and `[value, text]` pairs, keeping its id, name and listeners. */
export function fillSelect(select, first, pairs, selected) {
  select.replaceChildren(
    el("option", { value: "", text: first }),
    ...pairs.map(([value, text]) => el("option", { value, text, selected: value === selected })),
  );
}

export function categoryPairs() {
  return state.categories.map((c) => [c.code, `${"\u3000".repeat(c.level - 1)}${c.name_zh} ${c.name_en} (${c.code})`]);
}

/** Every department, or only those whose codes are in `only`. */
export function departmentPairs(only = null) {
  return state.departments
    .filter((d) => !only || only.includes(d.code))
    .map((d) => [d.code, `${d.name_zh} ${d.name_en}`]);
}

/** The departments whose cases a department's handler reads: its own and, when it supervises units outside
 * government (主管部门 of 社会协同单位), theirs (empty for a role not held to a department). */
export function visibleDepartments() {
  const own = state.me?.department_code;
  if (!own) return [];
  const mine = state.departments.find((d) => d.code === own);
  const units = mine ? state.departments.filter((d) => d.supervisor_id === mine.id).map((d) => d.code) : [];
  return [own, ...units];
}

export function districtPairs() {
  return state.districts.map((d) => [d.code, `${d.name_zh} ${d.name_en}`]);
}

export function categorySelect(selected) {
  const select = el(
    "select",
    { name: "category", required: true, "aria-label": TEXT.categoryAria },
    el("option", { value: "", text: TEXT.chooseCategory }),
  );
  for (const c of state.categories) {
    const indent = "\u3000".repeat(c.level - 1);
    const text = `${indent}${c.name_zh} ${c.name_en} (${c.code})`;
    select.append(el("option", { value: c.code, text, selected: c.code === selected }));
  }
  return select;
}

export function departmentSelect(firstLabel, selected, only = null) {
  const select = el(
    "select",
    { name: "department", "aria-label": TEXT.departmentAria },
    el("option", { value: "", text: firstLabel }),
  );
  for (const d of state.departments.filter((x) => !only || only.includes(x.code))) {
    select.append(el("option", { value: d.code, text: `${d.name_zh} ${d.name_en}`, selected: d.code === selected }));
  }
  return select;
}
