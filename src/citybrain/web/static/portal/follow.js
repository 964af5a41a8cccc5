/* 进度查询 following a request by its number or token: what the server says, masked, as text. */
import { request } from "../lib/api.js";
import { $, bi, el, say } from "../lib/dom.js";
import { problemText } from "./messages.js";
import { renderRating, setUpRating } from "./rating.js";
import { hideVoices, renderVoices, setUpVoices } from "./voices.js";

function both(names) {
  return names ? names.zh + (names.en && names.en !== names.zh ? ` / ${names.en}` : "") : "—";
}

/** The server formats the dates, on the city's clock; the page only says which clock. */
function renderCase(box, c) {
  const rows = [
    ["诉求编号", "Request number", c.service_request_id, "follow-id"],
    ["状态", "Status", `${c.status.zh} / ${c.status.en}`, "follow-status"],
    ["进展", "What happens next", `${c.notice.zh} / ${c.notice.en}`, "follow-notice"],
    ["类别", "Category", both(c.category), "follow-category"],
    ["承办部门", "Department", both(c.department), "follow-department"],
    ["受理时间", "Received", c.requested, "follow-requested"],
    ["办结时限", "Due by", c.expected, "follow-expected"],
    ["最近更新", "Last update", c.updated, "follow-updated"],
    ["结案时间", "Closed", c.closed, "follow-closed"],
    ["地点", "Place", c.address, "follow-address"],
    ["诉求内容", "Request", c.description, "follow-description"],
    ["办理说明", "Notes", c.status_notes, "follow-notes"],
    ["答复", "Reply to the citizen", c.reply, "follow-reply"],
  ];
  const shown = rows.filter(([, , value]) => value !== null && value !== undefined && value !== "");
  const list = el(
    "dl",
    {},
    shown.map(([zh, en, value, id]) => [el("dt", {}, ...bi(zh, en)), el("dd", { id, text: value })]),
  );
  const zone = el("p", { class: "small", text: `时间为本市时间 / Times are local (${c.timezone}).` });
  box.replaceChildren(list, zone);
  box.hidden = false;
  renderVoices(c);
  renderRating(c);
}

async function lookUp(ref) {
  const [error, result] = [$("follow-error"), $("follow-result")];
  say(error, "");
  result.hidden = true;
  hideVoices();
  if (!ref) {
    say(error, "请输入诉求编号或凭证 / Enter a request number or token.");
    return;
  }
  try {
    renderCase(result, await request("GET", `/portal/requests/${encodeURIComponent(ref)}`));
  } catch (err) {
    say(error, problemText(err));
  }
}

/** The follow form, and ?follow=N (the receipt's link and the latest-requests table) looks N up at once. */
export function setUpFollow(showTab) {
  setUpVoices();
  const input = $("follow-ref");
  setUpRating(async (id) => {
    const message = $("rating-done").textContent;
    await lookUp(id); // the new status and the callback on the timeline
    say($("rating-done"), message);
  });
  $("follow-form").addEventListener("submit", (event) => {
    event.preventDefault();
    lookUp(input.value.trim());
  });
  const wanted = new URLSearchParams(location.search).get("follow");
  if (wanted) {
    input.value = wanted;
    showTab("follow");
    lookUp(wanted.trim());
  }
}
