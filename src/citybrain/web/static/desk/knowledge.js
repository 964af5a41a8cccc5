/* 参考答复 suggested replies and policy references for the open case: the closest published knowledge items
 * (GET /api/v1/knowledge/search with the case's title and text), each with why it was found. The answer is the
 * city's official wording; the operator reads it and writes the reply, nothing is sent from here. */

import { query } from "../lib/api.js";
import { bi, el } from "../lib/dom.js";
import { call, errorText } from "./state.js";

const HEADING = ["参考答复与政策依据", "Suggested replies and policy references"];
const NONE = ["知识库中没有足够接近的答案。", "No published answer is close enough to this case."];

function hitItem(hit) {
  return el(
    "li",
    { class: "kb-hit" },
    el("p", { class: "kb-question" }, el("strong", { text: hit.question.split("\n")[0] })),
    el("p", { class: "kb-answer case-text", text: hit.answer }),
    hit.policy_basis ? el("p", { class: "kb-basis" }, ...bi("政策依据：", "Policy basis:"), hit.policy_basis) : null,
    el(
      "ul",
      { class: "kb-reasons small" },
      hit.reasons.map((r) => el("li", { text: r })),
    ),
  );
}

/** The card, filled when the search answers (the rest of the case does not wait for it). */
export function knowledgeCard(d) {
  const body = el("div", { class: "kb-body", "aria-live": "polite" }, el("p", { class: "small", text: "…" }));
  const card = el("div", { class: "card", id: "detail-knowledge" }, el("h3", {}, ...bi(...HEADING)), body);
  const text = [d.title, d.text].filter(Boolean).join(" ").slice(0, 2000);
  if (!text.trim()) {
    body.replaceChildren(el("p", { class: "small" }, ...bi(...NONE)));
    return card;
  }
  const params = query({ q: text, limit: 3, category: d.category_code, district: d.district_code });
  call("GET", `/api/v1/knowledge/search?${params}`)
    .then((found) => {
      body.replaceChildren(
        found.hits.length
          ? el("ol", { class: "kb-hits" }, found.hits.map(hitItem))
          : el("p", { class: "small kb-none" }, ...bi(...NONE)),
      );
    })
    .catch((err) => {
      if (err?.status === 403) card.remove();
      else body.replaceChildren(el("p", { class: "small", text: errorText(err) }));
    });
  return card;
}
