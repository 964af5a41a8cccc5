/* 满意度评价: the submitter rates the department's reply with the receipt's follow code (a 回访 callback). */
import { request } from "../lib/api.js";
import { $, say } from "../lib/dom.js";
import { problemText } from "./messages.js";

const KEY = "citybrain-portal-code-"; // this tab's own receipts (sessionStorage): the code is not retyped here

let current = null; // the request shown: its number

/** Keep the code of a request submitted in this tab, so its rating form is filled in. */
export function rememberCode(id, code) {
  try {
    sessionStorage.setItem(KEY + id, code);
  } catch {
    /* storage refused (private mode): the citizen types the code */
  }
}

function rememberedCode(id) {
  try {
    return sessionStorage.getItem(KEY + id) || "";
  } catch {
    return "";
  }
}

function verdictText(rated) {
  const solved = rated.resolved ? "已解决 / solved" : "未解决 / not solved";
  return `已评价 / Rated: ${"★".repeat(rated.satisfaction)} (${rated.satisfaction}/5), ${solved}`;
}

/** The rating part for the case ``c`` (the follow JSON): the form while it may be rated, the verdict after. */
export function renderRating(c) {
  current = c.service_request_id;
  const rating = c.rating || { open: false, rated: null };
  const form = $("rating-form");
  say($("rating-message"), "");
  say($("rating-done"), rating.rated ? verdictText(rating.rated) : "");
  form.hidden = !rating.open;
  if (rating.open) {
    form.reset();
    $("rating-code").value = rememberedCode(current);
  }
  $("rating").hidden = !(rating.open || rating.rated);
}

async function send(event, onRated) {
  event.preventDefault();
  if (!current) return;
  const form = $("rating-form");
  const button = $("rating-button");
  button.disabled = true;
  try {
    const body = await request("POST", `/portal/requests/${encodeURIComponent(current)}/rating`, {
      form: new URLSearchParams(new FormData(form)),
    });
    form.hidden = true;
    say($("rating-message"), "");
    say($("rating-done"), `${body.notice.zh} / ${body.notice.en} ${verdictText(body.rating.rated)}`);
    onRated(current);
  } catch (err) {
    say($("rating-message"), problemText(err));
  } finally {
    button.disabled = false;
  }
}

/** ``onRated(id)``: what to do once the rating is in (the follow view reloads the request). */
export function setUpRating(onRated) {
  $("rating-form").addEventListener("submit", (event) => send(event, onRated));
}
