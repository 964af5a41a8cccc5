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
          text: `${a.first_signal_on} – ${a.last_signal_on} · ${a.cases} 件 cases${a.recurrence_days ? ` · 约${Math.round(a.recurrence_days)}天一遇 once in ~${Math.round(a.recurrence_days)} days` : ""}`,
        }),
      ),
    ),
  );
}
