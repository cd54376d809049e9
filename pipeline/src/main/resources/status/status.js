'use strict';
// The status page: plain JavaScript, no library, nothing loaded from elsewhere (the machine may have no internet).

// ---- formatting helpers: human units, never raw JSON ----
const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const ACRONYMS = {id: 'ID', ids: 'IDs', url: 'URL', wal: 'WAL', lsn: 'LSN', dlq: 'DLQ', sql: 'SQL', ssot: 'SSOT', vapi: 'Vapi'};

function fmtNumber(n) {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', {maximumFractionDigits: 2});
}
function fmtBytes(n) {
  if (n < 0) { return 'not sampled yet'; }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}
function fmtDuration(seconds) {
  const s = Math.max(0, Number(seconds));
  if (s < 1) { return Math.round(s * 1000) + ' ms'; }
  if (s < 60) { return (s < 10 ? Math.round(s * 10) / 10 : Math.round(s)) + ' s'; }
  const m = Math.floor(s / 60);
  if (m < 60) { return m < 10 ? `${m} min ${Math.round(s % 60)} s` : `${m} min`; }
  const h = Math.floor(m / 60);
  if (h < 24) { return `${h} h ${m % 60} min`; }
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
const secondsSince = iso => Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
const clock = ms => new Date(ms).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});
function fmtInstant(iso) {
  if (!iso) { return '<span class="muted">—</span>'; }
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  const shown = sameDay ? d.toLocaleTimeString() : d.toLocaleString();
  return `<time datetime="${esc(iso)}" title="${esc(iso)}">${esc(shown)}</time> <span class="muted">(${fmtDuration(secondsSince(iso))} ago)</span>`;
}

/** "oldestUnrelayedAgeMs" -> ["Oldest unrelayed age", "ms"]: a readable label, and the unit its name carries. */
function labelAndUnit(key) {
  const words = String(key).replace(/_/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/\s+/).filter(Boolean);
  let unit = null;
  const last = words[words.length - 1];
  if (words.length > 1 && ['bytes', 'ms', 'millis', 'seconds'].includes(last)) { unit = last; words.pop(); }
  const label = words.map(w => ACRONYMS[w] || w).join(' ');
  return [label.charAt(0).toUpperCase() + label.slice(1), unit];
}
function fmtValue(unit, v) {
  if (v === null || v === undefined || v === '') { return '<span class="muted">—</span>'; }
  if (typeof v === 'boolean') { return v ? 'yes' : 'no'; }
  if (typeof v === 'number') {
    if (unit === 'bytes') { return fmtBytes(v); }
    if (unit === 'ms' || unit === 'millis') { return v < 0 ? '<span class="muted">—</span>' : fmtDuration(v / 1000); }
    if (unit === 'seconds') { return fmtDuration(v); }
    return fmtNumber(v);
  }
  const s = String(v);
  return ISO_INSTANT.test(s) ? fmtInstant(s) : esc(s);
}
/** Nested details flattened to [label, html] rows: {"inputLag": {"projector": 3}} -> ["Input lag › projector", "3"]. */
function fields(obj, prefix = '') {
  const rows = [];
  for (const [key, v] of Object.entries(obj || {})) {
    // below the top level a key may be data (a group name, a topic): shown as it is unless it is a camelCase field name
    const fieldName = !prefix || /^[a-z][a-z0-9]*[A-Z][a-zA-Z0-9]*$/.test(key);
    const [humanised, unit] = fieldName ? labelAndUnit(key) : [String(key), null];
    const label = prefix && fieldName ? humanised.charAt(0).toLowerCase() + humanised.slice(1) : humanised;
    const full = prefix ? `${prefix} › ${label}` : label;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      rows.push(...fields(v, full));
    } else if (Array.isArray(v) && v.some(x => x !== null && typeof x === 'object')) {
      v.forEach((x, i) => rows.push(...fields(x, `${full} ${i + 1}`)));
    } else if (Array.isArray(v)) {
      rows.push([full, v.length ? esc(v.join(', ')) : '<span class="muted">none</span>', key]);
    } else {
      rows.push([full, fmtValue(unit, v), key]);
    }
  }
  return rows;
}
function fieldList(details) {
  const rows = fields(details);
  if (!rows.length) { return '<span class="muted">no details</span>'; }
  return '<dl class="fields">' + rows.map(([label, html, key]) =>
    `<div${key === 'reason' ? ' class="reason"' : ''}><dt>${esc(label)}</dt><dd>${html}</dd></div>`).join('') + '</dl>';
}
const badge = (text, kind) => `<span class="badge ${esc(kind)}">${esc(text)}</span>`;
const statusBadge = s => badge(s || 'UNKNOWN', s === 'UP' ? 'ok' : s === 'DEGRADED' ? 'warn' : 'bad');

// ---- organisations by name ----
let orgNames = {};
function orgCell(id) {
  const o = orgNames[id];
  if (!o || !o.name) { return `<td><code class="id" title="not in the organizations table (yet)">${esc(id)}</code></td>`; }
  return `<td><span class="org" title="${esc(id)}">${esc(o.name)}</span><span class="sub muted">${esc(o.email || id)}</span></td>`;
}

// ---- tables ----
const fill = (id, rows, cols) => {
  document.querySelector('#' + id + ' tbody').innerHTML = rows.join('') ||
    `<tr><td colspan="${cols || 9}" class="muted">none</td></tr>`;
};
const unavailable = (id, cols, what, e) => fill(id,
  [`<tr><td colspan="${cols}" class="unavailable">${esc(what)} unavailable <span class="muted">${esc(e && e.message ? '(' + e.message + ')' : '')}</span></td></tr>`]);

// ---- charts: inline SVG step charts of the sampler's history ----
const W = 360, H = 132, PAD = {l: 44, r: 12, t: 10, b: 22};
// colours are classes (s-ok, s-c1, ...) of status.css: the server's Content-Security-Policy allows no inline style
const PALETTE = ['s-c1', 's-c2', 's-c3', 's-c4', 's-c5', 's-c6'];
const SERIES_COLOURS = {total: 's-bad', COMPLETED: 's-ok', FAILED: 's-bad', REJECTED: 's-warn'};
const OUTCOME_NAMES = {COMPLETED: 'succeeded', FAILED: 'failed', REJECTED: 'rejected'};
function niceMax(v) {
  if (v <= 1) { return 1; }
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) { if (m * p >= v) { return m * p; } }
  return 10 * p;
}
/** series: [{name, values}] with one value (or null: a gap) per time. Returns the figure's inner HTML. */
function stepChart(title, times, series, format) {
  const points = series.reduce((n, s) => n + s.values.filter(v => v !== null).length, 0);
  if (!times.length || !points) {
    return `<svg class="spark empty" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}: no samples yet" data-points="0">` +
      `<title>${esc(title)}: no samples yet</title><text x="${W / 2}" y="${H / 2}" text-anchor="middle" class="axis">no samples yet</text></svg>`;
  }
  const end = times[times.length - 1];
  const start = times.length > 1 ? times[0] : end - 60000;
  const max = Math.max(0, ...series.flatMap(s => s.values.filter(v => v !== null)));
  const top = niceMax(max);
  const x = t => PAD.l + (W - PAD.l - PAD.r) * (t - start) / Math.max(1, end - start);
  const y = v => PAD.t + (H - PAD.t - PAD.b) * (1 - v / top);
  let svg = '';
  for (const v of (top >= 2 ? [0, top / 2, top] : [0, top])) {
    svg += `<line class="grid" x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v)}" y2="${y(v)}"/>` +
      `<text class="axis" x="${PAD.l - 6}" y="${y(v) + 4}" text-anchor="end">${esc(format(v))}</text>`;
  }
  svg += `<text class="axis" x="${PAD.l}" y="${H - 6}">${esc(clock(start))}</text>` +
    `<text class="axis" x="${W - PAD.r}" y="${H - 6}" text-anchor="end">${esc(clock(end))}</text>`;
  // gaps: a sample where no series has a value (the component did not answer) is shaded, not drawn as zero
  times.forEach((t, i) => {
    if (series.every(s => s.values[i] === null)) {
      const x0 = x(times[Math.max(0, i - 1)]), x1 = x(times[Math.min(times.length - 1, i + 1)]);
      svg += `<rect class="gap" x="${(x0 + x(t)) / 2}" y="${PAD.t}" width="${Math.max(2, (x1 - x0) / 2)}" height="${H - PAD.t - PAD.b}"><title>no sample at ${esc(clock(t))}</title></rect>`;
    }
  });
  // drawn last to first, so the first series (the total, the successes) stays on top where lines overlap
  series.map((s, si) => [s, si]).reverse().forEach(([s, si]) => {
    const colour = s.colour || PALETTE[si % PALETTE.length];
    let d = '', open = false, lastI = -1;
    s.values.forEach((v, i) => {
      if (v === null) { open = false; return; }
      d += open ? ` H${x(times[i]).toFixed(1)} V${y(v).toFixed(1)}` : ` M${x(times[i]).toFixed(1)} ${y(v).toFixed(1)}`;
      open = true; lastI = i;
    });
    svg += `<path class="series ${colour}" d="${d.trim()}"><title>${esc(s.name)}</title></path>`;
    if (lastI >= 0) {
      svg += `<circle class="point ${colour}" cx="${x(times[lastI])}" cy="${y(s.values[lastI])}" r="2.8">` +
        `<title>${esc(s.name)}: ${esc(format(s.values[lastI]))} at ${esc(clock(times[lastI]))}</title></circle>`;
    }
  });
  const summary = series.map(s => {
    const vals = s.values.filter(v => v !== null);
    return `${s.name} now ${format(vals[vals.length - 1])}, max ${format(Math.max(...vals))}`;
  }).join('; ');
  const label = `${title}, ${clock(start)} to ${clock(end)}: ${summary}`;
  const legend = series.map((s, si) => {
    const vals = s.values.filter(v => v !== null);
    const now = vals.length ? format(vals[vals.length - 1]) : '—';
    const mx = vals.length ? format(Math.max(...vals)) : '—';
    return `<li><span class="swatch ${s.colour || PALETTE[si % PALETTE.length]}"></span>` +
      `<span class="name">${esc(s.name)}</span> <b>${esc(now)}</b> <span class="muted">max ${esc(mx)}</span></li>`;
  }).join('');
  return `<svg class="spark" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(label)}" data-points="${points}">` +
    `<title>${esc(label)}</title>${svg}</svg><ul class="legend">${legend}</ul>`;
}
function seriesOf(chart, pick) {
  return Object.entries(chart || {}).filter(([name, values]) => pick(name, values))
    .map(([name, values]) => ({name, values, colour: SERIES_COLOURS[name]}));
}
const count = v => fmtNumber(Math.round(v));

function drawCharts(h) {
  const times = (h.times || []).map(t => Date.parse(t));
  const c = h.charts || {};
  // the total, and a line per kind only when more than one kind occurred (else it would hide under the total)
  const kinds = seriesOf(c.openViolations, (name, vals) => name !== 'total' && vals.some(v => v > 0));
  const violations = seriesOf(c.openViolations, name => name === 'total').concat(kinds.length > 1 ? kinds : []);
  violations.forEach(s => { if (s.name !== 'total') { s.name = s.name.toLowerCase().replace(/_/g, ' '); } });
  document.querySelector('#chart-violations .plot').innerHTML = stepChart('Open violations', times, violations, count);
  const outcomes = seriesOf(c.provisioningOutcomes, () => true);
  outcomes.forEach(s => { s.name = OUTCOME_NAMES[s.name] || s.name.toLowerCase(); });
  document.querySelector('#chart-provisioning figcaption').textContent = `Provisioning outcomes per ${fmtDuration(h.intervalSeconds)}`;
  document.querySelector('#chart-provisioning .plot').innerHTML =
    stepChart(`Provisioning outcomes per ${fmtDuration(h.intervalSeconds)}`, times, outcomes, count);
  document.querySelector('#chart-lag .plot').innerHTML = stepChart('Consumer lag', times, seriesOf(c.consumerLag, () => true), count);
  // summary: outcomes in the last hour, from the samples (the sampler's window is the hour)
  const hourAgo = Date.now() - 3600 * 1000;
  const sum = name => ((c.provisioningOutcomes || {})[name] || []).reduce((n, v, i) => n + (v !== null && times[i] >= hourAgo ? v : 0), 0);
  const since = times.length && times[0] > hourAgo + 60000 ? ` · since ${clock(times[0])}` : '';
  tile('sum-provisioning', count(sum('COMPLETED')) + ' succeeded',
    `${count(sum('FAILED'))} failed · ${count(sum('REJECTED'))} rejected${since}`, sum('FAILED') > 0 ? 'warn' : 'ok');
}

function tile(id, value, note, kind) {
  const el = document.getElementById(id);
  el.className = 'tile ' + (kind || '');
  el.querySelector('.tile-value').textContent = value;
  el.querySelector('.tile-note').textContent = note || '';
}

// ---- data ----
// The token (when the server has one) is asked for once and kept for this browser session only, never in a URL.
const TOKEN_KEY = 'ssot-status-token';
class Unauthorized extends Error {}
class Unavailable extends Error {}
async function getJson(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const r = await fetch(path, {cache: 'no-store', headers: token ? {'Authorization': 'Bearer ' + token} : {}});
  if (r.status === 401) { throw new Unauthorized(path); }
  if (!r.ok) {
    let reason = String(r.status);
    try { const body = await r.json(); if (body && body.error) { reason += ': ' + body.error; } } catch (ignored) { /* not JSON */ }
    throw new Unavailable(reason);
  }
  return r.json();
}
function askForToken(wrong) {
  const form = document.getElementById('login');
  form.hidden = false;
  document.getElementById('login-error').textContent = wrong ? 'That token was refused.' : '';
}
document.getElementById('login').addEventListener('submit', e => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById('token').value);
  document.getElementById('token').value = '';
  document.getElementById('login').hidden = true;
  refresh();
});

const RESOLVED_BY = {PROJECTOR: 'projector', BACKFILL: 'backfill', OPERATOR: 'operator (manual SQL)', NUMBER_CHANGED: 'number changed'};

function showViolations(v) {
  const list = Array.isArray(v) ? v : (v.violations || []);
  fill('violations', list.map(x => `<tr class="violation">${orgCell(x.orgId)}<td class="nowrap">${esc(x.phoneNumber)}</td>` +
    `<td>${badge(x.kind, 'bad')}</td><td>${fmtInstant(x.missingSince)}</td><td class="nowrap">${fmtDuration(secondsSince(x.missingSince))}</td></tr>`), 5);
  const oldest = list.reduce((m, x) => Math.max(m, secondsSince(x.missingSince)), 0);
  tile('sum-violations', String(list.length), list.length ? `oldest ${fmtDuration(oldest)}` : 'every managed number in the SSOT',
    list.length ? 'bad' : 'ok');
}
function showTimeline(t) {
  const episodes = Array.isArray(t.episodes) ? t.episodes : [];
  fill('timeline', episodes.map(e => {
    const open = e.state === 'OPEN';
    return `<tr class="episode${open ? ' open' : ''}">${orgCell(e.orgId)}<td class="nowrap">${esc(e.phoneNumber)}</td>` +
      `<td>${esc(String(e.kind || '').toLowerCase().replace(/_/g, ' '))}</td><td>${fmtInstant(e.openedAt)}</td>` +
      `<td class="nowrap">${open ? 'open for ' : ''}${fmtDuration(e.durationSeconds)}</td>` +
      `<td>${open ? badge('OPEN', 'bad') : esc(RESOLVED_BY[e.resolvedBy] || e.resolvedBy || 'resolved')}</td></tr>`;
  }), 6);
}
function showStatus(s) {
  if (s.orgNames && !s.orgNames.error) { orgNames = s.orgNames; }
  const health = Object.entries(s.health || {});
  fill('health', health.map(([k, h]) => `<tr class="component"><th scope="row">${esc(k)}</th>` +
    `<td>${statusBadge(h.status)}</td><td class="details">${fieldList(h.details)}</td></tr>`), 3);
  const up = health.filter(([, h]) => h.status === 'UP');
  const notUp = health.filter(([, h]) => h.status !== 'UP').map(([k, h]) => `${k} ${String(h.status).toLowerCase()}`);
  tile('sum-health', `${up.length}/${health.length}`, notUp.join(', ') || 'all up', notUp.length ? 'bad' : 'ok');

  const lag = s.consumerLag || {};
  if (lag.error) {
    unavailable('lag', 2, 'consumer lag', {message: lag.error});
    tile('sum-lag', '?', 'broker not answering', 'warn');
  } else {
    const groups = Object.entries(lag);
    fill('lag', groups.map(([g, n]) => `<tr><td>${esc(g)}</td><td class="num">${fmtNumber(n)}</td></tr>`), 2);
    const worst = groups.reduce((w, g) => (g[1] > w[1] ? g : w), ['', 0]);
    tile('sum-lag', fmtNumber(worst[1]) + ' records', worst[0] ? worst[0] : 'every group caught up', worst[1] > 1000 ? 'warn' : 'ok');
  }
  const sl = s.relaySlot || {};
  fill('slot', sl.error ? [`<tr><td colspan="3" class="unavailable">${esc(sl.error)}</td></tr>`]
    : [`<tr><td>${esc(sl.slot)}</td><td>${sl.active ? badge('streaming', 'ok') : badge('not streaming', 'bad')}</td>` +
      `<td class="num">${sl.lagBytes === null || sl.lagBytes === undefined ? '<span class="muted">no slot</span>' : fmtBytes(sl.lagBytes)}</td></tr>`], 3);
  fill('orgs', (Array.isArray(s.organizations) ? s.organizations : []).map(o => {
    const ok = Number(o.compliant) === Number(o.managed_numbers);
    return `<tr>${orgCell(o.org_id)}<td class="num">${fmtNumber(Number(o.managed_numbers))}</td>` +
      `<td class="num">${fmtNumber(Number(o.compliant))}</td><td>${ok ? badge('compliant', 'ok') : badge('VIOLATION', 'bad')}</td></tr>`; }), 4);
  fill('stuck', (Array.isArray(s.stuckSagas) ? s.stuckSagas : []).map(g => `<tr class="stuck"><td><code>${esc(g.requestId)}</code></td>` +
    orgCell(g.orgId) + `<td>${badge(g.state, 'bad')}</td><td class="nowrap">${esc(g.phoneNumber)}</td><td class="num">${esc(g.attempts)}</td>` +
    `<td class="details">${esc(g.error)}</td><td class="nowrap">${fmtDuration(secondsSince(g.updatedAt))}</td></tr>`), 7);
  fill('outcomes', (Array.isArray(s.outcomes) ? s.outcomes : []).map(o => `<tr><td>${badge(o.state,
    o.state === 'COMPLETED' ? 'ok' : o.state === 'FAILED' ? 'bad' : o.state === 'REJECTED' ? 'warn' : 'neutral')}</td>` +
    `<td>${esc(o.failure_point) || '<span class="muted">—</span>'}</td><td class="num">${fmtNumber(Number(o.n))}</td><td>${fmtInstant(o.last_at)}</td></tr>`), 4);
}

let refreshing = false;
async function refresh() {
  if (refreshing) { return; } // a slow answer must not pile requests up behind it
  refreshing = true;
  try { await refreshOnce(); } finally { refreshing = false; }
}
async function refreshOnce() {
  const [status, violations, timeline, history] = await Promise.allSettled(
    ['/api/status', '/api/violations', '/api/timeline', '/api/history'].map(getJson));
  if ([status, violations, timeline, history].some(r => r.status === 'rejected' && r.reason instanceof Unauthorized)) {
    askForToken(sessionStorage.getItem(TOKEN_KEY) !== null);
    return;
  }
  if (status.status === 'fulfilled') { showStatus(status.value); }
  if (violations.status === 'fulfilled') { showViolations(violations.value); } else {
    unavailable('violations', 5, 'reconciler', violations.reason);
    tile('sum-violations', '?', 'reconciler unavailable', 'warn');
  }
  if (timeline.status === 'fulfilled') { showTimeline(timeline.value); } else { unavailable('timeline', 6, 'timeline', timeline.reason); }
  if (history.status === 'fulfilled') { drawCharts(history.value); }
  document.getElementById('updated').textContent = 'Last refresh ' + new Date().toLocaleTimeString() + '.';
}
refresh(); setInterval(refresh, 1000);
