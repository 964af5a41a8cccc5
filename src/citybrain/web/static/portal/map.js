/* 公开地图: district outlines and requests' public points as a plain SVG — no tiles, no library, offline.
   Points are what the server sends: the centre of each request's ~100 m cell, never the citizen's door. */

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const HEIGHT = 400;
const PAD = 12;
const CLOSED = new Set(["closed", "resolved"]);

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Every [lon, lat] the map must show: the outlines' vertices and the points. */
function extent(data) {
  const xs = [];
  const ys = [];
  for (const d of data.districts) {
    for (const ring of d.rings) {
      for (const [x, y] of ring) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  for (const p of data.points) {
    xs.push(p.long);
    ys.push(p.lat);
  }
  if (!xs.length) return null;
  return { west: Math.min(...xs), east: Math.max(...xs), south: Math.min(...ys), north: Math.max(...ys) };
}

/** Longitude and latitude to the SVG's box, east–west shrunk by cos(latitude) so shapes keep their proportions. */
function projection(box) {
  const k = Math.cos((((box.north + box.south) / 2) * Math.PI) / 180);
  const w = Math.max((box.east - box.west) * k, 1e-6);
  const h = Math.max(box.north - box.south, 1e-6);
  const scale = Math.min((WIDTH - 2 * PAD) / w, (HEIGHT - 2 * PAD) / h);
  const dx = (WIDTH - w * scale) / 2;
  const dy = (HEIGHT - h * scale) / 2;
  return ([lon, lat]) => [dx + (lon - box.west) * k * scale, dy + (box.north - lat) * scale];
}

function centre(points) {
  const n = points.length || 1;
  return points.reduce(([a, b], [x, y]) => [a + x / n, b + y / n], [0, 0]);
}

/** Draw the map into the <svg>; returns how many points were drawn. */
export function drawMap(node, data) {
  node.replaceChildren();
  const box = extent(data);
  if (!box) {
    node.append(
      svg("text", { x: WIDTH / 2, y: HEIGHT / 2, "text-anchor": "middle", class: "empty" }, "暂无位置 / no places"),
    );
    return 0;
  }
  const at = projection(box);
  const outlines = svg("g", { class: "districts" });
  const names = svg("g", { class: "names" });
  for (const d of data.districts) {
    for (const ring of d.rings) {
      const xy = ring.map(at);
      const shape = svg("polygon", { points: xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ") });
      shape.append(svg("title", {}, `${d.zh} ${d.en}`));
      outlines.append(shape);
    }
    if (d.rings.length) {
      const [x, y] = centre(d.rings[0].map(at));
      names.append(svg("text", { x: x.toFixed(1), y: y.toFixed(1), "text-anchor": "middle" }, d.zh));
    }
  }
  const dots = svg("g", { class: "points" });
  for (const p of data.points) {
    const [x, y] = at([p.long, p.lat]);
    const link = svg("a", { href: `/portal?follow=${encodeURIComponent(p.id)}#follow` });
    const dot = svg("circle", {
      cx: x.toFixed(1),
      cy: y.toFixed(1),
      r: 3.5,
      class: CLOSED.has(p.status) ? "done" : "open",
    });
    dot.append(svg("title", {}, `No. ${p.id}`));
    link.append(dot);
    dots.append(link);
  }
  node.append(outlines, dots, names); // names last: readable over the dots
  return data.points.length;
}
