// The sandbox page: keeps the latest snapshot from the server (Server-Sent Events), what the visitor
// has selected, and turns clicks into calls to the sandbox API. Rendering lives in phone.js/slack.js.
import { escapeHtml, formatPhone, initials } from './format.js';
import { renderChat } from './phone.js';
import { renderChannel, renderThread } from './slack.js';

const $ = (id) => document.getElementById(id);

/** What the visitor chose; everything else comes from the server's snapshot. */
const ui = {
  numberId: null,
  waId: null,
  channelId: null,
  openThreadTs: null,
  agentId: null,
  quotedWamid: null,
  reactingTo: null,
  /** Threads the page opened by itself once, so closing one is respected. */
  autoOpened: new Set(),
};
let snapshot = null;

// ── talking to the sandbox ───────────────────────────────────────────────────────────────────

async function call(path, body = {}) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const result = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(result.error ?? `HTTP ${response.status}`);
  return result;
}

/** Runs an action, showing its error instead of failing silently. */
async function attempt(action) {
  try {
    return await action();
  } catch (error) {
    toast(error.message);
    return undefined;
  }
}

function toast(text, kind = 'error') {
  const element = $('toast');
  element.textContent = text;
  element.dataset.kind = kind;
  element.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (element.hidden = true), 5000);
}

function connect() {
  const source = new EventSource('/api/events');
  const connection = $('connection');
  source.addEventListener('open', () => {
    connection.dataset.state = 'live';
    connection.textContent = '● live';
  });
  source.addEventListener('error', () => {
    connection.dataset.state = 'lost';
    connection.textContent = 'reconnecting…';
  });
  source.addEventListener('state', (event) => {
    snapshot = JSON.parse(event.data);
    render();
  });
  source.addEventListener('activity', (event) => addActivity(JSON.parse(event.data)));
}

// ── selections ───────────────────────────────────────────────────────────────────────────────

const line = () => snapshot.lines.find((candidate) => candidate.numberId === ui.numberId) ?? snapshot.lines[0];
const lineOfChannel = (channelId) => snapshot.lines.find((candidate) => candidate.channel.id === channelId);
const customer = () => snapshot.customers.find((candidate) => candidate.waId === ui.waId) ?? snapshot.customers[0];
const channel = () => snapshot.channels.find((candidate) => candidate.id === ui.channelId) ?? snapshot.channels[0];
const agent = () => snapshot.agents.find((candidate) => candidate.id === ui.agentId) ?? snapshot.agents[0];
const chatOf = (numberId, waId) => snapshot.chats.find((chat) => chat.numberId === numberId && chat.waId === waId);
const openThread = () => channel().threads.find((thread) => thread.ts === ui.openThreadTs);

/** The phone's business number and the Slack channel always show the same line. */
function selectLine(numberId) {
  ui.numberId = numberId;
  ui.channelId = line().channel.id;
}

function selectChannel(channelId) {
  ui.channelId = channelId;
  ui.numberId = lineOfChannel(channelId)?.numberId ?? ui.numberId;
}

/** After the phone switched customer or line: show that conversation's thread, if it has one. */
function followPhone() {
  ui.openThreadTs = channel().threads.find((thread) => thread.customerWaId === customer().waId)?.ts ?? null;
}

/** Opening a thread also shows that customer's phone, so both sides show one conversation. */
function selectThread(ts) {
  ui.openThreadTs = ts;
  const thread = openThread();
  if (thread?.customerWaId && snapshot.customers.some((known) => known.waId === thread.customerWaId)) ui.waId = thread.customerWaId;
}

// ── rendering ────────────────────────────────────────────────────────────────────────────────

function render() {
  ui.numberId ??= snapshot.lines[0].numberId;
  ui.waId ??= snapshot.customers[0].waId;
  ui.channelId ??= line().channel.id;
  ui.agentId ??= snapshot.agents[0].id;
  autoOpenThread();
  renderPickers();
  renderPhone();
  renderWhatsAppPanel();
  renderSlack();
  renderModal();
}

/** When the selected customer's thread first appears, open it: that is the moment worth seeing. */
function autoOpenThread() {
  if (ui.openThreadTs) return;
  const thread = channel().threads.find((candidate) => candidate.customerWaId === customer().waId);
  if (thread && !ui.autoOpened.has(thread.ts)) {
    ui.autoOpened.add(thread.ts);
    ui.openThreadTs = thread.ts;
  }
}

function renderPickers() {
  const customers = snapshot.customers.map((known) => `<option value="${known.waId}">${escapeHtml(known.name)}</option>`);
  customers.push('<option value="new">＋ New customer…</option>');
  setOptions($('customer-picker'), customers.join(''), customer().waId);
  const lines = snapshot.lines.map((known) => `<option value="${known.numberId}">${escapeHtml(known.name)} (${known.senderMode})</option>`);
  setOptions($('line-picker'), lines.join(''), line().numberId);
  const agents = snapshot.agents.map((known) => `<option value="${known.id}" title="${escapeHtml(known.realName)}">${escapeHtml(known.name)}${known.supervisor ? ' (supervisor)' : ' (agent)'}</option>`);
  setOptions($('agent-picker'), agents.join(''), agent().id);
}

/** Replaces a select's options only when they changed, so an open dropdown is not closed under the visitor. */
function setOptions(select, html, value) {
  if (select.dataset.options !== html) {
    select.innerHTML = html;
    select.dataset.options = html;
  }
  select.value = value;
}

function renderPhone() {
  const current = line();
  $('wa-avatar').textContent = initials(current.name);
  $('wa-title').textContent = current.name;
  $('wa-subtitle').textContent = `${formatPhone(current.displayNumber)} · business account`;
  const chat = chatOf(current.numberId, customer().waId);
  showHtml($('wa-chat'), renderChat(chat, { line: current, customer: customer(), reactingTo: ui.reactingTo }));
  const quoted = ui.quotedWamid && chat?.messages.find((message) => message.id === ui.quotedWamid);
  $('wa-quote').hidden = !quoted;
  if (quoted) $('wa-quote-text').textContent = quoted.text || quoted.label || '';
}

function renderWhatsAppPanel() {
  const options = snapshot.failurePresets.map((preset) => `<option value="${preset.code}">${preset.code} · ${escapeHtml(preset.title)}</option>`).join('');
  const picker = $('failure-picker');
  setOptions(picker, options, picker.value || String(snapshot.failurePresets[0].code));
  const chosen = snapshot.failurePresets.find((preset) => String(preset.code) === picker.value);
  $('failure-hint').textContent = chosen?.explanation ?? '';
  const armed = snapshot.armedFailures;
  $('armed-failures').innerHTML = armed.length
    ? `Armed: ${armed.map((preset) => `<span class="chip">${preset.code}</span>`).join(' ')} <button type="button" id="disarm">Disarm</button>`
    : '';
}

function renderSlack() {
  const current = channel();
  const currentLine = lineOfChannel(current.id);
  const view = {
    agentId: agent().id,
    agentName: agent().name,
    agents: snapshot.agents,
    openThreadTs: ui.openThreadTs,
    alertsChannel: !currentLine,
    nameOf: (id) => snapshot.agents.find((known) => known.id === id)?.name ?? id,
  };
  $('channel-list').innerHTML = snapshot.channels
    .map((known) => {
      const count = known.threads.length;
      return `<button type="button" data-channel="${known.id}" class="${known.id === current.id ? 'active' : ''}"># ${escapeHtml(known.name)}${count ? `<span class="badge">${count}</span>` : ''}</button>`;
    })
    .join('');
  $('channel-name').textContent = `# ${current.name}`;
  $('channel-topic').textContent = currentLine ? topicOf(currentLine) : 'Supervisors: alerts about the WhatsApp numbers (quality, account). SUPERVISOR_CHANNEL_ID points the bridge here.';
  $('channel-input').placeholder = `Message #${current.name} — try /template list or /blocklist`;
  showHtml($('channel-messages'), renderChannel(current, view));

  const thread = openThread();
  $('thread-panel').hidden = !thread;
  if (thread) {
    $('thread-channel').textContent = `# ${current.name}`;
    showHtml($('thread-messages'), renderThread(thread, view));
    const who = snapshot.customers.find((known) => known.waId === thread.customerWaId)?.name ?? 'the customer';
    $('thread-hint').textContent =
      currentLine?.senderMode === 'agent'
        ? `Goes to ${who} on WhatsApp, signed “${agent().name}”. Start with // for an internal note.`
        : `Goes to ${who} on WhatsApp as ${currentLine?.name ?? 'the business'}. Start with // for an internal note.`;
  }
}

/** A modal the bridge opened for the agent the visitor is; drawn once per modal, so typing is not lost on redraws. */
function renderModal() {
  const modal = snapshot.openViews.find((view) => !view.user || view.user === agent().id);
  const backdrop = $('modal');
  const form = $('modal-form');
  if (!modal) {
    backdrop.hidden = true;
    form.dataset.viewId = '';
    return;
  }
  backdrop.hidden = false;
  if (form.dataset.viewId === modal.id) return;
  form.dataset.viewId = modal.id;
  const inputs = modal.inputs.map((input, index) => {
    const attributes = `name="input-${index}" placeholder="${escapeHtml(input.placeholder ?? '')}" ${index === 0 ? 'autofocus' : ''}`;
    const field = input.multiline
      ? `<textarea ${attributes} rows="3">${escapeHtml(input.initial ?? '')}</textarea>`
      : `<input ${attributes} autocomplete="off" value="${escapeHtml(input.initial ?? '')}">`;
    return `<label>${escapeHtml(input.label)}${field}</label>`;
  });
  form.innerHTML = `<div class="modal-title"><span>${escapeHtml(modal.title)}</span><button type="button" class="icon-button" data-modal-close title="Close">✕</button></div>
    <div class="modal-body">${modal.texts.map((text) => `<div>${escapeHtml(text)}</div>`).join('')}${inputs.join('')}
      <div class="modal-note">A Slack modal the bridge opened with <code>views.open</code>; submitting sends Slack's <code>view_submission</code>.</div></div>
    <div class="modal-actions"><button type="button" data-modal-close>${escapeHtml(modal.close)}</button><button type="submit">${escapeHtml(modal.submit)}</button></div>`;
  form.querySelector('input, textarea')?.focus();
}

function topicOf(known) {
  const language = known.language === 'es' ? 'Spanish' : 'English';
  const mode = known.senderMode === 'agent' ? 'agent mode: replies are signed with the agent’s name' : 'branded: customers see only the company';
  return `WhatsApp ${known.name} · ${formatPhone(known.displayNumber)} · ${language} · ${mode}`;
}

/**
 * Redraws a scrolling list when its HTML changed, staying at the bottom if the visitor was there (new
 * messages come in at the bottom, and pictures that load later grow the list). A player that is
 * playing, or was played, is kept as it is, so a redraw does not stop the video someone watches.
 */
const shownHtml = new WeakMap();
function showHtml(element, html) {
  if (shownHtml.get(element) === html) return;
  shownHtml.set(element, html);
  const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
  const previous = element.scrollTop;
  const players = new Map();
  for (const player of element.querySelectorAll('audio, video')) if (!player.paused || player.currentTime > 0) players.set(player.getAttribute('src'), player);
  element.innerHTML = html;
  for (const player of element.querySelectorAll('audio, video')) {
    const kept = players.get(player.getAttribute('src'));
    if (kept) {
      player.replaceWith(kept);
      players.delete(player.getAttribute('src'));
    }
  }
  element.scrollTop = atBottom ? element.scrollHeight : previous;
  if (!atBottom) return;
  for (const media of element.querySelectorAll('img, video')) {
    if (media.tagName === 'IMG' && media.complete) continue;
    media.addEventListener(media.tagName === 'IMG' ? 'load' : 'loadedmetadata', () => (element.scrollTop = element.scrollHeight), { once: true });
  }
}

// ── under the hood ───────────────────────────────────────────────────────────────────────────

function addActivity(entry) {
  const list = $('activity-list');
  const route = { 'whatsapp:in': 'WhatsApp → bridge', 'whatsapp:out': 'bridge → WhatsApp API', 'slack:in': 'Slack → bridge', 'slack:out': 'bridge → Slack API' }[`${entry.service}:${entry.direction}`];
  const item = document.createElement('li');
  item.className = entry.ok ? '' : 'bad';
  const time = new Date(entry.at).toLocaleTimeString([], { hour12: false }) + '.' + String(entry.at % 1000).padStart(3, '0');
  item.innerHTML = `<span class="who">${time} ${route}</span>${escapeHtml(entry.text)}`;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(item);
  while (list.children.length > 300) list.firstElementChild.remove();
  if (atBottom) list.scrollTop = list.scrollHeight;
}

// ── the visitor's actions ────────────────────────────────────────────────────────────────────

function wire() {
  $('customer-picker').addEventListener('change', async (event) => {
    if (event.target.value !== 'new') {
      ui.waId = event.target.value;
      ui.quotedWamid = null;
      followPhone();
      return render();
    }
    const name = window.prompt('Name of the new customer (leave empty for a made-up one):', '') ?? null;
    if (name === null) return render();
    const created = await attempt(() => call('/api/customers', { name }));
    if (created) {
      ui.waId = created.waId;
      followPhone();
    }
    render();
  });
  $('line-picker').addEventListener('change', (event) => {
    selectLine(event.target.value);
    followPhone();
    render();
  });
  $('agent-picker').addEventListener('change', (event) => {
    ui.agentId = event.target.value;
    render();
  });

  $('wa-composer').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('wa-input');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    const quotedWamid = ui.quotedWamid;
    ui.quotedWamid = null;
    await attempt(() => call('/api/customer/message', { numberId: line().numberId, waId: customer().waId, text, ...(quotedWamid ? { quotedWamid } : {}) }));
  });
  $('wa-quote-cancel').addEventListener('click', () => {
    ui.quotedWamid = null;
    render();
  });
  $('attach-button').addEventListener('click', () => ($('attach-menu').hidden = !$('attach-menu').hidden));
  $('attach-menu').addEventListener('click', async (event) => {
    const kind = event.target.closest('[data-kind]')?.dataset.kind;
    if (!kind) return;
    $('attach-menu').hidden = true;
    if (kind === 'file') return $('wa-file').click();
    await attempt(() => call('/api/customer/attachment', { numberId: line().numberId, waId: customer().waId, kind }));
  });
  // The customer picks a real file: its bytes go to WhatsApp, with what is typed as the caption.
  $('wa-file').addEventListener('change', async (event) => {
    const [picked] = event.target.files;
    event.target.value = '';
    if (!picked) return;
    const caption = $('wa-input').value.trim();
    $('wa-input').value = '';
    await attempt(async () => {
      const data = await base64Of(picked);
      return call('/api/customer/file', { numberId: line().numberId, waId: customer().waId, name: picked.name, mimeType: picked.type || 'application/octet-stream', data, ...(caption ? { caption } : {}) });
    });
  });
  $('quality-alert').addEventListener('click', async () => {
    const result = await attempt(() => call('/api/whatsapp/quality-alert', { numberId: line().numberId }));
    if (result) toast(`Meta flagged ${line().name}: see #supervisors in Slack.`, 'info');
  });
  $('wa-chat').addEventListener('click', async (event) => {
    const bubble = event.target.closest('.bubble');
    if (!bubble) return;
    const action = event.target.closest('[data-action]')?.dataset.action;
    const emojiButton = event.target.closest('[data-emoji]');
    if (action === 'react') ui.reactingTo = ui.reactingTo === bubble.dataset.id ? null : bubble.dataset.id;
    if (action === 'quote') {
      ui.quotedWamid = bubble.dataset.id;
      $('wa-input').focus();
    }
    if (emojiButton) {
      ui.reactingTo = null;
      const current = chatOf(line().numberId, customer().waId)?.messages.find((message) => message.id === bubble.dataset.id)?.reactions.customer;
      // As on the phone: tapping your current reaction again takes it back.
      const emoji = emojiButton.dataset.emoji === current ? '' : emojiButton.dataset.emoji;
      await attempt(() => call('/api/customer/reaction', { numberId: line().numberId, waId: customer().waId, wamid: bubble.dataset.id, emoji }));
    }
    render();
  });

  $('failure-picker').addEventListener('change', () => renderWhatsAppPanel());
  $('arm-failure').addEventListener('click', () => attempt(() => call('/api/whatsapp/fail-next', { code: Number($('failure-picker').value) })));
  $('armed-failures').addEventListener('click', (event) => {
    if (event.target.id === 'disarm') attempt(() => call('/api/whatsapp/clear-failures'));
  });
  $('window-scenario').addEventListener('click', async () => {
    const result = await attempt(() => call('/api/scenarios/window', { numberId: line().numberId }));
    if (result) {
      ui.waId = result.customer.waId;
      ui.openThreadTs = null;
      render();
    }
  });

  $('channel-list').addEventListener('click', (event) => {
    const id = event.target.closest('[data-channel]')?.dataset.channel;
    if (!id) return;
    selectChannel(id);
    followPhone();
    render();
  });
  $('thread-close').addEventListener('click', () => {
    ui.openThreadTs = null;
    render();
  });
  for (const list of [$('channel-messages'), $('thread-messages')]) list.addEventListener('click', (event) => onMessageClick(event));

  submitAsAgent($('channel-composer'), $('channel-input'), () => undefined);
  submitAsAgent($('thread-composer'), $('thread-input'), () => ui.openThreadTs ?? undefined);

  // The agent attaches files in the thread: shared with the text typed so far, as Slack's file_share.
  $('thread-attach').addEventListener('click', () => $('thread-file').click());
  $('thread-file').addEventListener('change', async (event) => {
    const picked = [...event.target.files];
    event.target.value = '';
    if (picked.length === 0 || !ui.openThreadTs) return;
    const text = $('thread-input').value.trim();
    $('thread-input').value = '';
    const threadTs = ui.openThreadTs;
    await attempt(async () => {
      const files = await Promise.all(picked.map(async (entry) => ({ name: entry.name, data: await base64Of(entry), ...(entry.type ? { mimeType: entry.type } : {}) })));
      return call('/api/agent/message', { channel: channel().id, user: agent().id, threadTs, text, files });
    });
  });

  $('modal-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target;
    const modal = snapshot.openViews.find((view) => view.id === form.dataset.viewId);
    if (!modal) return;
    const values = {};
    modal.inputs.forEach((input, index) => {
      values[input.blockId] ??= {};
      values[input.blockId][input.actionId] = form.elements[`input-${index}`]?.value ?? '';
    });
    $('modal').hidden = true;
    await attempt(() => call('/api/agent/view-submit', { viewId: modal.id, user: agent().id, values }));
  });
  $('modal-form').addEventListener('click', async (event) => {
    if (!event.target.closest('[data-modal-close]')) return;
    const viewId = $('modal-form').dataset.viewId;
    $('modal').hidden = true;
    if (viewId) await attempt(() => call('/api/agent/view-close', { viewId }));
  });
}

/** A file's bytes as base64, for the JSON API. */
function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error(`could not read ${file.name}`));
    reader.readAsDataURL(file);
  });
}

function submitAsAgent(form, input, threadTs) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    form.classList.add('busy');
    try {
      const ts = threadTs();
      await attempt(() => call('/api/agent/message', { channel: channel().id, user: agent().id, text, ...(ts ? { threadTs: ts } : {}) }));
    } finally {
      form.classList.remove('busy');
    }
  });
}

async function onMessageClick(event) {
  const target = event.target;
  const opener = target.closest('[data-open-thread]');
  if (opener) {
    selectThread(opener.dataset.openThread);
    return render();
  }
  const message = target.closest('.message');
  if (!message) return;
  const ts = message.dataset.ts;
  const base = { channel: channel().id, user: agent().id, ts };
  const button = target.closest('[data-action-id]');
  if (button) {
    button.disabled = true;
    await attempt(() => call('/api/agent/button', { ...base, actionId: button.dataset.actionId }));
    return;
  }
  if (target.closest('[data-shortcut]')) {
    await attempt(() => call('/api/agent/shortcut', base));
    return;
  }
  const react = target.closest('[data-react]');
  const pill = target.closest('[data-pill]');
  if (react) await attempt(() => call('/api/agent/reaction', { ...base, name: react.dataset.react }));
  else if (pill) await attempt(() => call('/api/agent/reaction', { ...base, name: pill.dataset.pill, remove: pill.dataset.mine === 'true' }));
  else if (target.closest('[data-edit]')) {
    const current = message.querySelector('.message-text')?.textContent.replace(/ \(edited\)$/, '') ?? '';
    const text = window.prompt('Edit your message:', current);
    if (text) await attempt(() => call('/api/agent/edit', { channel: channel().id, ts, text }));
  } else if (target.closest('[data-delete]')) {
    await attempt(() => call('/api/agent/delete', { channel: channel().id, ts }));
  }
}

wire();
connect();
