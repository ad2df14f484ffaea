// time.js: every time on the console is shown in the vendor's own time zone,
// with the zone named; wall times typed in a zone become instants here.

const LOCALE = 'en-GB';

function parts(tz, d) {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const o = {};
  for (const p of f.formatToParts(d)) if (p.type !== 'literal') o[p.type] = Number(p.value);
  return o;
}

function offsetMs(tz, t) {
  const p = parts(tz, new Date(t));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - Math.floor(t / 1000) * 1000;
}

// zoned turns a wall date (YYYY-MM-DD) and time (HH:MM) in tz into a Date.
export function zoned(date, time, tz) {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mi] = (time || '00:00').split(':').map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mi);
  let t = guess - offsetMs(tz, guess);
  t = guess - offsetMs(tz, t);
  return new Date(t);
}

// iso is RFC 3339 without milliseconds.
export const iso = (d) => new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function dateIn(tz, d = new Date()) {
  const p = parts(tz, new Date(d));
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

export function addDays(date, n) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export function weekday(date) {
  return ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'][new Date(date + 'T00:00:00Z').getUTCDay()];
}

// zoneName is the short name of tz at d, e.g. CET or GMT+1.
export function zoneName(tz, d = new Date()) {
  try {
    return new Intl.DateTimeFormat(LOCALE, { timeZone: tz, timeZoneName: 'short' }).formatToParts(new Date(d))
      .find((p) => p.type === 'timeZoneName')?.value || tz;
  } catch { return tz; }
}

export function hm(d, tz) {
  return new Intl.DateTimeFormat(LOCALE, { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(d));
}

export function day(d, tz) {
  return new Intl.DateTimeFormat(LOCALE, { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(d));
}

export function dayLong(date) {
  return new Intl.DateTimeFormat(LOCALE, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
    .format(new Date(date + 'T12:00:00Z'));
}

// when is "Sat 28 Nov 2026, 19:00 CET".
export function when(d, tz) {
  return `${day(d, tz)}, ${hm(d, tz)} ${zoneName(tz, d)}`;
}

// minutesInDay is the wall-clock minute of d in tz on date (may exceed 1440 or be negative).
export function minutesFrom(date, tz, d) {
  return Math.round((new Date(d) - zoned(date, '00:00', tz)) / 60000);
}

export function zones() {
  try { return Intl.supportedValuesOf('timeZone'); } catch { return ['UTC', 'Europe/Berlin', 'Europe/London', 'America/New_York']; }
}
