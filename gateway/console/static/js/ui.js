// ui.js: a tiny DOM builder (no innerHTML: text stays text) and shared bits.

export function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

// clean drops the absent kids (replaceChildren would print "null").
export const clean = (kids) => kids.flat(Infinity).filter((k) => k !== null && k !== undefined && k !== false);

export function money(amount, currency) {
  try {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(amount / 100);
  } catch { return `${(amount / 100).toFixed(2)} ${currency}`; }
}

export function toast(msg) {
  const t = document.getElementById('toast');
  t.textContent = msg;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 5000);
}

// field is a labelled input; attrs go to the input.
export function field(label, attrs = {}, hint) {
  const id = attrs.id || 'f-' + Math.random().toString(36).slice(2, 9);
  const { tag, options, ...rest } = attrs;
  const described = hint ? id + '-hint' : undefined;
  const input = tag === 'select' ? h('select', { ...rest, id, 'aria-describedby': described }, options || [])
    : h('input', { ...rest, id, 'aria-describedby': described });
  return h('div', { class: 'field' }, h('label', { for: id }, label), input,
    hint ? h('small', { id: id + '-hint', class: 'hint' }, hint) : null);
}

export function errorBox(err) {
  const lines = [err.message || String(err)];
  const fields = err.details?.fields;
  if (fields && typeof fields === 'object') {
    for (const [k, v] of Object.entries(fields)) lines.push(`${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
  }
  return h('div', { class: 'error', role: 'alert' }, lines.map((l, i) => (i ? h('div', {}, l) : h('strong', {}, l))));
}

// modal opens a <dialog> (focus moves in, Escape closes, focus returns).
export function modal(title, body, { onClose } = {}) {
  const back = document.activeElement;
  const heading = h('h2', { id: 'dlg-title', tabindex: '-1' }, title);
  const close = h('button', { type: 'button', class: 'close', 'aria-label': 'Close', text: '×' });
  const content = h('div', { class: 'dlg-body' }, body);
  const dlg = h('dialog', { 'aria-labelledby': 'dlg-title', class: 'dlg' }, h('div', { class: 'dlg-head' }, heading, close), content);
  close.addEventListener('click', () => dlg.close());
  dlg.addEventListener('close', () => { dlg.remove(); onClose?.(); if (back && back.focus) back.focus(); });
  document.body.append(dlg);
  dlg.showModal();
  heading.focus();
  return { dlg, content, set: (...kids) => { content.replaceChildren(...clean(kids)); } };
}

export const statusLabel = {
  BLOCKED: 'Holding (payment pending)', CONFIRMED: 'Confirmed', CANCELLED: 'Cancelled', AVAILED: 'Visited, settled',
  NO_SHOW: 'No-show', EXPIRED: 'Expired', FAILED: 'Failed',
};

export function badge(status) {
  return h('span', { class: 'badge st-' + status.toLowerCase() }, statusLabel[status] || status);
}

export function depositText(b) {
  const d = b.deposit;
  if (!d || !d.amount) return 'No deposit';
  const st = { charged: 'charged', refunded: 'refunded', refund_pending: 'refund pending', kept: 'kept', pending: 'pending',
    voided: 'voided', void_pending: 'void pending', failed: 'failed', none: '' }[d.status] ?? d.status;
  return `Deposit ${money(d.amount, d.currency)}${st ? ' (' + st + ')' : ''}`;
}

export function refundText(r) {
  if (!r) return '';
  if (r.status === 'none' || !r.amount) return `No refund: ${r.reason || 'the deposit is kept'}`;
  return `Refund ${money(r.amount, r.currency)} ${r.status === 'refunded' ? 'refunded' : '(' + r.status + ')'}${r.reason ? ': ' + r.reason : ''}`;
}
