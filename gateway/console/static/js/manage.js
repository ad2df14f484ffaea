// manage.js: for vendor managers: onboarding and the live reservation book.
import { api, all, vendor, newKey, session, follow } from './api.js';
import { h, field, money, errorBox, modal, badge, depositText, refundText, toast, statusLabel } from './ui.js';
import { cities } from './cities.js';
import { zoned, iso, dateIn, addDays, weekday, hm, when, zoneName, zones, dayLong, minutesFrom } from './time.js';

const mineKey = () => 'slotmesh.vendors.' + (session()?.user_id || '');
export function myVendors() {
  try { return JSON.parse(localStorage.getItem(mineKey()) || '[]'); } catch { return []; }
}
function remember(v) {
  const list = myVendors().filter((x) => x.id !== v.id);
  list.unshift({ id: v.id, name: v.name });
  localStorage.setItem(mineKey(), JSON.stringify(list.slice(0, 50)));
}

export async function managePage(view) {
  const list = myVendors();
  const open = h('form', { class: 'inline' },
    field('Vendor id', { name: 'id', required: true, pattern: '[0-9a-fA-F-]{36}', placeholder: 'a UUID', autocomplete: 'off' }),
    h('button', { type: 'submit' }, 'Open its reservation book'));
  open.addEventListener('submit', (e) => { e.preventDefault(); location.hash = '#/manage/book/' + new FormData(open).get('id').trim(); });
  view.append(h('h1', {}, 'Your restaurants & hotels'),
    h('p', {}, h('a', { href: '#/manage/new', class: 'button primary' }, 'Onboard a restaurant or hotel')),
    list.length ? h('ul', { class: 'cards' }, list.map((v) => h('li', { class: 'card' }, h('h2', { class: 'h3' }, v.name),
      h('a', { href: '#/manage/book/' + v.id }, 'Reservation book')))) : h('p', { class: 'muted' }, 'None on this device yet.'),
    h('section', { class: 'card' }, h('h2', { class: 'h3' }, 'Manage another place'),
      h('p', { class: 'muted' }, 'An owner can add you as a manager; then open its book by id.'), open));
}

const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

export async function onboardPage(view) {
  const unitsBox = h('div', { class: 'units' });
  const addUnit = (name = '', cap = 2) => {
    const n = unitsBox.children.length + 1;
    const row = h('div', { class: 'unit-row', role: 'group', 'aria-label': `Unit ${n}` },
      field(`Unit ${n} name`, { name: 'unit_name', value: name, required: true }),
      field(`Unit ${n} seats or beds`, { name: 'unit_cap', type: 'number', min: 1, max: 100, value: cap, inputmode: 'numeric' }),
      h('button', { type: 'button', class: 'link', 'aria-label': `Remove unit ${n}`, onclick: () => row.remove() }, 'Remove'));
    unitsBox.append(row);
  };
  addUnit('T1', 2); addUnit('T2', 4); addUnit('T3', 4);
  const tzList = h('datalist', { id: 'zones' }, zones().map((z) => h('option', { value: z })));
  const cityField = field('City (fills the point and the time zone)', { tag: 'select', name: 'city',
    options: [h('option', { value: '' }, 'Choose…'), ...cities.map((c) => h('option', { value: c.name }, c.name))] });
  const out = h('div', { 'aria-live': 'assertive' });
  const form = h('form', { class: 'card onboard', novalidate: true },
    h('fieldset', {}, h('legend', {}, 'Kind'),
      h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'kind', value: 'restaurant', checked: true }), ' Restaurant (tables)'),
      h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'kind', value: 'hotel' }), ' Hotel (rooms)')),
    field('Name', { name: 'name', required: true, maxlength: 200 }),
    field('Address', { name: 'address', required: true, maxlength: 500 }),
    cityField,
    h('div', { class: 'row' }, field('Latitude', { name: 'lat', type: 'number', step: 'any', required: true }),
      field('Longitude', { name: 'lng', type: 'number', step: 'any', required: true })),
    field('Time zone', { name: 'timezone', list: 'zones', required: true, value: Intl.DateTimeFormat().resolvedOptions().timeZone }, 'IANA name; opening hours and bookings are in it'),
    tzList,
    field('Tags', { name: 'tags', placeholder: 'italian, pizza, vegan' }, 'Cuisines or facilities, comma-separated'),
    h('fieldset', {}, h('legend', {}, 'Opening hours'),
      h('div', { class: 'row' }, field('Opens', { name: 'open', type: 'time', value: '12:00' }), field('Closes', { name: 'close', type: 'time', value: '23:00' })),
      h('div', { class: 'days' }, days.map((d) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'day', value: d, checked: true }), ' ' + d.slice(0, 3))))),
    h('div', { class: 'row for-restaurant' }, field('Booking grid (minutes)', { name: 'slot', type: 'number', value: 30, min: 5, max: 240 }),
      field('Stay (minutes)', { name: 'stay', type: 'number', value: 90, min: 15, max: 720 })),
    h('div', { class: 'row for-hotel', hidden: true }, field('Check-in', { name: 'check_in', type: 'time', value: '15:00' }),
      field('Check-out', { name: 'check_out', type: 'time', value: '11:00' })),
    h('fieldset', {}, h('legend', {}, 'Deposit and cancellation'),
      h('div', { class: 'row' }, field('Deposit', { name: 'deposit', type: 'number', step: '0.01', min: 0, value: '10.00' }),
        field('Currency', { name: 'currency', value: 'EUR', maxlength: 3 }),
        field('Per', { tag: 'select', name: 'per', options: [h('option', { value: 'booking' }, 'booking'), h('option', { value: 'guest' }, 'guest')] })),
      field('Free cancellation until (hours before)', { name: 'free', type: 'number', value: 24, min: 0 })),
    h('fieldset', {}, h('legend', {}, 'Tables or rooms'), unitsBox,
      h('button', { type: 'button', onclick: () => addUnit(`T${unitsBox.children.length + 1}`, 2) }, 'Add a unit')),
    out,
    h('button', { type: 'submit', class: 'primary' }, 'Onboard'));
  const kindChanged = () => {
    const hotel = form.elements.kind.value === 'hotel';
    form.querySelector('.for-restaurant').hidden = hotel;
    form.querySelector('.for-hotel').hidden = !hotel;
  };
  for (const r of form.querySelectorAll('input[name=kind]')) r.addEventListener('change', kindChanged);
  cityField.querySelector('select').addEventListener('change', (e) => {
    const c = cities.find((c) => c.name === e.target.value);
    if (!c) return;
    form.elements.lat.value = c.lat; form.elements.lng.value = c.lng; form.elements.timezone.value = c.tz;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const kind = f.get('kind');
    const body = {
      kind, name: f.get('name'), timezone: f.get('timezone'), address: f.get('address'),
      location: { lat: Number(f.get('lat')), lng: Number(f.get('lng')) },
      tags: String(f.get('tags') || '').split(',').map((t) => t.trim()).filter(Boolean),
      opening_hours: f.getAll('day').map((d) => {
        const open = f.get('open'), close = f.get('close');
        return { weekday: d, open, close: close === '00:00' ? '24:00' : close, ...(close !== '00:00' && close < open ? { overnight: true } : {}) };
      }),
      deposit: { amount: Math.round(Number(f.get('deposit') || 0) * 100), currency: String(f.get('currency')).toUpperCase(), per: f.get('per') },
      cancellation: { free_until_hours_before: Number(f.get('free') || 0) },
    };
    if (kind === 'restaurant') { body.slot_minutes = Number(f.get('slot')); body.stay_minutes = Number(f.get('stay')); }
    else { body.check_in = f.get('check_in'); body.check_out = f.get('check_out'); }
    const names = f.getAll('unit_name'), caps = f.getAll('unit_cap');
    const units = names.map((n, i) => ({ name: String(n).trim(), capacity: Number(caps[i]) })).filter((u) => u.name);
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = true;
    out.replaceChildren(h('p', { class: 'muted' }, 'Onboarding…'));
    try {
      const v = await api('POST', '/v1/vendors', body);
      remember(v);
      if (units.length) await api('POST', `/v1/vendors/${v.id}/units`, { units });
      toast(`${v.name} is live with ${units.length} units.`);
      location.hash = '#/manage/book/' + v.id;
    } catch (err) {
      out.replaceChildren(errorBox(err));
      btn.disabled = false;
    }
  });
  view.append(h('h1', {}, 'Onboard a restaurant or hotel'), form);
}

// bookPage is the reservation book of a day: units as rows, bookings as
// blocks on a time axis, live from the stream.
export async function bookPage(view, id, q) {
  const v = await vendor(id, true);
  const tz = v.timezone;
  const date = q.get('date') || dateIn(tz);
  const units = await all(`/v1/vendors/${id}/units?limit=1000`, 20);
  const bookings = new Map();
  const live = h('span', { class: 'live', role: 'status', 'data-state': 'connecting' }, 'Connecting…');
  const announce = h('div', { class: 'sr-only', 'aria-live': 'polite' });
  const grid = h('div', { class: 'book', role: 'table', 'aria-label': `Reservations on ${dayLong(date)}, ${tz}` });
  const list = h('ol', { class: 'daylist' });
  const totals = h('p', { class: 'totals' });
  const nav = h('form', { class: 'inline daynav', 'aria-label': 'Day' },
    h('a', { class: 'button', href: `#/manage/book/${id}?date=${addDays(date, -1)}`, 'aria-label': 'Previous day' }, '‹'),
    field('Day', { type: 'date', name: 'date', value: date }),
    h('a', { class: 'button', href: `#/manage/book/${id}?date=${addDays(date, 1)}`, 'aria-label': 'Next day' }, '›'),
    h('a', { class: 'button', href: `#/manage/book/${id}?date=${dateIn(tz)}` }, 'Today'));
  nav.querySelector('input').addEventListener('change', (e) => { if (e.target.value) location.hash = `#/manage/book/${id}?date=${e.target.value}`; });

  const from = zoned(date, '00:00', tz), to = zoned(addDays(date, 1), '00:00', tz);
  // The axis: the day's opening hours (from the earliest open to the latest close), at least 8 hours.
  const wd = weekday(date);
  let lo = 24 * 60, hi = 0;
  for (const o of v.opening_hours || []) {
    if (o.weekday !== wd) continue;
    const [oh, om] = o.open.split(':').map(Number), [ch, cm] = o.close.split(':').map(Number);
    lo = Math.min(lo, oh * 60 + om);
    hi = Math.max(hi, o.overnight ? 24 * 60 : ch * 60 + cm);
  }
  if (lo >= hi) { lo = 8 * 60; hi = 24 * 60; }
  lo = Math.floor(lo / 60) * 60; hi = Math.ceil(hi / 60) * 60;

  const overlaps = (b) => new Date(b.start) < to && new Date(b.end) > from;
  const render = () => {
    let axisLo = lo, axisHi = hi;
    for (const b of bookings.values()) {
      axisLo = Math.min(axisLo, Math.max(0, Math.floor(minutesFrom(date, tz, b.start) / 60) * 60));
      axisHi = Math.max(axisHi, Math.min(24 * 60, Math.ceil(minutesFrom(date, tz, b.end) / 60) * 60));
    }
    const span = axisHi - axisLo;
    const pct = (min) => `${((Math.min(Math.max(min, axisLo), axisHi) - axisLo) / span) * 100}%`;
    const hours = [];
    for (let m = axisLo; m < axisHi; m += 60) hours.push(m);
    const head = h('div', { class: 'brow head', role: 'row' }, h('div', { class: 'unit', role: 'columnheader' }, 'Unit'),
      h('div', { class: 'track axis', role: 'columnheader', 'aria-label': `Time, ${tz}` },
        hours.map((m) => h('span', { class: 'hour', style: { left: pct(m) } }, `${String(m / 60 % 24).padStart(2, '0')}:00`))));
    const byUnit = new Map(units.map((u) => [u.id, []]));
    const sorted = [...bookings.values()].sort((a, b) => new Date(a.start) - new Date(b.start));
    for (const b of sorted) for (const u of b.units) { if (!byUnit.has(u.id)) byUnit.set(u.id, []); byUnit.get(u.id).push(b); }
    const rows = units.map((u) => h('div', { class: 'brow', role: 'row', 'data-unit': u.id },
      h('div', { class: 'unit', role: 'rowheader' }, u.name, h('small', {}, ` ${u.capacity}${v.kind === 'hotel' ? ' beds' : ' seats'}`)),
      h('div', { class: 'track', role: 'cell' },
        hours.map((m) => h('span', { class: 'gridline', style: { left: pct(m) }, 'aria-hidden': 'true' })),
        (byUnit.get(u.id) || []).map((b) => {
          const s = minutesFrom(date, tz, b.start), e = minutesFrom(date, tz, b.end);
          return h('button', { type: 'button', class: 'block st-' + b.status.toLowerCase(), 'data-booking': b.id, 'data-status': b.status,
            style: { left: pct(s), width: `calc(${pct(e)} - ${pct(s)})` },
            'aria-label': `${u.name}, ${hm(b.start, tz)} to ${hm(b.end, tz)}, ${b.party_size} guests, ${statusLabel[b.status] || b.status}`,
            onclick: () => detail(b) }, h('span', {}, `${hm(b.start, tz)} · ${b.party_size}p`));
        }))));
    grid.replaceChildren(head, ...rows);
    list.replaceChildren(...(sorted.length ? sorted.map((b) => h('li', { 'data-booking': b.id },
      h('button', { type: 'button', class: 'link', onclick: () => detail(b) },
        `${hm(b.start, tz)}–${hm(b.end, tz)} · ${b.units.map((u) => u.name).join(', ')} · ${b.party_size} guests`), ' ', badge(b.status),
      ' ', h('span', { class: 'muted' }, depositText(b)), b.refund ? h('span', { class: 'muted' }, ' · ' + refundText(b.refund)) : null))
      : [h('li', { class: 'muted' }, 'No bookings this day.')]));
    let held = 0, refunded = 0, cur = v.deposit?.currency || 'EUR';
    for (const b of sorted) {
      if (['charged', 'kept'].includes(b.deposit?.status)) held += b.deposit.amount;
      if (b.refund && b.refund.status !== 'none') refunded += b.refund.amount;
      cur = b.deposit?.currency || cur;
    }
    const active = sorted.filter((b) => ['CONFIRMED', 'BLOCKED'].includes(b.status));
    totals.textContent = `${active.length} booked, ${active.reduce((n, b) => n + b.party_size, 0)} guests · deposits held ${money(held, cur)} · refunded ${money(refunded, cur)}`;
  };

  // put applies a booking if it is newer than the one held; draw = false when loading many.
  const put = (b, fromStream, draw = true) => {
    const old = bookings.get(b.id);
    if (old && old.version > b.version) return;
    if (!overlaps(b)) { bookings.delete(b.id); if (draw) render(); return; }
    bookings.set(b.id, b);
    if (!draw) return;
    render();
    if (fromStream && (!old || old.status !== b.status)) {
      announce.textContent = `${statusLabel[b.status] || b.status}: ${b.units.map((u) => u.name).join(', ')} at ${hm(b.start, tz)}, ${b.party_size} guests`;
      const el = grid.querySelector(`[data-booking="${b.id}"]`);
      if (el) { el.classList.add('flash'); setTimeout(() => el.classList.remove('flash'), 2000); }
    }
  };

  const load = async () => {
    const range = `from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}&limit=200`;
    const [cur, past] = await Promise.all([all(`/v1/vendors/${id}/bookings?scope=current&${range}`),
      all(`/v1/vendors/${id}/bookings?scope=past&${range}`).catch(() => [])]);
    for (const b of [...past, ...cur]) put(b, false, false);
    render();
  };

  const detail = (b0) => {
    const b = bookings.get(b0.id) || b0;
    const out = h('div', { 'aria-live': 'assertive' });
    const act = (label, path, cls) => h('button', { type: 'button', class: cls || '', onclick: async (e) => {
      e.target.disabled = true;
      try {
        const nb = await api('POST', `/v1/bookings/${b.id}/${path}`, undefined, { headers: { 'Idempotency-Key': newKey() } });
        put(nb, false);
        m.set(h('div', { class: 'ok', role: 'status' }, h('p', {}, h('strong', {}, statusLabel[nb.status] + '. ')),
          h('p', { class: 'refund' }, refundText(nb.refund) || depositText(nb))));
      } catch (err) { out.replaceChildren(errorBox(err)); e.target.disabled = false; }
    } }, label);
    const started = new Date(b.start) <= new Date();
    const m = modal(`Booking ${b.units.map((u) => u.name).join(', ')}, ${hm(b.start, tz)}`, [
      h('dl', { class: 'facts' },
        h('dt', {}, 'Status'), h('dd', {}, badge(b.status)),
        h('dt', {}, 'When'), h('dd', {}, `${when(b.start, tz)} – ${hm(b.end, tz)}`),
        h('dt', {}, 'Guests'), h('dd', {}, String(b.party_size)),
        h('dt', {}, 'Deposit'), h('dd', {}, depositText(b)),
        b.refund ? [h('dt', {}, 'Refund'), h('dd', {}, refundText(b.refund))] : null,
        h('dt', {}, 'Booking'), h('dd', { class: 'mono' }, b.id)),
      out,
      b.status === 'CONFIRMED' ? h('div', { class: 'actions' },
        act('Guest came, bill settled', 'avail', 'primary'),
        act('No-show', 'no-show'),
        act('Cancel', 'cancel', 'danger'),
        started ? null : h('p', { class: 'hint' }, 'No-show is possible after the start.')) : null]);
  };

  view.append(
    h('div', { class: 'bookhead' }, h('h1', {}, `${v.name}: reservations`), live),
    h('p', { class: 'muted' }, `${dayLong(date)} · times in ${tz} (${zoneName(tz, zoned(date, '12:00', tz))}) · ${v.address}`),
    nav, legend(), totals, h('div', { class: 'bookwrap' }, grid), announce,
    h('h2', {}, 'The day in order'), list);
  render();
  await load(); // a 403 (not a manager) ends here, before the vendor is remembered
  remember(v);
  const stop = follow(`/v1/vendors/${id}/bookings/stream`, (event, data) => {
    if (event === 'ready') load().catch((e) => toast('Reload failed: ' + e.message));
    else if (event === 'booking' && data?.booking) put(data.booking, true);
  }, (state, err) => {
    live.dataset.state = state;
    live.textContent = { connecting: 'Connecting…', live: '● Live', reconnecting: 'Reconnecting…', closed: err ? 'Not live: ' + err.message : 'Not live' }[state] || state;
  });
  return stop;
}

function legend() {
  return h('ul', { class: 'legend', 'aria-label': 'Colours' },
    ['CONFIRMED', 'BLOCKED', 'AVAILED', 'NO_SHOW', 'CANCELLED'].map((s) => h('li', {}, h('span', { class: 'swatch st-' + s.toLowerCase(), 'aria-hidden': 'true' }), statusLabel[s])));
}
