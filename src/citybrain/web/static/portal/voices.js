/* Under a followed request: its timeline (办理进程), 我也遇到 (me too) and comments (留言). Text only. */
import { request } from "../lib/api.js";
import { $, el, say } from "../lib/dom.js";
import { problemText } from "./messages.js";

let current = null; // the request shown: { id, open }

function step(s) {
  const department = s.department
    ? ` · ${s.department.zh}${s.department.en !== s.department.zh ? ` ${s.department.en}` : ""}`
    : "";
  const detail = s.detail ? ` · ${s.detail.zh} / ${s.detail.en}` : "";
  return el(
    "li",
    { class: `step a-${s.action}` },
    el("span", { class: "when", text: s.at }),
    el("strong", { text: `${s.zh} ` }),
    el("span", { class: "en", text: s.en }),
    el("span", { class: "who", text: department + detail }),
  );
}

function renderComments(comments) {
  $("comments").replaceChildren(
    ...(comments.length
      ? comments.map((c) => el("li", {}, el("span", { class: "small", text: c.at }), el("p", { text: c.text })))
      : [el("li", { class: "small", text: "暂无公开留言 / No comments yet." })]),
  );
  $("comment-count").textContent = String(comments.length);
}

/** Show the follow view's timeline, me-too count and comments for the case ``c`` (the follow JSON). */
export function renderVoices(c) {
  current = { id: c.service_request_id, open: c.open_to_voices };
  $("timeline").replaceChildren(...c.timeline.map(step));
  $("me-too-count").textContent = String(c.me_too);
  $("me-too").disabled = !c.open_to_voices;
  $("comment-form").hidden = !c.open_to_voices;
  renderComments(c.comments);
  say($("voice-message"), "");
  $("follow-more").hidden = false;
}

export function hideVoices() {
  current = null;
  $("follow-more").hidden = true;
}

async function meToo() {
  if (!current) return;
  const message = $("voice-message");
  const button = $("me-too");
  button.disabled = true;
  try {
    const body = await request("POST", `/portal/requests/${encodeURIComponent(current.id)}/metoo`);
    $("me-too-count").textContent = String(body.me_too);
    say(message, "谢谢，已记录 / Thank you — counted.");
  } catch (err) {
    say(message, problemText(err));
  } finally {
    button.disabled = false;
  }
}

async function sendComment(event) {
  event.preventDefault();
  if (!current) return;
  const message = $("voice-message");
  const text = $("comment-text");
  const button = $("comment-button");
  button.disabled = true;
  try {
    const body = await request("POST", `/portal/requests/${encodeURIComponent(current.id)}/comments`, {
      form: new URLSearchParams({ text: text.value }),
    });
    text.value = "";
    say(message, `${body.notice.zh} / ${body.notice.en}`);
  } catch (err) {
    say(message, problemText(err));
  } finally {
    button.disabled = false;
  }
}

export function setUpVoices() {
  $("me-too").addEventListener("click", meToo);
  $("comment-form").addEventListener("submit", sendComment);
}
