/* 公开诉求: the public list (masked, filterable, paged) and its map. Everything is set as text. */
import { query, request } from "../lib/api.js";
import { $, el, say } from "../lib/dom.js";
import { drawMap } from "./map.js";
import { problemText } from "./messages.js";

const PAGE_SIZE = 10;
const state = { page: 1, loaded: false };

function both(names) {
  return names ? `${names.zh}${names.en && names.en !== names.zh ? ` ${names.en}` : ""}` : "—";
}

function filters() {
  return {
    category: $("filter-category").value,
    district: $("filter-district").value,
    status: $("filter-status").value,
  };
}

function card(item) {
  return el(
    "li",
    { class: "card" },
    el(
      "div",
      { class: "head" },
      el("a", { href: `/portal?follow=${encodeURIComponent(item.id)}#follow`, text: `No. ${item.id}` }),
      el("span", { class: `status s-${item.status.code}`, text: `${item.status.zh} ${item.status.en}` }),
      el("span", { class: "small", text: item.created }),
    ),
    el("strong", { class: "title", text: item.title || "" }),
    item.text && item.text !== item.title ? el("p", { class: "text", text: item.text }) : null,
    el(
      "p",
      { class: "small" },
      `${both(item.category)} · ${both(item.district)} · 我也遇到 me too ${item.me_too} · 留言 comments ${item.comments}`,
    ),
  );
}

async function loadList() {
  const error = $("public-error");
  try {
    const body = await request(
      "GET",
      `/portal/public/requests?${query({ ...filters(), page: state.page, page_size: PAGE_SIZE })}`,
    );
    $("public-list").replaceChildren(...body.items.map(card));
    const pages = Math.max(1, Math.ceil(body.total / PAGE_SIZE));
    $("public-total").textContent = `共 ${body.total} 条 / ${body.total} requests`;
    $("public-page").textContent = `${state.page} / ${pages}`;
    $("public-prev").disabled = state.page <= 1;
    $("public-next").disabled = state.page >= pages;
    say(error, "");
  } catch (err) {
    say(error, problemText(err));
  }
}

async function loadMap() {
  try {
    const body = await request("GET", `/portal/public/map?${query(filters())}`);
    const drawn = drawMap($("public-map"), body);
    $("map-count").textContent = `（${drawn} 个位置 / ${drawn} places）`;
  } catch (err) {
    say($("public-error"), problemText(err));
  }
}

/** Load the list and the map the first time the tab is shown, and again when a filter changes. */
export function showPublic() {
  if (state.loaded) return;
  state.loaded = true;
  loadList();
  loadMap();
}

export function setUpPublic() {
  $("public-filter").addEventListener("change", () => {
    state.page = 1;
    loadList();
    loadMap();
  });
  $("public-filter").addEventListener("submit", (event) => event.preventDefault());
  $("public-prev").addEventListener("click", () => {
    state.page = Math.max(1, state.page - 1);
    loadList();
  });
  $("public-next").addEventListener("click", () => {
    state.page += 1;
    loadList();
  });
}
