// cities.js: a small built-in list of places (name, point, time zone); a
// search may also give "lat, lng".
export const cities = [
  { name: 'Berlin', lat: 52.52, lng: 13.405, tz: 'Europe/Berlin' },
  { name: 'Hamburg', lat: 53.551, lng: 9.994, tz: 'Europe/Berlin' },
  { name: 'Munich', lat: 48.137, lng: 11.575, tz: 'Europe/Berlin' },
  { name: 'Vienna', lat: 48.208, lng: 16.373, tz: 'Europe/Vienna' },
  { name: 'Zurich', lat: 47.377, lng: 8.541, tz: 'Europe/Zurich' },
  { name: 'Paris', lat: 48.857, lng: 2.352, tz: 'Europe/Paris' },
  { name: 'Amsterdam', lat: 52.373, lng: 4.893, tz: 'Europe/Amsterdam' },
  { name: 'London', lat: 51.507, lng: -0.128, tz: 'Europe/London' },
  { name: 'Madrid', lat: 40.417, lng: -3.704, tz: 'Europe/Madrid' },
  { name: 'Lisbon', lat: 38.722, lng: -9.139, tz: 'Europe/Lisbon' },
  { name: 'Rome', lat: 41.903, lng: 12.496, tz: 'Europe/Rome' },
  { name: 'New York', lat: 40.713, lng: -74.006, tz: 'America/New_York' },
  { name: 'San Francisco', lat: 37.775, lng: -122.419, tz: 'America/Los_Angeles' },
  { name: 'Tokyo', lat: 35.676, lng: 139.65, tz: 'Asia/Tokyo' },
  { name: 'Singapore', lat: 1.352, lng: 103.82, tz: 'Asia/Singapore' },
  { name: 'Sydney', lat: -33.869, lng: 151.209, tz: 'Australia/Sydney' },
];

// place resolves a city name or "lat, lng" ({lat, lng, tz} or null).
export function place(text) {
  const t = (text || '').trim();
  const m = t.match(/^(-?\d+(?:\.\d+)?)\s*[,\s]\s*(-?\d+(?:\.\d+)?)$/);
  if (m) return { name: t, lat: Number(m[1]), lng: Number(m[2]), tz: Intl.DateTimeFormat().resolvedOptions().timeZone };
  const c = cities.find((c) => c.name.toLowerCase() === t.toLowerCase());
  return c || null;
}
