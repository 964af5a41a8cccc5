/* 研判依据 intake's reading of a case (triage), as the queue and the case detail show it. */
import { bi, el } from "../lib/dom.js";
import { percent } from "../lib/format.js";
import { categoryName, departmentName } from "./directory.js";
import { clock } from "./state.js";
import { PAIRS, REVIEW_REASONS, TEXT } from "./strings.js";

function item(heading, text, props = {}) {
  return el("li", props, el("b", { text: heading }), text);
}

function categoryLine(cat) {
  const line = [];
  if (cat.source === "model") line.push(TEXT.byModel(cat.label, percent(cat.confidence), percent(cat.threshold)));
  if (cat.source === "citizen") line.push(TEXT.byCitizen(categoryName(cat.code)));
  if (cat.code && cat.source === "model") line.push(TEXT.suggested(categoryName(cat.code)));
  if (cat.why) line.push(cat.why);
  return line.join(" · ") || "—";
}

export function readingItems(triage) {
  if (!triage) return [el("li", {}, ...bi(...PAIRS.noReading))];
  const items = [item(TEXT.readingCategory, categoryLine(triage.category || {}), { class: "reading-category" })];
  const place = triage.place || {};
  items.push(item(TEXT.readingPlace, place.district || place.why || "—"));
  const route = triage.route || {};
  if (route.department || route.why) {
    items.push(item(TEXT.readingRoute, route.department ? departmentName(route.department) : route.why));
  }
  const repeats = triage.repeats?.candidates || [];
  if (repeats.length) items.push(item(TEXT.readingRepeats, repeats.map((id) => `#${id}`).join(", ")));
  const decided = triage.decided;
  if (decided) {
    const text = `${categoryName(decided.category)} · ${decided.by} · ${clock.when(decided.at)}`;
    items.push(item(TEXT.readingDecided, text, { class: "decided" }));
  }
  const review = (triage.review || []).map((r) => REVIEW_REASONS[r] || r);
  if (review.length && !decided) items.push(item(TEXT.readingReview, review.join("、"), { class: "review" }));
  return items;
}
