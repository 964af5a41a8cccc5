/* The trend charts as ECharts options (pure: data in, options out) and one chart instance per element. */
import { openDrill } from "./drill.js";

const COLOURS = ["#2f7ed8", "#f28f43", "#1aadce", "#8bbc21", "#910000", "#492970", "#77a1e5", "#c42525"];

/** The element's chart, created once; clicks on a data item open its cases. */
export function chartIn(element, dark) {
  let chart = window.echarts.getInstanceByDom(element);
  if (chart && chart.__dark !== dark) {
    chart.dispose();
    chart = null;
  }
  if (!chart) {
    chart = window.echarts.init(element, dark ? "dark" : null, { renderer: "canvas" });
    chart.__dark = dark;
    chart.on("click", (event) => openDrill(event.data?.drill));
  }
  return chart;
}

function base(dark) {
  return {
    color: COLOURS,
    backgroundColor: "transparent",
    textStyle: { fontFamily: "PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif" },
    grid: { left: 48, right: 16, top: 36, bottom: 28, containLabel: true },
    tooltip: { trigger: "axis", confine: true, renderMode: "richText" },
    legend: { top: 0, type: "scroll", textStyle: { color: dark ? "#dbe8f5" : "#1d2733" } },
    animation: false,
  };
}

/** 受理量 per period beside the same period last year (同比); a bar opens that period's cases. */
export function volumeOption(trends, names, dark) {
  const [now, before] = [names.volume, names.last_year];
  return {
    ...base(dark),
    xAxis: { type: "category", data: trends.volume.map((r) => r.period) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        name: `${now[0]} ${now[1]}`,
        type: "bar",
        data: trends.volume.map((r) => ({ value: r.count, drill: r.drill })),
      },
      {
        name: `${before[0]} ${before[1]}`,
        type: "line",
        data: trends.volume.map((r) => r.last_year),
      },
    ],
  };
}

/** 响应率 / 解决率 / 满意率 (KPI service, per period) as lines, 超期 as bars on the right axis. */
export function ratesOption(trends, kpis, names, dark) {
  const pct = (x) => (x === null || x === undefined ? null : Math.round(x * 1000) / 10);
  const rate = (name) => ({
    name: `${kpis[name][0]} ${kpis[name][1]}`,
    type: "line",
    connectNulls: true,
    data: trends.rates.map((r) => pct(r[name])),
  });
  return {
    ...base(dark),
    xAxis: { type: "category", data: trends.rates.map((r) => r.period) },
    yAxis: [
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      { type: "value", minInterval: 1, splitLine: { show: false } },
    ],
    series: [
      rate("response_rate"),
      rate("resolution_rate"),
      rate("satisfaction_rate"),
      {
        name: `${names.overdue[0]} ${names.overdue[1]}`,
        type: "bar",
        yAxisIndex: 1,
        data: trends.rates.map((r) => r.overdue),
      },
    ],
  };
}

/** One breakdown (category, district, channel, request type) as horizontal bars, largest on top. */
export function breakdownOption(rows, dark, top = 10) {
  const shown = rows.slice(0, top).reverse();
  return {
    ...base(dark),
    legend: { show: false },
    tooltip: { trigger: "item", confine: true, renderMode: "richText" },
    grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: shown.map((r) => r.name_zh), axisLabel: { width: 110, overflow: "truncate" } },
    series: [
      {
        type: "bar",
        label: { show: true, position: "right" },
        data: shown.map((r) => ({ value: r.count, name: `${r.name_zh} ${r.name_en}`, drill: r.drill })),
      },
    ],
  };
}

/** 考核排名: the monthly report's composite score, rank 1 on top; a bar opens the department's cases. */
export function rankingOption(ranking, dark, top = 12) {
  const shown = ranking.departments
    .filter((r) => r.rank !== null)
    .slice(0, top)
    .reverse();
  return {
    ...base(dark),
    legend: { show: false },
    tooltip: { trigger: "item", confine: true, renderMode: "richText" },
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", min: 0, max: 100 },
    yAxis: {
      type: "category",
      data: shown.map((r) => `${r.rank}. ${r.department_name}`),
      axisLabel: { width: 130, overflow: "truncate" },
    },
    series: [
      {
        type: "bar",
        label: { show: true, position: "right", formatter: (p) => p.value.toFixed(1) },
        data: shown.map((r) => ({
          value: Math.round(r.score * 1000) / 10,
          name: `${r.department_name} · ${r.received} 件`,
          drill: r.drill,
        })),
      },
    ],
  };
}
