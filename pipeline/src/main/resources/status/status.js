const esc = s => String(s ?? '').replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
const fill = (id, rows) => { document.querySelector('#' + id + ' tbody').innerHTML = rows.join('') ||
  '<tr><td colspan="9" class="muted">none</td></tr>'; };
const age = since => { const s = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
  return s < 120 ? s + ' s' : Math.round(s / 60) + ' min'; };
// The token (when the server has one) is asked for once and kept for this browser session only, never in a URL.
const TOKEN_KEY = 'ssot-status-token';
class Unauthorized extends Error {}
async function getJson(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const r = await fetch(path, {cache: 'no-store', headers: token ? {'Authorization': 'Bearer ' + token} : {}});
  if (r.status === 401) { throw new Unauthorized(path); }
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
async function refresh() {
  try {
    const v = await getJson('/api/violations');
    const list = Array.isArray(v) ? v : (v.violations || []);
    fill('violations', list.map(x => `<tr class="violation"><td>${esc(x.orgId)}</td><td>${esc(x.phoneNumber)}</td>` +
      `<td class="bad">${esc(x.kind)}</td><td>${esc(x.missingSince)}</td><td>${age(x.missingSince)}</td></tr>`));
  } catch (e) {
    if (e instanceof Unauthorized) { askForToken(sessionStorage.getItem(TOKEN_KEY) !== null); return; }
    fill('violations', [`<tr><td colspan="5" class="bad">reconciler unavailable</td></tr>`]);
  }
  try {
    const s = await getJson('/api/status');
    fill('health', Object.entries(s.health || {}).map(([k, h]) => `<tr><td>${esc(k)}</td>` +
      `<td class="${esc(h.status)}">${esc(h.status)}</td><td class="details"><code>${esc(JSON.stringify(h.details))}</code></td></tr>`));
    fill('lag', Object.entries(s.consumerLag || {}).filter(([k]) => k !== 'error')
      .map(([g, n]) => `<tr><td>${esc(g)}</td><td>${esc(n)}</td></tr>`));
    const sl = s.relaySlot || {};
    fill('slot', [`<tr><td>${esc(sl.slot)}</td><td>${esc(sl.active)}</td><td>${esc(sl.lagBytes)}</td></tr>`]);
    fill('orgs', (Array.isArray(s.organizations) ? s.organizations : []).map(o => {
      const ok = Number(o.compliant) === Number(o.managed_numbers);
      return `<tr><td>${esc(o.name)}</td><td>${esc(o.managed_numbers)}</td>` +
        `<td>${esc(o.compliant)}</td><td class="${ok ? 'ok' : 'bad'}">${ok ? 'compliant' : 'VIOLATION'}</td></tr>`; }));
    fill('stuck', (Array.isArray(s.stuckSagas) ? s.stuckSagas : []).map(g => `<tr class="stuck"><td>${esc(g.requestId)}</td>` +
      `<td>${esc(g.orgId)}</td><td class="bad">${esc(g.state)}</td><td>${esc(g.phoneNumber)}</td><td>${esc(g.attempts)}</td>` +
      `<td class="details">${esc(g.error)}</td><td>${age(g.updatedAt)}</td></tr>`));
    fill('outcomes', (Array.isArray(s.outcomes) ? s.outcomes : []).map(o => `<tr><td>${esc(o.state)}</td>` +
      `<td>${esc(o.failure_point)}</td><td>${esc(o.n)}</td><td>${esc(o.last_at)}</td></tr>`));
  } catch (e) {
    if (e instanceof Unauthorized) { askForToken(sessionStorage.getItem(TOKEN_KEY) !== null); return; }
    /* the next refresh tries again */
  }
  document.getElementById('updated').textContent = 'Last refresh ' + new Date().toLocaleTimeString() + '.';
}
refresh(); setInterval(refresh, 1000);
