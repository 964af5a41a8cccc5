/* 留言审核 moderating the portal's comments: held comments are read here (personal data masked), shown beside what the
 * public would see, and approved or rejected. Operators and administrators only (permission "moderate"). */
import { query } from "../lib/api.js";
import { $, bi, el, show } from "../lib/dom.js";
import { openCase } from "./detail.js";
import { call, clock, errorText, message, PAGE, pager, state } from "./state.js";
import { PAIRS, TEXT } from "./strings.js";

const STATUSES = { held: PAIRS.commentHeld, approved: PAIRS.commentApproved, rejected: PAIRS.commentRejected };

export function fillCommentFilters() {
  $("comment-status").replaceChildren(
    ...Object.entries(STATUSES).map(([code, [zh, en]]) =>
      el("option", { value: code, text: `${zh} ${en}`, selected: code === "held" }),
    ),
  );
}

function decisionButton(comment, decision, error) {
  const pair = decision === "approve" ? PAIRS.approve : PAIRS.reject;
  return el(
    "button",
    {
      type: "button",
      class: `comment-${decision}`,
      onclick: async () => {
        show(error, false);
        try {
          await call("POST", `/api/v1/portal/comments/${comment.id}/${decision}`);
          message(TEXT.commentDone(comment.id, ...pair), "ok");
          await loadComments();
        } catch (err) {
          error.textContent = errorText(err);
          show(error, true);
        }
      },
    },
    ...bi(...pair),
  );
}

function commentCard(comment) {
  const error = el("div", { class: "error", role: "alert", hidden: true });
  const [zh, en] = STATUSES[comment.status] || [comment.status, comment.status];
  const decided = comment.moderator ? ` · ${TEXT.moderatedBy(comment.moderator)}` : "";
  return el(
    "div",
    { class: "card comment", "data-comment-id": comment.id },
    el(
      "h3",
      {},
      `#${comment.id} · `,
      el("a", {
        href: `#case-${comment.case_id}`,
        text: TEXT.caseNumber(comment.case_id),
        onclick: (event) => {
          event.preventDefault();
          openCase(comment.case_id).catch((err) => message(errorText(err), "error"));
        },
      }),
    ),
    el("p", { class: "small" }, clock.when(comment.at), " · ", ...bi(zh, en), decided),
    el("p", { class: "comment-text", text: comment.text }),
    el(
      "p",
      { class: "small" },
      ...bi(...PAIRS.publicText),
      ": ",
      el("span", { class: "comment-public", text: comment.public_text }),
    ),
    comment.status === "held"
      ? el(
          "div",
          { class: "alert-actions" },
          decisionButton(comment, "approve", error),
          decisionButton(comment, "reject", error),
        )
      : null,
    error,
  );
}

/** The newest list asked for (as the case list: an older, slower answer is dropped). */
let asked = 0;

export async function loadComments() {
  const params = { status: $("comment-status").value, limit: PAGE, offset: state.offsets.comments };
  const mine = ++asked;
  const page = await call("GET", `/api/v1/portal/comments?${query(params)}`);
  if (mine !== asked) return;
  $("comments-list").replaceChildren(...page.items.map(commentCard));
  show($("comments-empty"), page.total === 0);
  pager($("comments-pager"), { ...page, offset: state.offsets.comments }, "comments", loadComments);
}
