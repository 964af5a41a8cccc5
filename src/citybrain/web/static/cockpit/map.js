/* 城市地图: the districts' GeoJSON polygons drawn by ECharts' geo component (no tiles, nothing from outside), with
 * case density (server-side bins), air stations, open alerts as circles, hot issues and the intersections
 * recommended for right-turn blind-zone warning strips (右转盲区; the latest stored run). The legend toggles each
 * layer. */
import { openDrill } from "./drill.js";

const MAP = "citybrain-city";
let registered = false;

/** Register the city's polygons once (districts; the Demo City's grid cells are drawn as the finer layer). */
export function registerCity(geo) {
  const features = geo.features
    .filter((f) => f.geometry && f.geometry.type !== "Point")
    .map((f) => ({ ...f, properties: { ...f.properties, name: f.properties.code } }));
  window.echarts.registerMap(MAP, { type: "FeatureCollection", features });
  registered = true;
  return features;
}

function districtNames(features) {
  const names = {};
  for (const f of features) if (f.properties.kind === "district") names[f.properties.code] = f.properties;
  return names;
}

/** Metres to a rough symbol size in pixels at the Demo City's scale (a circle's size is only indicative). */
function radiusSize(metres) {
  return Math.max(18, Math.min(80, (metres || 500) / 25));
}

/** The blind-zone junctions (GeoJSON points of /api/v1/cockpit/blind-zones) as a scatter series' data. */
function blindZonePoints(blind, c) {
  return (blind?.features || []).map((f) => {
    const p = f.properties;
    return {
      value: [...f.geometry.coordinates, p.blind_zone],
      label:
        `${c.blind_zone[0]} ${c.blind_zone[1]}: ${p.name || p.id}<br>${p.blind_zone} / ${p.collisions} ` +
        `(${c.expected[0]} ${c.expected[1]} ${p.expected.toFixed(2)}) · q=${p.q_value.toPrecision(2)}`,
    };
  });
}

export function mapOption(features, layers, board, labels, dark, blind) {
  if (!registered) return {};
  const names = districtNames(features);
  const c = labels.cockpit;
  const counts = layers.districts.filter((d) => d.code && names[d.code]);
  const max = Math.max(1, ...counts.map((d) => d.count));
  const binMax = Math.max(1, ...layers.bins.map((b) => b.count));
  const alerts = (board?.alerts || []).filter((a) => a.lat !== null && a.lon !== null);
  const hot = (board?.hot_issues || []).filter((h) => h.lat !== null && h.lon !== null);
  const text = dark ? "#dbe8f5" : "#1d2733";
  const narrow = window.innerWidth < 600; // a phone: smaller points, no colour scale over the map
  const scale = narrow ? 0.6 : 1;
  return {
    backgroundColor: "transparent",
    animation: false,
    tooltip: { trigger: "item", confine: true, renderMode: "richText" },
    legend: { bottom: 0, type: narrow ? "scroll" : "plain", textStyle: { color: text } },
    visualMap: {
      show: !narrow,
      min: 0,
      max,
      seriesIndex: 0,
      left: 0,
      bottom: 30,
      calculable: false,
      text: [`${c.volume[0]}`, "0"],
      textStyle: { color: text },
      inRange: { color: dark ? ["#0f3558", "#2f7ed8"] : ["#eaf2fb", "#5b9bd5"] },
    },
    geo: {
      map: MAP,
      roam: true,
      layoutCenter: ["50%", narrow ? "40%" : "48%"],
      layoutSize: narrow ? "78%" : "92%",
      itemStyle: { areaColor: "transparent", borderColor: dark ? "#3d6f9e" : "#8aa4bf", borderWidth: 0.3 },
      emphasis: { disabled: true },
      label: { show: false },
      regions: features
        .filter((f) => f.properties.kind === "district")
        .map((f) => ({ name: f.properties.code, itemStyle: { borderWidth: 1.5 } })),
    },
    series: [
      {
        name: `${c.district[0]} ${c.district[1]}`,
        type: "map",
        geoIndex: 0,
        data: counts.map((d) => ({
          name: d.code,
          value: d.count,
          drill: d.drill,
          label: `${d.name_zh} ${d.name_en}`,
        })),
        tooltip: { formatter: (p) => `${p.data?.label || p.name}\n${p.value || 0} ${c.cases[0]} ${c.cases[1]}` },
      },
      {
        name: `${c.density[0]} ${c.density[1]}`,
        type: "scatter",
        coordinateSystem: "geo",
        symbolSize: (v) => scale * (3 + 12 * Math.sqrt(v[2] / binMax)),
        itemStyle: { color: "#f28f43", opacity: 0.75 },
        data: layers.bins.map((b) => [b.lon, b.lat, b.count]),
        tooltip: { formatter: (p) => `${c.density[0]} ${c.density[1]}: ${p.value[2]} ${c.cases[0]}` },
      },
      {
        name: `${c.air[0]} ${c.air[1]}`,
        type: "scatter",
        coordinateSystem: "geo",
        symbol: "diamond",
        symbolSize: 14,
        data: layers.air.map((s) => ({
          value: [s.lon, s.lat, s.aqi],
          itemStyle: { color: s.colour, borderColor: "#333", borderWidth: 1 },
          label: `${s.name}: AQI ${s.aqi ?? "—"} ${s.category ? s.category.join(" ") : ""} (${s.day ?? "—"})`,
        })),
        tooltip: { formatter: (p) => p.data.label },
      },
      {
        name: `${c.alert[0]} ${c.alert[1]}`,
        type: "effectScatter",
        coordinateSystem: "geo",
        rippleEffect: { scale: 2, brushType: "stroke" },
        itemStyle: { color: "#e53935" },
        data: alerts.map((a) => ({
          value: [a.lon, a.lat],
          symbolSize: radiusSize(a.radius_m),
          label: `#${a.id} ${a.title}<br>${a.first_signal_on} – ${a.last_signal_on} · p=${a.p_value?.toPrecision(2) ?? "—"}`,
        })),
        tooltip: { formatter: (p) => p.data.label },
      },
      {
        name: `${c.hot[0]} ${c.hot[1]}`,
        type: "scatter",
        coordinateSystem: "geo",
        symbol: "pin",
        symbolSize: 26,
        itemStyle: { color: "#8e24aa" },
        data: hot.map((h) => ({
          value: [h.lon, h.lat, h.heat],
          label: `${h.place || "—"} · ${h.description || ""}<br>${h.count} · heat ${h.heat?.toFixed(1)}`,
        })),
        tooltip: { formatter: (p) => p.data.label },
      },
      {
        name: `${c.blind_zone[0]} ${c.blind_zone[1]}`,
        type: "scatter",
        coordinateSystem: "geo",
        symbol: "triangle",
        symbolSize: scale * 18,
        itemStyle: { color: "#ffb300", borderColor: "#5d4037", borderWidth: 1 },
        data: blindZonePoints(blind, c),
        tooltip: { formatter: (p) => p.data.label },
      },
    ],
  };
}

/** Clicking a district opens its cases. */
export function wireMap(chart) {
  chart.off("click");
  chart.on("click", (event) => openDrill(event.data?.drill));
}
