/* 智能问答 before filing: when the citizen asks a question (咨询: the box ticked, or the text reads as a question),
 * the closest official answers of the knowledge base (GET /api/v1/knowledge/answers: published, valid, personal
 * data masked) are shown under the text. They never block: the citizen can still submit. */
import { query, request } from "../lib/api.js";
import { $, el } from "../lib/dom.js";

const QUESTION = /[?？]|请问|怎么|如何|能否|能不能|可以吗|是否|吗[。！!]?$|什么时候|哪里|多少/;
const WAIT_MS = 400;

function hitItem(hit) {
  const reasons = hit.matched.length ? `匹配词 matched: ${hit.matched.join("、")}` : "";
  return el(
    "li",
    {},
    el("p", {}, el("strong", { text: hit.question.split("\n")[0] })),
    el("p", { class: "kb-answer", text: hit.answer }),
    el("p", {
      class: "small",
      text: [hit.department ? `答复单位 department: ${hit.department}` : "", reasons].filter(Boolean).join(" · "),
    }),
  );
}

function render(box, found, asked) {
  if (found.answered) {
    box.replaceChildren(
      el("p", {
        class: "kb-title",
        text: "相近问题的官方答复 / Official answers to similar questions",
      }),
      el("ol", {}, found.hits.map(hitItem)),
      el("p", {
        class: "small",
        text: "如果没有解答您的问题，仍可继续提交。/ If this does not answer you, you can still submit.",
      }),
    );
  } else if (asked) {
    box.replaceChildren(
      el("p", {
        class: "small",
        text: "暂无相近的官方答复，请提交您的咨询。/ No close official answer yet: please submit.",
      }),
    );
  } else {
    box.hidden = true;
    return;
  }
  box.hidden = false;
}

export function setUpAnswers() {
  const [text, ticked, box] = [$("description"), $("is-question"), $("kb-answers")];
  if (!text || !box) return;
  let timer = 0;
  let asked = 0;
  const look = async () => {
    const value = text.value.trim();
    if (value.length < 4 || !(ticked.checked || QUESTION.test(value))) {
      box.hidden = true;
      return;
    }
    const mine = ++asked;
    try {
      const found = await request("GET", `/api/v1/knowledge/answers?${query({ q: value.slice(0, 2000), limit: 3 })}`);
      if (mine === asked) render(box, found, ticked.checked);
    } catch {
      box.hidden = true; /* answers are a help, never in the way of submitting */
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(look, WAIT_MS);
  };
  text.addEventListener("input", later);
  ticked.addEventListener("change", later);
}
