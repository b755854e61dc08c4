// Times on the user's clock (the zone of their profile), as the page shows them.

/** "Fri, Dec 11", with the time unless it is 17:00 (a due day's default) and the year unless
 * it is this one, on the clock of `zone`. */
export function formatDue(iso, zone) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = (options) => new Intl.DateTimeFormat(undefined, { timeZone: zone, ...options });
  const year = (t) => parts({ year: "numeric" }).format(t);
  const clock = parts({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
  return parts({
    weekday: "short", month: "short", day: "numeric",
    year: year(d) === year(new Date()) ? undefined : "numeric",
    hour: clock === "17:00" ? undefined : "numeric",
    minute: clock === "17:00" ? undefined : "2-digit",
  }).format(d);
}

/** The calendar day of instant `ms` in `zone`, as "YYYY-MM-DD". */
export function dayKey(ms, zone) {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
  }).format(ms);
}
