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
  const offsets = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
  /** "+08:00": the zone's offset from UTC on that day (midday, clear of a daylight-saving switch at night). */
  const offset = (day) => {
    const name = parts(offsets, new Date(`${day}T12:00:00Z`)).timeZoneName || "GMT";
    return name === "GMT" ? "+00:00" : name.slice(3);
  };
  return {
    zone,
    when(iso) {
      if (!iso) return "—";
      const p = parts(minutes, new Date(iso));
      return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
    },
    /** The moment a city day starts ("2026-12-07" → "2026-12-07T00:00:00+08:00"); `plusDays` moves the day. */
    dayStart(day, plusDays = 0) {
      const moved = new Date(Date.parse(`${day}T00:00:00Z`) + plusDays * DAY).toISOString().slice(0, 10);
      return `${moved}T00:00:00${offset(moved)}`;
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
