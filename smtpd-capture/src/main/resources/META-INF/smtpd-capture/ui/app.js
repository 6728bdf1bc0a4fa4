// The mail catcher's web UI: plain JavaScript, no framework and no build step, served from the jar under a
// Content-Security-Policy that allows this file alone (no inline script, no eval).
//
// Everything in a captured message (subjects, addresses, bodies, headers, file names) is untrusted: it reaches
// this page only as text (textContent, strings appended as text nodes, attribute values built here), never as
// HTML. The one place a message's HTML is rendered is a sandboxed frame, built by frameDocument().
'use strict';

// Relative to the page, so the UI works under any smtpd.capture.web.base-path.
const API = 'api/v1/';
const PAGE_SIZE = 50;
// The browser's zone, so that before:/after: dates in a search mean the user's days.
const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || '';

const state = {
  messages: [], // the list entries shown, newest first
  matched: 0, // how many the list (or search) has on the server
  stats: { Total: 0, Unread: 0 },
  query: '',
  listSeq: 0, // each list request's number: an answer older than the newest request is dropped
  viewSeq: 0, // the same for opening messages
  current: null, // the open message, as GET message/{ID} returned it
  tab: 'html',
  remoteImages: false,
  relay: { Enabled: false, SMTPServer: '' },
};

const $ = (id) => document.getElementById(id);

// el('li', { class: 'x', 'data-id': id }, 'text', node): attributes by setAttribute, children as text or nodes.
// Strings always become text nodes, which is what keeps message data from being parsed as HTML.
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value !== undefined && value !== null && value !== false) {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  node.append(...children.filter((child) => child !== undefined && child !== null && child !== false));
  return node;
}

// Calls the API; throws an Error carrying the API's own explanation ({status, error, message}) on failure.
async function api(path, { method = 'GET', body, text = false } = {}) {
  const init = { method, cache: 'no-store', headers: { Accept: text ? 'text/plain' : 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const error = await response.json();
      if (error && typeof error.message === 'string' && error.message) {
        message = error.message;
      }
    } catch (ignored) {
      // Not JSON (a proxy's page, say): the status line will do.
    }
    throw new Error(message);
  }
  return text ? response.text() : response.json();
}

function messagePath(id) {
  return `${API}message/${encodeURIComponent(id)}`;
}

// ---- Formatting ----

function addressText(address) {
  if (!address || (!address.Name && !address.Address)) {
    return '';
  }
  return address.Name ? `${address.Name} <${address.Address}>` : address.Address;
}

function addressList(addresses) {
  return (addresses || []).map(addressText).filter(Boolean).join(', ');
}

function shortDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  const now = new Date();
  if (date.toDateString() === now.toDateString()) {
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }
  const year = date.getFullYear() === now.getFullYear() ? undefined : 'numeric';
  return date.toLocaleDateString([], { day: 'numeric', month: 'short', year });
}

function longDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString();
}

function formatSize(bytes) {
  if (!(bytes >= 0)) {
    return '';
  }
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

let toastTimer = 0;

function toast(text) {
  const toastElement = $('toast');
  toastElement.textContent = text;
  toastElement.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toastElement.hidden = true; }, 6000);
}

// ---- The list ----

// What live events changed while the last list request was on its way: its answer is a snapshot from before some
// of them, and is corrected with this.
let pending = { arrived: [], removed: new Set(), cleared: false };

async function loadList(append = false) {
  const seq = ++state.listSeq;
  if (!append) {
    pending = { arrived: [], removed: new Set(), cleared: false };
  }
  const start = append ? state.messages.length : 0;
  // A reload asks for as many as are shown, so pages fetched with "Load more" survive live refreshes.
  const limit = append ? PAGE_SIZE : Math.max(PAGE_SIZE, state.messages.length);
  const paging = `start=${start}&limit=${limit}`;
  const path = state.query
    ? `${API}search?query=${encodeURIComponent(state.query)}&tz=${encodeURIComponent(TIME_ZONE)}&${paging}`
    : `${API}messages?${paging}`;
  try {
    const page = await api(path);
    if (seq !== state.listSeq) {
      return;
    }
    state.matched = page.messages_count;
    state.stats = { Total: page.total, Unread: page.unread };
    if (append) {
      // Messages that arrived meanwhile shift the offsets: skip what is already shown.
      const shown = new Set(state.messages.map((message) => message.ID));
      state.messages.push(...page.messages.filter((message) => !shown.has(message.ID)));
    } else {
      const fresh = pending.cleared ? [] : page.messages.filter((message) => !pending.removed.has(message.ID));
      const listed = new Set(fresh.map((message) => message.ID));
      const arrived = pending.arrived.filter((message) => !listed.has(message.ID)).reverse();
      state.messages = [...arrived, ...fresh];
      state.matched = (pending.cleared ? 0 : page.messages_count - (page.messages.length - fresh.length))
        + arrived.length;
    }
    renderList();
  } catch (error) {
    if (seq === state.listSeq) {
      $('list-status').textContent = `Could not load the messages: ${error.message}`;
    }
  }
}

// Several events in a row (a burst of mail while searching) make one request.
let reloadTimer = 0;

function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => loadList(), 250);
}

// Each message's row, kept across renders: rebuilding the list on every live event would drop the keyboard focus
// and the hover, and a row's content never changes (only its read and selected state, updated in place).
const rows = new Map();

function renderList() {
  const selected = state.current && state.current.ID;
  const list = $('list');
  let cursor = list.firstChild;
  for (const message of state.messages) {
    let row = rows.get(message.ID);
    if (!row) {
      row = listRow(message);
      rows.set(message.ID, row);
    }
    updateRow(row, message, message.ID === selected);
    // Rows already in place stay untouched; the others move (or come) here.
    if (row === cursor) {
      cursor = cursor.nextSibling;
    } else {
      list.insertBefore(row, cursor);
    }
  }
  while (cursor) {
    const next = cursor.nextSibling;
    rows.delete(cursor.dataset.id);
    cursor.remove();
    cursor = next;
  }
  $('more').hidden = state.messages.length >= state.matched;
  let status = '';
  if (!state.messages.length) {
    status = state.query ? 'No message matches the search.' : 'No messages yet: mail this server accepts shows up here.';
  }
  $('list-status').textContent = status;
  const counts = `${state.stats.Total} messages, ${state.stats.Unread} unread`;
  $('stats').textContent = state.query ? `${state.matched} found · ${counts}` : counts;
}

function listRow(message) {
  const from = message.From && (message.From.Name || message.From.Address);
  return el('li', { class: 'message', 'data-id': message.ID },
    el('a', { class: 'row', href: `#${encodeURIComponent(message.ID)}` },
      el('span', { class: 'from' }, from || '(no sender)'),
      el('time', { class: 'date', datetime: message.Created, title: longDate(message.Created) },
        shortDate(message.Created)),
      el('span', { class: 'subject' }, message.Subject || '(no subject)'),
      el('span', { class: 'snippet' }, message.Snippet || ''),
      message.Attachments > 0
        ? el('span', { class: 'clip' }, message.Attachments === 1 ? '1 file' : `${message.Attachments} files`)
        : null));
}

function updateRow(row, message, selected) {
  row.classList.toggle('unread', !message.Read);
  row.classList.toggle('read', Boolean(message.Read));
  row.classList.toggle('selected', selected);
  if (selected) {
    row.firstChild.setAttribute('aria-current', 'true');
  } else {
    row.firstChild.removeAttribute('aria-current');
  }
}

function removeLocally(ids) {
  const gone = new Set(ids.map(String));
  for (const id of gone) {
    pending.removed.add(id);
  }
  pending.arrived = pending.arrived.filter((message) => !gone.has(message.ID));
  const before = state.messages.length;
  state.messages = state.messages.filter((message) => !gone.has(message.ID));
  state.matched = Math.max(0, state.matched - (before - state.messages.length));
  if (state.current && gone.has(state.current.ID)) {
    closeMessage();
  }
}

// ---- Live events (server-sent events; each message is a JSON array of {Type, Data}) ----

function handleEvents(events) {
  for (const event of events) {
    const data = event.Data || {};
    switch (event.Type) {
      case 'new':
        if (state.query) {
          scheduleReload(); // only the server knows whether it matches the search
        } else if (!state.messages.some((message) => message.ID === data.ID)) {
          state.messages.unshift(data);
          state.matched++;
          pending.arrived.push(data);
        }
        break;
      case 'delete':
        removeLocally(data.IDs || []);
        break;
      case 'truncate':
        state.messages = [];
        state.matched = 0;
        pending = { arrived: [], removed: new Set(), cleared: true };
        closeMessage();
        break;
      case 'update': {
        const ids = new Set((data.IDs || []).map(String));
        for (const message of state.messages) {
          if (ids.has(message.ID)) {
            message.Read = data.Read === true;
          }
        }
        break;
      }
      case 'stats':
        state.stats = { Total: data.Total || 0, Unread: data.Unread || 0 };
        break;
      case 'refresh': // more changed at once than the server sends one by one
        scheduleReload();
        break;
      default: // a type from a newer server: ignored
        break;
    }
  }
  renderList();
}

function setLive(on) {
  const live = $('live');
  live.classList.toggle('on', on);
  live.title = on ? 'New messages show up as they arrive' : 'Not connected to live updates; retrying';
}

function connect() {
  const source = new EventSource('api/events');
  // On every (re)connection: what happened while nobody listened is not replayed, so reload the list.
  source.onopen = () => {
    setLive(true);
    loadList();
  };
  source.onmessage = (message) => {
    let events;
    try {
      events = JSON.parse(message.data);
    } catch (ignored) {
      return;
    }
    handleEvents(Array.isArray(events) ? events : [events]);
  };
  source.onerror = () => {
    setLive(false);
    // EventSource reconnects by itself after a dropped connection, but gives up after a refusal (503 when
    // too many pages listen): then try again later.
    if (source.readyState === EventSource.CLOSED) {
      setTimeout(connect, 10000);
    }
  };
}

// ---- One message ----

async function openMessage(id) {
  const seq = ++state.viewSeq;
  try {
    const message = await api(messagePath(id));
    if (seq !== state.viewSeq) {
      return;
    }
    state.current = message;
    state.tab = message.HTML ? 'html' : 'text';
    state.remoteImages = false;
    // Opening marks it read on the server; its event would say so too, a moment later.
    const listed = state.messages.find((entry) => entry.ID === message.ID);
    if (listed) {
      listed.Read = true;
    }
    renderList();
    renderView();
  } catch (error) {
    if (seq === state.viewSeq) {
      closeMessage();
      toast(error.message);
    }
  }
}

function closeMessage() {
  state.viewSeq++;
  state.current = null;
  if (location.hash) {
    history.replaceState(null, '', location.pathname + location.search);
  }
  renderView();
}

function route() {
  const id = decodeURIComponent(location.hash.slice(1));
  if (id) {
    openMessage(id);
  } else {
    closeMessage();
    renderList();
  }
}

function renderView() {
  const message = state.current;
  $('view').hidden = !message;
  $('no-view').hidden = Boolean(message);
  document.body.classList.toggle('viewing', Boolean(message)); // narrow screens show one pane at a time
  if (!message) {
    $('v-body').replaceChildren();
    return;
  }
  $('v-subject').textContent = message.Subject || '(no subject)';
  const envelope = message.Envelope || {};
  const fields = [
    ['From', addressText(message.From)],
    ['To', addressList(message.To)],
    ['Cc', addressList(message.Cc)],
    ['Bcc', addressList(message.Bcc)],
    ['Reply-To', addressList(message.ReplyTo)],
    ['Date', longDate(message.Date)],
    ['MAIL FROM', envelope.MailFrom],
    ['RCPT TO', (envelope.RcptTo || []).join(', ')],
    ['Client', envelope.Client],
    ['Size', formatSize(message.Size)],
  ];
  $('v-envelope').replaceChildren(...fields.filter(([, value]) => value)
    .flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]));
  $('v-parts').replaceChildren(
    ...(message.Attachments || []).map((part) => partItem(message, part, false)),
    ...(message.Inline || []).map((part) => partItem(message, part, true)));
  const release = $('release');
  release.disabled = !state.relay.Enabled;
  release.title = state.relay.Enabled
    ? `Send it to ${state.relay.SMTPServer}`
    : 'Releasing needs a server: set smtpd.capture.release.address';
  renderTab();
}

function partUrl(message, part) {
  return `${messagePath(message.ID)}/part/${encodeURIComponent(part.PartID)}`;
}

function partItem(message, part, inline) {
  // The server sends parts as downloads (Content-Disposition: attachment), never as a page of this origin.
  const details = `${part.ContentType}, ${formatSize(part.Size)}${inline ? ', inline' : ''}`;
  return el('li', {},
    el('a', { class: 'part', href: partUrl(message, part) }, part.FileName || `part ${part.PartID}`),
    ' ', el('span', { class: 'details' }, details));
}

async function renderTab() {
  const message = state.current;
  const tab = state.tab;
  for (const button of document.querySelectorAll('[data-tab]')) {
    button.setAttribute('aria-selected', String(button.dataset.tab === tab));
    button.disabled = button.dataset.tab === 'html' && !message.HTML;
  }
  const body = $('v-body');
  const remote = $('remote');
  remote.hidden = true;
  if (tab === 'html') {
    const view = frameDocument(message, state.remoteImages);
    body.replaceChildren(htmlFrame(view.html));
    remote.hidden = !view.remote || state.remoteImages;
  } else if (tab === 'text') {
    body.replaceChildren(el('pre', { class: 'text' }, message.Text || '(This message has no text part.)'));
  } else {
    body.replaceChildren(el('p', { class: 'status' }, 'Loading…'));
    try {
      if (tab === 'headers') {
        message.loadedHeaders = message.loadedHeaders || await api(`${messagePath(message.ID)}/headers`);
      } else {
        message.loadedRaw = message.loadedRaw || await api(`${messagePath(message.ID)}/raw`, { text: true });
      }
    } catch (error) {
      if (state.current === message && state.tab === tab) {
        body.replaceChildren(el('p', { class: 'error' }, error.message));
      }
      return;
    }
    if (state.current !== message || state.tab !== tab) {
      return; // the user moved on while it loaded
    }
    body.replaceChildren(tab === 'headers'
      ? headersTable(message.loadedHeaders)
      : el('pre', { class: 'raw' }, message.loadedRaw));
  }
}

function headersTable(headers) {
  const lines = [];
  for (const [name, values] of Object.entries(headers || {})) {
    for (const value of values) {
      lines.push(el('tr', {}, el('th', { scope: 'row' }, name), el('td', {}, value)));
    }
  }
  return el('table', { class: 'headers' }, el('tbody', {}, ...lines));
}

// The frame for a message's HTML. sandbox="" with no allow-* token: the document gets an opaque origin (so
// it cannot reach this page or its API as same-origin) and may run no script, submit no form, open no
// window and navigate no other frame. No token is ever added here.
function htmlFrame(srcdoc) {
  const frame = el('iframe', {
    id: 'v-frame', class: 'html', sandbox: '', referrerpolicy: 'no-referrer', title: 'The message, as HTML',
  });
  frame.srcdoc = srcdoc;
  return frame;
}

const REMOTE = /^\s*(?:https?:)?\/\//i;
const CSS_URL = /url\(\s*(['"]?)(.*?)\1\s*\)/gi;

// The message's HTML, prepared for the sandboxed frame: a Content-Security-Policy first in its head (no script,
// no remote content; remote images only once asked for), cid: references pointed at the parts they name, and
// links reduced to http(s) and mailto. Returns { html, remote } (remote: whether it refers to remote images).
//
// DOMParser makes an inert document: it runs no script and loads nothing, so the rewriting is safe. The frame's
// safety does not depend on it, though: the sandbox and the policies (this one and the page's, which srcdoc
// frames inherit) hold even for what the rewriting misses.
function frameDocument(message, remote) {
  const doc = new DOMParser().parseFromString(message.HTML || '', 'text/html');
  const partBase = new URL(`${messagePath(message.ID)}/part/`, document.baseURI).href;
  const byContentId = new Map();
  for (const part of [...(message.Inline || []), ...(message.Attachments || [])]) {
    if (part.ContentID) {
      byContentId.set(part.ContentID, partBase + encodeURIComponent(part.PartID));
    }
  }
  let hasRemote = false;
  const rewrite = (url) => {
    if (REMOTE.test(url)) {
      hasRemote = true;
    }
    const cid = /^\s*cid:(.*)$/i.exec(url);
    if (!cid) {
      return null;
    }
    let id = cid[1].trim();
    try {
      id = decodeURIComponent(id); // RFC 2392: a cid: URL is percent-encoded
    } catch (ignored) {
      // Malformed escapes: look the id up as written.
    }
    return byContentId.get(id) || null;
  };
  const rewriteCss = (css) => css.replace(CSS_URL, (whole, quote, url) => {
    const target = rewrite(url);
    return target ? `url("${target}")` : whole;
  });

  // A <base> would re-aim relative URLs; <meta http-equiv> could refresh the frame elsewhere or set cookies.
  for (const node of doc.querySelectorAll('base, meta[http-equiv]')) {
    node.remove();
  }
  for (const node of doc.querySelectorAll('[src], [background]')) {
    for (const name of ['src', 'background']) {
      const target = node.hasAttribute(name) ? rewrite(node.getAttribute(name)) : null;
      if (target) {
        node.setAttribute(name, target);
      }
    }
  }
  for (const node of doc.querySelectorAll('[srcset]')) {
    if (/(?:^|,)\s*(?:https?:)?\/\//i.test(node.getAttribute('srcset'))) {
      hasRemote = true;
    }
  }
  for (const node of doc.querySelectorAll('[style]')) {
    node.setAttribute('style', rewriteCss(node.getAttribute('style')));
  }
  for (const node of doc.querySelectorAll('style')) {
    node.textContent = rewriteCss(node.textContent);
  }
  // Only web and mail links stay, aimed at a new tab (which the sandbox, allowing no popups, does not open:
  // the frame never navigates away from the message). javascript:, data: and this server's relative URLs go.
  for (const link of doc.querySelectorAll('a[href], area[href]')) {
    const href = link.getAttribute('href').trim();
    if (/^(?:https?|mailto):/i.test(href)) {
      link.setAttribute('target', '_blank');
      link.setAttribute('rel', 'noopener noreferrer');
    } else if (!href.startsWith('#')) {
      link.removeAttribute('href');
    }
  }

  // Inline parts load from this server's part URLs, named exactly: the frame's origin is opaque, so 'self'
  // would not mean this server there. (Escaped so that no character of it can end the source expression.)
  const partSource = partBase.replace(/[;,'\s]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const images = `data: cid: ${partSource}${remote ? ' http: https:' : ''}`;
  doc.head.prepend(
    el('meta', {
      'http-equiv': 'Content-Security-Policy',
      content: `default-src 'none'; style-src 'unsafe-inline'; img-src ${images}; font-src data:`,
    }),
    el('meta', { name: 'referrer', content: 'no-referrer' }));
  const doctype = doc.doctype ? new XMLSerializer().serializeToString(doc.doctype) : '';
  return { html: doctype + doc.documentElement.outerHTML, remote: hasRemote };
}

// ---- Actions ----

async function deleteCurrent() {
  const message = state.current;
  if (!message) {
    return;
  }
  try {
    await api(`${API}messages`, { method: 'DELETE', body: { IDs: [message.ID] }, text: true });
    removeLocally([message.ID]);
    renderList();
  } catch (error) {
    toast(`Could not delete the message: ${error.message}`);
  }
}

async function deleteAll() {
  if (!window.confirm('Delete every captured message?')) {
    return;
  }
  try {
    await api(`${API}messages`, { method: 'DELETE', body: {}, text: true });
    state.messages = [];
    state.matched = 0;
    closeMessage();
    renderList();
  } catch (error) {
    toast(`Could not delete the messages: ${error.message}`);
  }
}

function openRelease() {
  const message = state.current;
  if (!message || !state.relay.Enabled) {
    return;
  }
  const envelope = message.Envelope || {};
  const recipients = envelope.RcptTo && envelope.RcptTo.length
    ? envelope.RcptTo
    : (message.To || []).map((address) => address.Address);
  $('release-server').textContent = state.relay.SMTPServer || 'the configured server';
  $('release-to').value = recipients.join(', ');
  $('release-error').textContent = '';
  $('release-dialog').showModal();
}

async function sendRelease(event) {
  event.preventDefault(); // the form is never submitted: the API call below is the action
  const message = state.current;
  const to = $('release-to').value.split(/[\s,;]+/).filter(Boolean);
  const send = $('release-send');
  if (!message) {
    $('release-dialog').close();
    return;
  }
  send.disabled = true;
  try {
    await api(`${messagePath(message.ID)}/release`, { method: 'POST', body: { To: to }, text: true });
    $('release-dialog').close();
    toast(`Released to ${to.join(', ')}.`);
  } catch (error) {
    $('release-error').textContent = error.message;
  } finally {
    send.disabled = false;
  }
}

async function loadSettings() {
  try {
    const settings = await api(`${API}webui`);
    state.relay = settings.MessageRelay || state.relay;
    $('delete-all').hidden = settings.HideDeleteAllButton === true;
  } catch (ignored) {
    // Release stays disabled.
  }
  if (state.current) {
    renderView();
  }
}

// ---- Start ----

let searchTimer = 0;

function search() {
  clearTimeout(searchTimer);
  const query = $('query').value.trim();
  if (query !== state.query) {
    state.query = query;
    state.messages = [];
    loadList();
  }
}

function start() {
  $('search').addEventListener('submit', (event) => {
    event.preventDefault();
    search();
  });
  $('query').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, 300);
  });
  $('more').addEventListener('click', () => loadList(true));
  $('delete').addEventListener('click', deleteCurrent);
  $('delete-all').addEventListener('click', deleteAll);
  $('release').addEventListener('click', openRelease);
  $('release-form').addEventListener('submit', sendRelease);
  $('release-cancel').addEventListener('click', () => $('release-dialog').close());
  $('remote').addEventListener('click', () => {
    state.remoteImages = true;
    renderTab();
  });
  for (const button of document.querySelectorAll('[data-tab]')) {
    button.addEventListener('click', () => {
      state.tab = button.dataset.tab;
      renderTab();
    });
  }
  window.addEventListener('hashchange', route);
  loadSettings();
  loadList();
  connect();
  route();
}

start();
