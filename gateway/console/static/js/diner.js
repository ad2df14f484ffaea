// diner.js: search, book (deposit shown first) and my bookings (change, cancel).
import { api, all, vendor, newKey, session, ApiError } from './api.js';
import { h, field, money, errorBox, modal, badge, depositText, refundText, toast, clean } from './ui.js';
import { cities, place } from './cities.js';
import { zoned, iso, dateIn, hm, when, zoneName, addDays } from './time.js';

const browserTZ = Intl.DateTimeFormat().resolvedOptions().timeZone;

export async function searchPage(view, q) {
  const placeText = q.get('place') || 'Berlin';
  const where = place(placeText);
  const tz = where?.tz || browserTZ;
  const date = q.get('date') || dateIn(tz);
  const form = h('form', { class: 'card search', role: 'search', 'aria-label': 'Find a table or a room' },
    field('What', { name: 'tags', value: q.get('tags') || '', placeholder: 'italian, vegan', autocomplete: 'off' }, 'Cuisines or facilities, comma-separated'),
    field('Kind', { tag: 'select', name: 'kind', options: [['', 'Any'], ['restaurant', 'Restaurants'], ['hotel', 'Hotels']]
      .map(([v, t]) => h('option', { value: v, selected: (q.get('kind') || '') === v }, t)) }),
    field('Where', { name: 'place', value: placeText, list: 'cities', required: true, autocomplete: 'off' }, 'A city, or latitude, longitude'),
    h('datalist', { id: 'cities' }, cities.map((c) => h('option', { value: c.name }))),
    field('Date', { name: 'date', type: 'date', value: date, required: true }),
    field('Time', { name: 'time', type: 'time', value: q.get('time') || '19:00', step: 900, required: true }),
    field('Guests', { name: 'party', type: 'number', min: 1, max: 100, value: q.get('party') || '2', required: true, inputmode: 'numeric' }),
    h('button', { type: 'submit', class: 'primary' }, 'Search'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const p = new URLSearchParams();
    for (const k of ['tags', 'kind', 'place', 'date', 'time', 'party']) if (f.get(k)) p.set(k, String(f.get(k)).trim());
    p.set('go', '1');
    location.hash = '#/search?' + p;
  });
  const results = h('section', { 'aria-labelledby': 'results-h', class: 'results', 'aria-busy': 'false' });
  view.append(h('h1', {}, 'Find a table'), form, results);
  if (!q.get('go')) return;
  if (!where) {
    results.append(errorBox(new Error(`We do not know "${placeText}": pick a city from the list or type "52.52, 13.40".`)));
    return;
  }
  const party = Number(q.get('party') || 2);
  const start = zoned(date, q.get('time') || '19:00', tz);
  const p = new URLSearchParams({ lat: where.lat, lng: where.lng, radius_km: '25', start: iso(start), party_size: party, limit: '20' });
  if (q.get('tags')) p.set('tags', q.get('tags'));
  if (q.get('kind')) p.set('kind', q.get('kind'));
  results.setAttribute('aria-busy', 'true');
  results.append(h('p', { class: 'muted' }, 'Searching…'));
  try {
    const res = await api('GET', '/v1/search?' + p);
    const vendors = await Promise.all(res.items.map((it) => vendor(it.vendor_id).catch(() => null)));
    results.replaceChildren(h('h2', { id: 'results-h' }, res.items.length
      ? `${res.items.length} place${res.items.length > 1 ? 's' : ''} with a free ${q.get('kind') === 'hotel' ? 'room' : 'table'} near ${where.name}`
      : 'Nothing free then'));
    if (!res.items.length) results.append(h('p', {}, 'Try another time, a bigger area or fewer tags.'));
    const list = h('ul', { class: 'cards' });
    res.items.forEach((it, i) => {
      const v = vendors[i];
      if (!v) return;
      const times = it.available || [];
      list.append(h('li', { class: 'card result', 'data-vendor': it.vendor_id },
        h('h3', {}, it.name),
        h('p', { class: 'muted' }, `${it.kind === 'hotel' ? 'Hotel' : 'Restaurant'} · ${it.distance_km.toFixed(1)} km · ${v.address}`),
        it.tags.length ? h('p', { class: 'tags' }, it.tags.map((t) => h('span', { class: 'tag' }, t))) : null,
        h('p', { class: 'tzline' }, `${it.kind === 'hotel' ? 'Check-in, one night,' : 'Free times'} for ${party}, ${zoneLabel(v.timezone, start)}:`),
        h('div', { class: 'times', role: 'group', 'aria-label': `Free times at ${it.name}` },
          times.map((t) => h('button', { type: 'button', class: 'time', 'data-start': t,
            'aria-label': `Book ${it.name} at ${when(t, v.timezone)}`,
            onclick: () => bookDialog(v, t, party) }, hm(t, v.timezone)))),
        v.deposit?.amount ? h('p', { class: 'muted' }, `Deposit ${money(v.deposit.amount, v.deposit.currency)} per ${v.deposit.per}, ` +
          `refunded when you come${v.cancellation ? ` or cancel ${v.cancellation.free_until_hours_before} h ahead` : ''}`) : null));
    });
    results.append(list);
  } catch (e) {
    results.replaceChildren(h('h2', { id: 'results-h' }, 'Search failed'), errorBox(e));
  } finally {
    results.setAttribute('aria-busy', 'false');
  }
}

export const zoneLabel = (tz, d) => `times in ${tz} (${zoneName(tz, d)})`;

function depositFor(v, party) {
  const d = v.deposit || { amount: 0 };
  return { amount: d.amount * (d.per === 'guest' ? party : 1), currency: d.currency };
}

// bookDialog shows the slot and the deposit, then books with a test card.
export function bookDialog(v, start, party) {
  const m = modal(`Book ${v.name}`, []);
  let key = newKey(); // one key per intended booking: a retry answers the first outcome
  const show = (t) => {
    const dep = depositFor(v, party);
    const free = v.cancellation?.free_until_hours_before ?? 0;
    const card = field('Payment (test cards)', { tag: 'select', name: 'card', options: [
      h('option', { value: 'pm_card_visa' }, 'Visa test card — succeeds'),
      h('option', { value: 'pm_card_chargeDeclined' }, 'Test card — declined')] });
    const out = h('div', { 'aria-live': 'assertive', class: 'out' });
    const btn = h('button', { type: 'submit', class: 'primary confirm' },
      dep.amount ? `Pay ${money(dep.amount, dep.currency)} deposit and book` : 'Book');
    const form = h('form', {},
      h('dl', { class: 'facts' },
        h('dt', {}, 'When'), h('dd', { class: 'when' }, when(t, v.timezone)),
        h('dt', {}, 'Time zone'), h('dd', {}, v.timezone),
        h('dt', {}, 'Guests'), h('dd', {}, String(party)),
        h('dt', {}, 'Where'), h('dd', {}, v.address),
        h('dt', {}, 'Deposit'), h('dd', { class: 'deposit' }, dep.amount ? `${money(dep.amount, dep.currency)}, charged now` : 'None'),
        h('dt', {}, 'Cancellation'), h('dd', {}, dep.amount
          ? `Free until ${free} h before (${when(new Date(new Date(t) - free * 3600e3), v.timezone)}); later the deposit is kept`
          : 'Free')),
      card, out, btn);
    if (!session()) {
      btn.disabled = true;
      out.append(h('p', {}, 'Please ', h('a', { href: '#/login?next=' + encodeURIComponent(location.hash) }, 'log in'), ' to book.'));
    }
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      btn.disabled = true;
      out.replaceChildren(h('p', { class: 'muted' }, 'Booking…'));
      try {
        let b = await api('POST', '/v1/bookings', { vendor_id: v.id, start: t, party_size: party,
          payment_method: new FormData(form).get('card') }, { headers: { 'Idempotency-Key': key } });
        for (let i = 0; b.status === 'BLOCKED' && i < 30; i++) { // 202: the payment's outcome is not known yet
          out.replaceChildren(h('p', {}, 'Waiting for the payment…'));
          await new Promise((r) => setTimeout(r, 1000));
          b = await api('GET', '/v1/bookings/' + b.id);
        }
        if (b.status !== 'CONFIRMED') throw new Error(`The booking ended ${b.status}; nothing is held.`);
        m.set(h('div', { class: 'ok booked', role: 'status' },
          h('p', {}, h('strong', {}, 'Booked! '), `${v.name}, ${when(b.start, v.timezone)}, ${b.party_size} guests, ` +
            `${b.units.map((u) => u.name).join(', ')}.`),
          h('p', {}, depositText(b))),
        h('p', {}, h('a', { href: '#/bookings', onclick: () => m.dlg.close() }, 'See my bookings')));
      } catch (err) {
        key = newKey();
        if (err instanceof ApiError && err.code === 'slot_unavailable') {
          const near = err.details.available || [];
          out.replaceChildren(h('div', { class: 'error taken', role: 'alert' },
            h('strong', {}, 'Sorry, that time was just taken.'),
            h('p', {}, near.length ? `Free nearby (${zoneLabel(v.timezone, t)}):` : 'Nothing is free nearby; try another day.'),
            h('div', { class: 'times', role: 'group', 'aria-label': 'Free times nearby' },
              near.map((n) => h('button', { type: 'button', class: 'time', 'data-start': n, onclick: () => show(n),
                'aria-label': `Choose ${when(n, v.timezone)}` }, hm(n, v.timezone))))));
          const b1 = out.querySelector('button'); if (b1) b1.focus();
        } else if (err instanceof ApiError && err.code === 'payment_declined') {
          out.replaceChildren(errorBox(new Error('The card was declined; nothing was charged and nothing is held. Try another card.')));
          btn.disabled = false;
        } else {
          out.replaceChildren(errorBox(err));
          btn.disabled = false;
        }
      }
    });
    m.set(form);
  };
  show(start);
}

export async function myBookingsPage(view, q) {
  const scope = q.get('scope') === 'past' ? 'past' : 'current';
  const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': 'Which bookings' },
    ['current', 'past'].map((s) => h('button', { type: 'button', 'aria-pressed': String(s === scope), 'data-scope': s,
      onclick: () => { location.hash = '#/bookings?scope=' + s + '&t=' + Date.now(); } }, s === 'current' ? 'Current' : 'Past')));
  const list = h('ul', { class: 'cards bookings', 'aria-busy': 'true' });
  view.append(h('h1', {}, 'My bookings'), tabs, list);
  try {
    const items = await all('/v1/users/me/bookings?scope=' + scope + '&limit=50', 4);
    const vs = await Promise.all(items.map((b) => vendor(b.vendor_id).catch(() => ({ name: 'A vendor', timezone: 'UTC' }))));
    list.replaceChildren();
    if (!items.length) list.append(h('li', { class: 'muted' }, scope === 'past' ? 'No past bookings yet.' : 'No bookings coming up. ',
      scope === 'current' ? h('a', { href: '#/search' }, 'Find a table') : null));
    items.forEach((b, i) => list.append(bookingCard(b, vs[i])));
  } catch (e) {
    list.replaceChildren(errorBox(e));
  }
  list.setAttribute('aria-busy', 'false');
}

function bookingCard(b, v) {
  const li = h('li', { class: 'card booking', 'data-booking': b.id, 'data-status': b.status });
  const fill = (b) => {
    li.dataset.status = b.status;
    li.replaceChildren(...clean([
      h('h3', {}, v.name, ' ', badge(b.status)),
      h('p', { class: 'when' }, when(b.start, v.timezone), ' – ', hm(b.end, v.timezone), h('span', { class: 'muted' }, ` (${v.timezone})`)),
      h('p', {}, `${b.party_size} guests · ${b.units.map((u) => u.name).join(', ')}`),
      h('p', { class: 'deposit' }, depositText(b)),
      b.refund ? h('p', { class: 'refund' }, refundText(b.refund)) : null,
      b.status === 'CONFIRMED' ? h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => changeDialog(b, v, fill) }, 'Change'),
        h('button', { type: 'button', class: 'danger', onclick: () => cancelDialog(b, v, fill) }, 'Cancel')) : null]));
  };
  fill(b);
  return li;
}

function changeDialog(b, v, fill) {
  const m = modal(`Change your booking at ${v.name}`, []);
  const date = field('Date', { type: 'date', name: 'date', value: dateIn(v.timezone, b.start) });
  const party = field('Guests', { type: 'number', name: 'party', min: 1, max: 100, value: b.party_size, inputmode: 'numeric' });
  const slots = h('div', { 'aria-live': 'polite' });
  const load = async () => {
    const d = date.querySelector('input').value, p = Number(party.querySelector('input').value);
    slots.replaceChildren(h('p', { class: 'muted' }, 'Looking for free times…'));
    try {
      const a = await api('GET', `/v1/vendors/${v.id}/availability?date=${d}&party_size=${p}`);
      const cur = { start: b.start, label: `Keep ${hm(b.start, v.timezone)}` };
      slots.replaceChildren(...clean([h('p', {}, `Free times on ${d}, ${zoneLabel(v.timezone, zoned(d, '12:00', v.timezone))}:`),
        h('div', { class: 'times', role: 'group', 'aria-label': 'Free times' },
          p !== b.party_size && dateIn(v.timezone, b.start) === d
            ? h('button', { type: 'button', class: 'time', onclick: () => save(null, p) }, cur.label) : null,
          a.slots.map((s) => h('button', { type: 'button', class: 'time', 'data-start': s.start, onclick: () => save(s.start, p) },
            hm(s.start, v.timezone)))),
        a.slots.length ? null : h('p', {}, 'Nothing free that day.')]));
    } catch (e) { slots.replaceChildren(errorBox(e)); }
  };
  // One Idempotency-Key per change asked in this dialog: a double click
  // sends the same change twice, and is answered as the first one left it.
  const keys = new Map();
  const save = async (start, p) => {
    const body = {};
    if (start) body.start = start;
    if (p !== b.party_size) body.party_size = p;
    const asked = JSON.stringify(body);
    if (!keys.has(asked)) keys.set(asked, newKey());
    try {
      const nb = await api('PATCH', '/v1/bookings/' + b.id, body, { headers: { 'Idempotency-Key': keys.get(asked) } });
      Object.assign(b, nb);
      fill(nb);
      m.dlg.close();
      toast(`Moved to ${when(nb.start, v.timezone)} for ${nb.party_size}.`);
    } catch (e) {
      if (e.code !== 'conflict') keys.delete(asked); // it ended unmade: the next click is a new try
      slots.prepend(errorBox(e.code === 'slot_unavailable' ? new Error('That time was just taken; your booking is unchanged.') : e));
    }
  };
  date.querySelector('input').addEventListener('change', load);
  party.querySelector('input').addEventListener('change', load);
  m.set(h('p', {}, `Now: ${when(b.start, v.timezone)}, ${b.party_size} guests.`), date, party, slots);
  load();
}

function cancelDialog(b, v, fill) {
  const hours = v.cancellation?.free_until_hours_before ?? 0;
  const freeUntil = new Date(new Date(b.start) - hours * 3600e3);
  const refunds = new Date() < freeUntil;
  const out = h('div', { 'aria-live': 'assertive' });
  const yes = h('button', { type: 'button', class: 'danger' }, 'Cancel the booking');
  const m = modal(`Cancel ${v.name}?`, [
    h('p', {}, when(b.start, v.timezone), `, ${b.party_size} guests.`),
    h('p', { class: 'policy' }, !b.deposit?.amount ? 'There is no deposit.' : refunds
      ? `Cancelling now refunds your ${money(b.deposit.amount, b.deposit.currency)} deposit (free until ${when(freeUntil, v.timezone)}).`
      : `The free-cancellation window closed ${when(freeUntil, v.timezone)}: the ${money(b.deposit.amount, b.deposit.currency)} deposit is kept.`),
    out, h('div', { class: 'actions' }, yes, h('button', { type: 'button', onclick: () => m.dlg.close() }, 'Keep it'))]);
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      const nb = await api('POST', `/v1/bookings/${b.id}/cancel`, undefined, { headers: { 'Idempotency-Key': newKey() } });
      fill(nb);
      m.set(h('div', { class: 'ok', role: 'status' }, h('p', {}, h('strong', {}, 'Cancelled. ')),
        h('p', { class: 'refund' }, refundText(nb.refund) || depositText(nb))));
    } catch (e) { out.replaceChildren(errorBox(e)); yes.disabled = false; }
  });
}

export { addDays };
