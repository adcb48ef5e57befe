// whosent's page: sign-in, accounts, an account's messages live, a person.
// Every value from the API goes in as text (textContent, setAttribute), never as HTML.
'use strict';

const KEY = 'whosent.apiKey';
const POLL_MS = 2000;
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const ui = { view: 0, timer: 0, avatars: new Map() };

const WORDS = {
  state: { active: 'Active', credentials_rejected: 'Credentials rejected', captcha_required: 'Captcha required',
    restricted: 'Restricted', disabled: 'Disabled' },
  strategy: { time: 'By time', user_list: 'By user list', auto: 'Auto (user list, then time)' },
  mode: { plaintext: 'Plaintext', compatible: 'Compatible', safe: 'Safe (encrypted)' },
  method: { time: 'by time', user_list: 'by user list' },
  type: { text: 'Text', image: 'Image', voice: 'Voice', video: 'Video', shortvideo: 'Short video',
    location: 'Location', link: 'Link', event: 'Event' },
  event: { subscribe: 'Followed', unsubscribe: 'Unfollowed', CLICK: 'Menu click', VIEW: 'Menu link',
    LOCATION: 'Location report', SCAN: 'QR code scan' },
  gender: ['Unknown', 'Male', 'Female'],
};

// A new element: props are attributes (`text` the text content, `on` listeners); kids are nodes or text.
function el(tag, props, ...kids) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) node.append(kid);
  return node;
}

const words = (table, value) => table[value] || String(value).replace(/_/g, ' ');
const enc = encodeURIComponent;
const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
function when(secs) {
  const d = new Date(secs * 1000);
  return d.toDateString() === new Date().toDateString() ? timeFmt.format(d) : dateFmt.format(d);
}
const timeEl = (secs, props) => el('time', { datetime: new Date(secs * 1000).toISOString(), title: dateFmt.format(new Date(secs * 1000)), text: when(secs), ...props });
const badge = (text, tone, props) => el('span', { class: 'badge ' + (tone || ''), text, ...props });
const stateTone = (s) => (s === 'active' || s === 'resolved' ? 'ok' : s === 'pending' ? 'wait' : 'bad');

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

// One API read with the key; a refused key signs out. Paths are relative to the page's URL.
async function api(path, asBlob) {
  const key = sessionStorage.getItem(KEY);
  if (!key) throw new ApiError(401, 'Not signed in.');
  const res = await fetch(path, { headers: { 'x-api-key': key }, cache: 'no-store', credentials: 'omit' });
  if (res.status === 401) {
    signOut('Your API key was refused. Sign in again.');
    throw new ApiError(401, 'API key refused');
  }
  if (!res.ok) {
    let reason = '';
    try { reason = (await res.json()).error || ''; } catch { /* not JSON */ }
    throw new ApiError(res.status, reason || `The server answered ${res.status}.`);
  }
  return asBlob ? res.blob() : res.json();
}

function errorBox(err) {
  const text = err instanceof ApiError ? err.message : 'The server could not be reached. Check the connection and reload.';
  return el('p', { class: 'error', role: 'alert', 'data-testid': 'error', text });
}

// A person's face: their initial until the avatar, fetched once per person through one of
// their (account, openID), is shown from a blob URL in its place.
function face(name, cls, avatarOf) {
  const initial = (String(name || '').match(/[\p{L}\p{N}]/u) || ['?'])[0].toUpperCase();
  const box = el('span', { class: cls, 'aria-hidden': 'true', text: initial });
  if (!avatarOf) return box;
  const [fakeId, account, openId, testid] = avatarOf;
  let url = ui.avatars.get(fakeId);
  if (!url) {
    url = api(`accounts/${enc(account)}/senders/${enc(openId)}/avatar`, true).then((b) => URL.createObjectURL(b));
    ui.avatars.set(fakeId, url);
    url.catch(() => ui.avatars.delete(fakeId));
  }
  url.then((src) => box.replaceWith(el('img', { class: cls, src, alt: '', 'data-testid': testid })), () => {});
  return box;
}

// ---------------------------------------------------------------- sign-in

function signOut(message) {
  sessionStorage.removeItem(KEY);
  for (const url of ui.avatars.values()) url.then((u) => URL.revokeObjectURL(u), () => {});
  ui.avatars.clear();
  render(message);
}

function signIn(message) {
  const input = el('input', { id: 'api-key', type: 'password', 'data-testid': 'api-key', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'signin-error', hidden: !message, text: message || '' });
  const button = el('button', { class: 'primary', type: 'submit', 'data-testid': 'signin-submit', text: 'Sign in' });
  const form = el('form', { class: 'card signin', 'data-testid': 'signin', novalidate: true },
    el('h1', { text: 'Sign in' }),
    el('p', { text: 'Enter an API key of this whosent installation. It is kept in this tab only.' }),
    error, el('label', { for: 'api-key' }, 'API key', input), button);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) { error.textContent = 'Enter an API key.'; error.hidden = false; return; }
    button.disabled = true;
    try {
      const res = await fetch('accounts', { headers: { 'x-api-key': key }, cache: 'no-store', credentials: 'omit' });
      if (res.status === 401) throw new ApiError(401, 'That API key was refused. Check it and try again.');
      if (!res.ok) throw new ApiError(res.status, `The server answered ${res.status}. Try again later.`);
      sessionStorage.setItem(KEY, key);
      render();
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : 'The server could not be reached.';
      error.hidden = false;
      input.select();
    } finally { button.disabled = false; }
  });
  main.replaceChildren(form);
  input.focus();
}

// ---------------------------------------------------------------- accounts

async function accountsScreen(view) {
  const list = el('ul', { class: 'accounts', 'data-testid': 'accounts' });
  main.replaceChildren(el('div', { class: 'head' }, el('h1', { text: 'Accounts' }),
    el('span', { class: 'sub', text: 'Every account whosent watches, and how its senders are being found.' })), list);
  const load = async () => {
    const { accounts } = await api('accounts');
    if (view !== ui.view) return;
    list.replaceChildren(...accounts.map(accountCard));
    if (!accounts.length) list.replaceWith(el('p', { class: 'empty', text: 'No accounts are registered yet.' }));
  };
  await load();
  schedule(view, load, 30000);
}

function accountCard(a) {
  const unresolved = Object.entries(a.unresolved || {});
  const facts = el('dl', { class: 'facts' },
    el('dt', { text: 'Strategy' }), el('dd', { 'data-testid': 'account-strategy', 'data-value': a.strategy, text: words(WORDS.strategy, a.strategy) }),
    el('dt', { text: 'Mode' }), el('dd', { text: words(WORDS.mode, a.mode) }),
    el('dt', { text: 'Last login' }), el('dd', {}, a.last_login_at ? timeEl(a.last_login_at) : 'Never'),
    el('dt', { text: 'Pending' }), el('dd', { 'data-testid': 'account-pending', text: a.pending + (a.waiting ? ` (${a.waiting} waiting for a login)` : '') }),
    el('dt', { text: 'Resolved' }), el('dd', { text: a.resolved ?? 0 }),
    el('dt', { text: 'Unresolved' }), el('dd', { 'data-testid': 'account-unresolved' }, unresolved.length
      ? el('ul', { class: 'reasons' }, unresolved.map(([reason, n]) => el('li', { text: `${n} × ${reason}` })))
      : 'None'));
  return el('li', { class: 'card account', 'data-testid': 'account-row', 'data-account': a.account },
    el('div', { class: 'title' },
      el('a', { href: `#/accounts/${enc(a.account)}`, 'data-testid': 'account-link', text: a.account }),
      badge(words(WORDS.state, a.state), stateTone(a.state), { 'data-testid': 'account-state', 'data-value': a.state, title: a.state_reason })),
    facts);
}

// ---------------------------------------------------------------- messages

async function messagesScreen(view, account) {
  const list = el('ol', { class: 'messages', 'data-testid': 'messages', 'data-account': account });
  const m = { account, list, rows: new Map(), senders: new Map(), search: new WeakMap(), stale: new Set(), newest: 0, cursor: null, ticks: 0 };
  const stateFilter = el('select', { id: 'filter-state', 'data-testid': 'filter-state' },
    Object.entries({ all: 'All senders', resolved: 'Resolved', pending: 'Pending', unresolved: 'Unresolved' })
      .map(([value, text]) => el('option', { value, text })));
  const textFilter = el('input', { id: 'filter-text', type: 'search', 'data-testid': 'filter-text', placeholder: 'Text or nickname' });
  const live = el('span', { class: 'live', role: 'status', text: 'Loading…' });
  const empty = el('p', { class: 'empty', hidden: true, text: 'No messages yet.' });
  const more = el('button', { class: 'more', type: 'button', hidden: true, text: 'Older messages' });
  const heading = el('div', { class: 'head' }, el('h1', { class: 'name', dir: 'auto', text: account }));
  main.replaceChildren(el('div', { class: 'crumbs' }, el('a', { href: '#/accounts', text: 'Accounts' }), ' / Messages'),
    heading, el('div', { class: 'toolbar' },
      el('label', { for: 'filter-state' }, 'Sender', stateFilter),
      el('label', { class: 'grow', for: 'filter-text' }, 'Search', textFilter), live), list, empty, more);
  m.filter = () => filterRows(m, stateFilter.value, textFilter.value, empty);
  stateFilter.addEventListener('change', m.filter);
  textFilter.addEventListener('input', m.filter);
  api(`accounts/${enc(account)}`).then((a) => view === ui.view && heading.append(
    badge(words(WORDS.state, a.state), stateTone(a.state), { title: a.state_reason }),
    el('span', { class: 'sub', text: words(WORDS.strategy, a.strategy) })), () => {});
  const page = await api(`accounts/${enc(account)}/messages?limit=50`);
  if (view !== ui.view) return;
  m.cursor = page.next_cursor || null;
  addMessages(m, list, page.messages, false);
  more.hidden = !m.cursor;
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const older = await api(`accounts/${enc(account)}/messages?limit=50&cursor=${enc(m.cursor)}`);
      m.cursor = older.next_cursor || null;
      addMessages(m, list, older.messages, true);
      more.hidden = !m.cursor;
      await refreshSenders(m, view);
    } catch (err) { more.after(errorBox(err)); } finally { more.disabled = false; }
  });
  const tick = async () => {
    try {
      await fetchNew(m, list, view);
      await refreshSenders(m, view);
      live.className = 'live';
      live.textContent = `Live · updated ${timeFmt.format(new Date())}`;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) throw err;
      live.className = 'live bad';
      live.textContent = 'Connection lost; retrying…';
    }
  };
  await tick();
  schedule(view, tick, POLL_MS);
}

const messageKey = (msg) => [msg.create_time, msg.open_id, msg.msg_id, msg.msg_type, msg.event, msg.event_key].join('|');

// New messages since the newest shown, every page of them, kept above without moving what is in view.
async function fetchNew(m, list, view) {
  let path = `accounts/${enc(m.account)}/messages?limit=100&since=${m.newest}`;
  const fresh = [];
  for (let pages = 0; pages < 5 && path; pages++) {
    const page = await api(path);
    if (view !== ui.view) return;
    fresh.push(...page.messages);
    path = page.next_cursor ? `accounts/${enc(m.account)}/messages?limit=100&since=${m.newest}&cursor=${enc(page.next_cursor)}` : null;
  }
  keepInView(list, () => addMessages(m, list, fresh, false));
}

// Runs a change of the list without moving the row in view (at the very top, new rows show).
function keepInView(list, change) {
  if (window.scrollY < 4) return change();
  const anchor = [...list.children].find((row) => !row.hidden && row.getBoundingClientRect().bottom > 0);
  const top = anchor?.getBoundingClientRect().top;
  change();
  if (anchor?.isConnected) window.scrollBy(0, anchor.getBoundingClientRect().top - top);
}

// Adds rows not shown yet: at the top (newest first) or, for older pages, at the bottom.
function addMessages(m, list, messages, older) {
  const rows = [];
  for (const msg of messages) {
    const key = messageKey(msg);
    if (m.rows.has(key)) continue;
    const row = el('li', { class: 'card message', 'data-testid': 'message' });
    m.rows.set(key, { msg, row });
    fillRow(m, row, msg);
    rows.push(row);
    if (!older) m.stale.add(msg.open_id);
    m.newest = Math.max(m.newest, msg.create_time);
  }
  if (older) list.append(...rows); else list.prepend(...rows);
  m.filter();
}

// The sender of each openID on screen: read again on every poll while pending or without its
// profile, every tenth while unresolved, and after each new message of theirs.
async function refreshSenders(m, view) {
  const wanted = new Set(m.stale);
  m.stale.clear();
  const recheck = m.ticks++ % 10 === 0;
  for (const { msg } of m.rows.values()) {
    const known = m.senders.get(msg.open_id);
    const settled = known && (known.state === 'resolved'
      ? Boolean(known.profile) || ['not_following', 'waiting'].includes(known.profile_state)
      : known.state === 'unresolved' && !recheck);
    if (!settled) wanted.add(msg.open_id);
  }
  const open = [...wanted];
  while (open.length) {
    const batch = open.splice(0, 6);
    const views = await Promise.all(batch.map((o) => api(`accounts/${enc(m.account)}/senders/${enc(o)}`).catch((err) => {
      if (err.status === 401) throw err;
      return null;
    })));
    if (view !== ui.view) return;
    keepInView(m.list, () => batch.forEach((openId, i) => {
      const before = JSON.stringify(m.senders.get(openId) || null);
      if (!views[i] || JSON.stringify(views[i]) === before) return;
      m.senders.set(openId, views[i]);
      for (const { msg, row } of m.rows.values()) if (msg.open_id === openId) fillRow(m, row, msg);
    }));
  }
  m.filter();
}

// The row of one message, from the message and what is known of its sender.
function fillRow(m, row, msg) {
  const s = m.senders.get(msg.open_id);
  const snap = msg.sender || {};
  const fakeId = s?.fake_id ?? snap.fake_id;
  const profile = s?.profile || snap.profile;
  const state = s ? s.state : snap.state === 'pending' ? 'pending' : 'resolved';
  const nickname = profile?.nickname || s?.remark_name || (fakeId ? 'Profile not fetched yet' : 'Unknown sender');
  row.dataset.state = state;
  row.dataset.openId = msg.open_id;
  if (fakeId) row.dataset.fakeId = fakeId; else delete row.dataset.fakeId;
  m.search.set(row, `${msg.content || ''} ${Object.values(msg.details || {}).join(' ')} ${profile?.nickname || ''}`.toLowerCase());
  const name = el('span', { class: 'name', dir: 'auto', 'data-testid': 'sender-nickname', text: nickname });
  const who = el('div', { class: 'who' },
    fakeId ? el('a', { class: 'name', href: `#/people/${enc(fakeId)}`, 'data-testid': 'sender-link' }, name) : name,
    fakeId ? el('span', { class: 'mono', 'data-testid': 'fake-id', text: `FakeID ${fakeId}` }) : el('span', { class: 'mono', title: msg.open_id, text: msg.open_id }),
    timeEl(msg.create_time, { class: 'when', 'data-testid': 'message-time' }));
  const pic = fakeId && s?.avatar === 'stored' ? [fakeId, m.account, msg.open_id, 'sender-avatar'] : null;
  row.replaceChildren(el('div', {}, face(profile?.nickname, 'avatar', pic)), el('div', {}, who, content(msg), found(state, s)));
}

function found(state, s) {
  if (state === 'resolved' && s?.resolution) {
    const r = s.resolution;
    return el('div', { class: 'found', 'data-testid': 'resolution' }, badge('Resolved', 'ok'),
      `Found ${words(WORDS.method, r.method)} · `, el('span', { class: 'evidence', dir: 'auto', text: r.evidence }), ' · ', timeEl(r.resolved_at));
  }
  if (state === 'resolved') return el('div', { class: 'found', 'data-testid': 'resolution' }, badge('Resolved', 'ok'), s ? 'How it was found is not recorded.' : 'Loading how it was found…');
  const text = state === 'pending'
    ? (s?.reason ? `Waiting: ${s.reason}` : 'Looking for this sender in the console…')
    : `Not found: ${s?.reason || 'no reason recorded'}`;
  return el('div', { class: 'found', 'data-testid': 'sender-state', 'data-value': state },
    badge(state === 'pending' ? 'Pending' : 'Unresolved', stateTone(state)), el('span', { dir: 'auto', text }));
}

// A URL worth a link: http or https only.
function safeUrl(raw) {
  try { const u = new URL(String(raw)); return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null; } catch { return null; }
}

function content(msg) {
  const d = msg.details || {};
  const type = msg.msg_type === 'event' ? `Event: ${words(WORDS.event, msg.event || '')}` : words(WORDS.type, msg.msg_type);
  const box = el('div', { class: 'content', dir: 'auto', 'data-testid': 'message-content' });
  const head = el('div', {}, badge(type, '', { 'data-testid': 'message-type', 'data-value': msg.msg_type }));
  const facts = [];
  const fact = (label, value) => value != null && value !== '' && facts.push(el('dt', { text: label }), el('dd', { dir: 'auto' }, value));
  const link = (url, text) => { const u = safeUrl(url); return u ? el('a', { href: u, rel: 'noopener noreferrer', target: '_blank', text }) : url; };
  switch (msg.msg_type) {
    case 'text': box.textContent = msg.content ?? ''; break;
    case 'voice': box.append(el('span', { class: 'kind', text: 'Transcript:' }), d.recognition || 'none from the platform'); fact('Format', d.format); break;
    case 'location': box.append(el('span', { class: 'kind', text: 'Location:' }), `${d.location_x ?? '?'}, ${d.location_y ?? '?'}`); fact('Label', d.label); fact('Scale', d.scale); break;
    case 'link': box.append(el('span', { class: 'kind', text: 'Link:' }), d.title || '(no title)'); fact('URL', d.url && link(d.url, d.url)); fact('About', d.description); break;
    case 'image': box.append(el('span', { class: 'kind', text: 'Picture' }));
      fact('Picture', d.pic_url && link(d.pic_url, 'Open it on the platform’s server (an outside URL)')); fact('Media id', d.media_id); break;
    default:
      if (msg.content) box.textContent = msg.content;
      if (msg.event_key) fact('Key', msg.msg_type === 'event' && msg.event === 'VIEW' ? link(msg.event_key, msg.event_key) : msg.event_key);
      for (const [k, v] of Object.entries(d)) if (k !== 'event_key') fact(label(k), typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  return el('div', {}, head, box.childNodes.length ? box : null, facts.length ? el('dl', { class: 'details' }, facts) : null);
}

/** A details key as a label: `menu_id` → `Menu id`. */
const label = (key) => key.charAt(0).toUpperCase() + key.slice(1).replace(/_/g, ' ');

function filterRows(m, state, text, empty) {
  const needle = text.trim().toLowerCase();
  let shown = 0;
  for (const { row } of m.rows.values()) {
    const show = (state === 'all' || row.dataset.state === state) && (!needle || m.search.get(row).includes(needle));
    row.hidden = !show;
    shown += show;
  }
  empty.hidden = shown > 0;
  empty.textContent = m.rows.size ? 'No messages match the filters.' : 'No messages yet.';
}

// ---------------------------------------------------------------- a person

async function personScreen(view, fakeId) {
  const p = await api(`people/${enc(fakeId)}`);
  if (view !== ui.view) return;
  const profile = p.profile || {};
  const place = [profile.city, profile.province, profile.country].filter(Boolean).join(', ');
  const first = p.accounts[0];
  const pic = p.avatar === 'stored' && first ? [p.fake_id, first.account, first.open_id, 'person-avatar'] : null;
  const facts = el('dl', { class: 'facts' },
    el('dt', { text: 'FakeID' }), el('dd', { class: 'mono', text: p.fake_id }),
    el('dt', { text: 'Gender' }), el('dd', { text: WORDS.gender[profile.gender] || 'Unknown' }),
    el('dt', { text: 'Place' }), el('dd', { dir: 'auto', 'data-testid': 'person-place', text: place || '—' }),
    el('dt', { text: 'Signature' }), el('dd', { dir: 'auto', 'data-testid': 'person-signature', text: profile.signature || '—' }),
    el('dt', { text: 'Profile read' }), el('dd', {}, p.fetched_at ? timeEl(p.fetched_at) : 'Not yet'));
  const follows = el('ul', { class: 'follows' }, p.accounts.map((f) => el('li', { class: 'card follow', 'data-testid': 'person-follow', 'data-account': f.account, 'data-open-id': f.open_id },
    el('div', { class: 'top' }, el('a', { href: `#/accounts/${enc(f.account)}`, text: f.account }),
      el('span', { class: 'mono', title: f.open_id, text: `openID ${f.open_id}` }),
      f.follow_state ? badge(f.follow_state === 'following' ? 'Following' : 'Unfollowed', f.follow_state === 'following' ? 'ok' : 'wait') : null),
    f.resolution ? el('div', { class: 'found' }, `Found ${words(WORDS.method, f.resolution.method)} · `,
      el('span', { class: 'evidence', dir: 'auto', text: f.resolution.evidence }), ' · ', timeEl(f.resolution.resolved_at)) : null)));
  main.replaceChildren(el('div', { class: 'crumbs' }, el('a', { href: '#/accounts', text: 'Accounts' }), ' / Person'),
    el('section', { class: 'card person', 'data-testid': 'person', 'data-fake-id': p.fake_id },
      el('div', {}, face(profile.nickname, 'avatar big', pic)),
      el('div', {}, el('h1', { dir: 'auto', 'data-testid': 'person-nickname', text: profile.nickname || 'Profile not fetched yet' }), facts)),
    el('h2', { text: `On ${p.accounts.length} account${p.accounts.length === 1 ? '' : 's'}` }), follows);
}

// ---------------------------------------------------------------- routing

// Runs `step` every `ms` while the screen stays, skipping while the tab is hidden.
function schedule(view, step, ms) {
  const again = () => {
    if (view !== ui.view) return;
    ui.timer = setTimeout(async () => {
      if (view !== ui.view) return;
      if (!document.hidden) { try { await step(); } catch (err) { if (err.status === 401) return; } }
      again();
    }, ms);
  };
  again();
}

async function render(message) {
  clearTimeout(ui.timer);
  const view = ++ui.view;
  const signedIn = Boolean(sessionStorage.getItem(KEY));
  nav.hidden = !signedIn;
  if (!signedIn) return signIn(message);
  let parts;
  try { parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent); } catch { parts = []; }
  main.replaceChildren(el('p', { class: 'empty', text: 'Loading…' }));
  try {
    if (parts[0] === 'accounts' && parts[1]) await messagesScreen(view, parts[1]);
    else if (parts[0] === 'people' && parts[1]) await personScreen(view, parts[1]);
    else if (parts[0] !== 'accounts' || parts.length > 1) location.replace('#/accounts');
    else await accountsScreen(view);
  } catch (err) {
    if (view === ui.view && !(err instanceof ApiError && err.status === 401)) main.replaceChildren(errorBox(err));
  }
}

document.getElementById('signout').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => render());
render();
