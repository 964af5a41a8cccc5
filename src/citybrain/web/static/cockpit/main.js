/* 城市运行驾驶舱 City operations cockpit: as the person signed in at /signin (a session cookie), read the screen-wide filters from the URL,
 * fetch the figures from /api/v1/cockpit and draw them; the wall mode (?wall=1) refreshes itself every minute. */
import { ApiError, query, request, signInAgain, useCsrfToken } from "../lib/api.js";
import { $, el, say, show } from "../lib/dom.js";
import { cityClock, percent } from "../lib/format.js";
import { readLabels } from "../lib/labels.js";
import { alertList, hotList, ruleList, topicList } from "./board.js";
import { breakdownOption, chartIn, rankingOption, ratesOption, volumeOption } from "./charts.js";
import { deskUrl } from "./drill.js";
import { mapOption, registerCity, wireMap } from "./map.js";

const FILTERS = ["period", "from", "to", "district", "category", "department"];
const REFRESH_WALL = 60_000;
const REFRESH_DESKTOP = 300_000;
const labels = readLabels("cockpit-labels");
const clock = cityClock(labels.zone);
const state = { me: null, features: null, timer: null, wall: false };

window.cockpit = { ready: false, charts: () => Object.fromEntries(chartEntries()) };

function chartEntries() {
  return [...document.querySelectorAll("[data-chart]")].map((node) => [
    node.dataset.chart,
    window.echarts.getInstanceByDom(node),
  ]);
}

async function call(path, params) {
  const q = params ? query(params) : "";
  try {
    return await request("GET", q ? `${path}?${q}` : path);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) signInAgain(); // the sign-in ended: sign in, come back
    throw err;
  }
}

function urlFilters() {
  const url = new URLSearchParams(window.location.search);
  return Object.fromEntries(FILTERS.map((name) => [name, url.get(name) || ""]));
}

function setWall(on) {
  state.wall = on;
  document.body.classList.toggle("wall", on);
  const url = new URL(window.location.href);
  if (on) url.searchParams.set("wall", "1");
  else url.searchParams.delete("wall");
  window.history.replaceState(null, "", url);
}

async function fillSelect(select, items, chosen) {
  select.replaceChildren(
    el("option", { value: "", text: "全部 all" }),
    ...items.map((i) =>
      el("option", { value: i.code, text: `${i.name_zh} ${i.name_en || ""}`.trim(), selected: i.code === chosen }),
    ),
  );
}

async function loadDirectory(filters) {
  const [districts, categories, departments] = await Promise.all([
    call("/api/v1/districts"),
    call("/api/v1/categories"),
    call("/api/v1/departments"),
  ]);
  await fillSelect($("f-district"), districts, filters.district);
  await fillSelect($("f-category"), categories, filters.category); // the top level: the tree's roots
  await fillSelect($("f-department"), departments, filters.department);
  if (state.me.department_code) $("f-department").disabled = true;
}

function tile(pair, value, sub, drill) {
  return el(
    "a",
    { class: "tile", href: drill ? deskUrl(drill.desk) : null },
    el("div", { class: "num", text: value }),
    el("div", { text: `${pair[0]} ` }, el("span", { class: "en", text: pair[1] })),
    sub ? el("div", { class: "sub", text: sub }) : null,
  );
}

function drawTiles(trends) {
  const k = labels.kpis;
  const c = labels.cockpit;
  const change = trends.last_year_total ? (trends.total / trends.last_year_total - 1) * 100 : null;
  const yoy = change === null ? "—" : `${change >= 0 ? "+" : ""}${change.toFixed(1)}%`;
  $("tiles").replaceChildren(
    tile(c.volume, String(trends.total), `${c.last_year[0]} ${trends.last_year_total} · 同比 YoY ${yoy}`, trends.drill),
    tile(k.response_rate, percent(trends.kpis.response_rate), null, trends.drill),
    tile(k.resolution_rate, percent(trends.kpis.resolution_rate), null, trends.drill),
    tile(k.satisfaction_rate, percent(trends.kpis.satisfaction_rate), null, trends.drill),
    tile(c.overdue, String(trends.kpis.overdue ?? "—"), `${trends.params.from} – ${trends.params.to}`, trends.drill),
  );
}

function draw(name, option) {
  const node = document.querySelector(`[data-chart="${name}"]`);
  const chart = chartIn(node, state.wall);
  chart.setOption(option, true);
  return chart;
}

/** Every figure of the screen, asked at once (the server computes what it does not keep). */
function fetchFigures() {
  const params = Object.fromEntries(Object.entries(urlFilters()).filter(([, v]) => v));
  const ranks = state.me.permissions.includes("rank_departments");
  return Promise.all([
    call("/api/v1/cockpit/trends", params),
    call("/api/v1/cockpit/map", params),
    call("/api/v1/cockpit/board"),
    ranks ? call("/api/v1/cockpit/ranking", { period: params.period, from: params.from, to: params.to }) : null,
    call("/api/v1/cockpit/blind-zones"),
  ]).then(([trends, layers, board, ranking, blind]) => ({ params, trends, layers, board, ranking, blind }));
}

function drawFigures({ params, trends, layers, board, ranking, blind }) {
  if (!params.from) $("f-from").value = trends.params.from;
  if (!params.to) $("f-to").value = trends.params.to;
  drawTiles(trends);
  wireMap(draw("map", mapOption(state.features, layers, board, labels, state.wall, blind)));
  draw("volume", volumeOption(trends, labels.cockpit, state.wall));
  draw("rates", ratesOption(trends, labels.kpis, labels.cockpit, state.wall));
  for (const dim of ["category", "district", "channel", "request_type"]) {
    draw(dim, breakdownOption(trends.by[dim], state.wall));
  }
  show($("ranking-card"), ranking !== null);
  if (ranking) draw("ranking", rankingOption(ranking, state.wall));
  hotList($("hot-list"), board.hot_issues);
  ruleList($("rule-list"), board.associations, params);
  alertList($("alert-list"), board.alerts);
  topicList($("topic-list"), $("topics-note"), board.topics ?? null);
  $("updated").textContent = `更新 updated ${clock.when(new Date().toISOString())}`;
  window.cockpit.ready = true;
}

async function refresh() {
  drawFigures(await fetchFigures());
}

function schedule() {
  clearInterval(state.timer);
  state.timer = setInterval(() => refresh().catch(fail), state.wall ? REFRESH_WALL : REFRESH_DESKTOP);
}

function fail(err) {
  const text = err instanceof ApiError ? `${err.status}: ${err.message}` : String(err);
  say($("message"), `无法加载 Could not load — ${text}`);
  $("message").className = "message error";
}

async function enter() {
  const me = await call("/api/v1/me");
  useCsrfToken(me.csrf_token);
  if (!me.permissions.includes("read_kpis")) {
    throw new ApiError(403, `${me.role_zh} ${me.role_en}: 无权查看考核指标 may not read KPIs`);
  }
  state.me = me;
  $("who-name").textContent = me.name;
  $("who-role").textContent = `${me.role_zh} ${me.role_en}`;
  show($("who"), true);
  show($("screen"), true);
  const filters = urlFilters();
  for (const name of ["period", "from", "to"]) if (filters[name]) $(`f-${name}`).value = filters[name];
  const [geo, figures] = await Promise.all([call("/api/v1/cockpit/geo"), fetchFigures(), loadDirectory(filters)]);
  state.features = registerCity(geo);
  drawFigures(figures);
  schedule();
}

function wire() {
  setWall(new URLSearchParams(window.location.search).get("wall") === "1");
  $("wall-toggle").addEventListener("click", () => {
    setWall(!state.wall);
    refresh().catch(fail);
    schedule();
  });
  window.addEventListener("resize", () => {
    for (const [, chart] of chartEntries()) chart?.resize();
  });
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    const url = new URL(window.location.href);
    for (const name of FILTERS) {
      const value = $(`f-${name}`).value;
      if (value) url.searchParams.set(name, value);
      else url.searchParams.delete(name);
    }
    window.history.replaceState(null, "", url);
    refresh().catch(fail);
  });
  enter().catch((err) => say($("signin-error"), String(err.message || err)));
}

wire();
