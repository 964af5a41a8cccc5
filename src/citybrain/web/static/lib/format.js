/* Dates in the city's time zone (the server's CITYBRAIN_TIMEZONE, sent with the page), never the browser's. */

const DAY = 86400000;

function parts(formatter, moment) {
  return Object.fromEntries(formatter.formatToParts(moment).map((p) => [p.type, p.value]));
}

/** `when(iso)` → "2026-12-07 09:30" and `today(offsetDays)` → "2026-12-08", both read on the city's clock. */
export function cityClock(zone, locale = "zh-CN") {
  const numeric = { timeZone: zone, numberingSystem: "latn", year: "numeric", month: "2-digit", day: "2-digit" };
  const minutes = new Intl.DateTimeFormat(locale, { ...numeric, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  const days = new Intl.DateTimeFormat(locale, numeric);
  return {
    zone,
    when(iso) {
      if (!iso) return "—";
      const p = parts(minutes, new Date(iso));
      return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
    },
    today(offsetDays = 0) {
      const p = parts(days, new Date(Date.now() + offsetDays * DAY));
      return `${p.year}-${p.month}-${p.day}`;
    },
  };
}

/** 0.873 → "87.3%"; no value → "—". */
export function percent(x) {
  return x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`;
}
