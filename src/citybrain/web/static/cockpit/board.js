/* 热点、关联、预警: the board's lists. Text is always set as text. */
import { el } from "../lib/dom.js";
import { deskUrl } from "./drill.js";

function empty(list, zh, en) {
  list.replaceChildren(el("li", { class: "detail", text: `${zh} ${en}` }));
}

export function hotList(list, issues) {
  if (issues === null) return empty(list, "尚未计算热点（citybrain analyze hot-issues）。", "No hot-issue board yet.");
  if (!issues.length) return empty(list, "没有热点。", "No hot issues.");
  list.replaceChildren(
    ...issues.map((h) =>
      el(
        "li",
        null,
        el("strong", { text: `${h.place || "—"} · ${h.description || ""}` }),
        el("div", {
          class: "detail",
          text: `热度 heat ${h.heat?.toFixed(1)} · ${h.count} 条 messages · ${String(h.start).slice(0, 10)} – ${String(h.end).slice(0, 10)}`,
        }),
      ),
    ),
  );
}

export function ruleList(list, rules, filters) {
  if (rules === null)
    return empty(list, "尚未计算关联规律（citybrain analyze associations）。", "No association run yet.");
  if (!rules.length) return empty(list, "没有显著的关联。", "No significant association.");
  list.replaceChildren(
    ...rules.map((r) => {
      const where = r.where.map((w) => `${w.cell} ${w.from}–${w.to}`).join("; ");
      const first = r.where[0];
      const link = first ? deskUrl({ ...filters, from: first.from, to: first.to }) : null;
      return el(
        "li",
        null,
        el("strong", { text: r.zh }),
        el("div", { class: "detail", text: r.en }),
        el("div", {
          class: "detail",
          text: `lift ${r.lift?.toFixed(1)} · q ${r.q_value?.toPrecision(2)} · ${r.where.length} 处 places/weeks`,
        }),
        where ? el("div", { class: "detail" }, link ? el("a", { href: link, text: where }) : where) : null,
      );
    }),
  );
}

export function alertList(list, alerts) {
  if (alerts === null) return empty(list, "您的角色不处理预警。", "Your role does not handle alerts.");
  if (!alerts.length) return empty(list, "没有未处理的预警。", "No open alerts.");
  list.replaceChildren(
    ...alerts.map((a) =>
      el(
        "li",
        null,
        el("a", { href: `/desk#alert-${a.id}`, text: `#${a.id} ${a.title}` }),
        el("div", {
          class: "detail",
          text: `${a.first_signal_on} – ${a.last_signal_on}${a.cases == null ? "" : ` · ${a.cases} 件 cases`}${a.recurrence_days ? ` · 约${Math.round(a.recurrence_days)}天一遇 once in ~${Math.round(a.recurrence_days)} days` : ""}`,
        }),
      ),
    ),
  );
}

const SVG = "http://www.w3.org/2000/svg";

/** A sparkline of monthly shares: a polyline in a 120 × 24 box, the last month as a dot. */
function sparkline(shares, rising) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 120 24");
  svg.setAttribute("class", rising ? "spark spark-rising" : "spark");
  svg.setAttribute("aria-hidden", "true");
  if (shares.length < 2) return svg;
  const top = Math.max(...shares, 1e-9);
  const points = shares.map((s, i) => [(i / (shares.length - 1)) * 116 + 2, 22 - (s / top) * 20]);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "));
  const [x, y] = points[points.length - 1];
  const dot = document.createElementNS(SVG, "circle");
  dot.setAttribute("cx", x.toFixed(1));
  dot.setAttribute("cy", y.toFixed(1));
  dot.setAttribute("r", "2.5");
  svg.append(line, dot);
  return svg;
}

const pct = (v) => (v == null ? "—" : `${(v * 100).toFixed(1)}%`);

/** 群众所思所想: each topic's words, its monthly share as a sparkline, rising ones first and marked. */
export function topicList(list, note, topics) {
  if (topics === null) {
    note.textContent = "";
    return empty(list, "尚未计算主题（citybrain analyze topics）。", "No topics run yet.");
  }
  const { month, months } = topics;
  note.textContent = `${months[0] || ""} – ${months[months.length - 1] || ""} 每月占比 monthly share · 判断月份 month judged ${month || "—"} · ↑ ${topics.rising.length} 个上升 rising`;
  if (!topics.topics.length) return empty(list, "没有主题。", "No topics.");
  const ordered = [...topics.topics].sort((a, b) => Number(b.rising) - Number(a.rising));
  list.replaceChildren(
    ...ordered.map((t) =>
      el(
        "li",
        { class: t.rising ? "topic rising" : "topic", title: t.explanation?.en || "" },
        el(
          "div",
          { class: "topic-head" },
          el("strong", { text: `${t.rising ? "↑ " : ""}${t.terms.slice(0, 4).join(" · ")}` }),
          sparkline(t.shares, t.rising),
        ),
        el("div", {
          class: "detail",
          text: `${t.size} 条 messages · ${month} ${pct(t.share)}（以往 before ${pct(t.history_share)}）${t.ratio == null ? "" : ` · ×${t.ratio.toFixed(2)} · q ${t.q_value?.toPrecision(2)}`}`,
        }),
        t.rising ? el("div", { class: "detail", text: t.explanation?.zh || "" }) : null,
      ),
    ),
  );
}
