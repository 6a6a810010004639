// The Slack side: a channel's threads and a thread panel, as HTML.
import { clock, escapeHtml, initials, slackToHtml } from './format.js';
import { formatSize } from './phone.js';

/** Quick reactions an agent can add; the last one is a custom workspace emoji with no Unicode twin. */
export const AGENT_REACTIONS = [
  { name: '+1', emoji: '👍' },
  { name: 'heart', emoji: '❤️' },
  { name: 'pray', emoji: '🙏' },
  { name: 'joy', emoji: '😂' },
  { name: 'tada', emoji: '🎉' },
  { name: 'partyparrot', emoji: null },
];
const AGENT_COLORS = ['#9b51e0', '#1d9bd1', '#e8912d', '#2bac76'];

export function renderChannel(channel, view) {
  const items = [
    ...channel.threads.map((thread) => ({ at: thread.header.at, html: threadSummary(thread, view) })),
    ...channel.loose.map((item) => ({ at: item.at, html: message(item, view, {}) })),
  ].sort((a, b) => a.at - b.at);
  if (items.length === 0) {
    if (view.alertsChannel) {
      return `<div class="channel-empty">No alerts in #${escapeHtml(channel.name)} yet.<br>
        The bridge posts here when Meta reports a number's quality or account changes: try <b>Number health</b> under the phone.</div>`;
    }
    return `<div class="channel-empty">No conversations in #${escapeHtml(channel.name)} yet.<br>
      Write from the phone on the left: the bridge opens a thread here for each customer.</div>`;
  }
  return items.map((item) => item.html).join('');
}

function threadSummary(thread, view) {
  const count = thread.replies.filter((reply) => !reply.onlyVisibleTo).length;
  const link = `<button type="button" class="thread-link" data-open-thread="${thread.ts}">
      ${count} ${count === 1 ? 'reply' : 'replies'} <span class="last">Last reply ${clock(thread.lastAt)}</span></button>`;
  return message(thread.header, view, { thread, link, selected: thread.ts === view.openThreadTs });
}

export function renderThread(thread, view) {
  const visible = thread.replies.filter((reply) => !reply.onlyVisibleTo || reply.onlyVisibleTo === view.agentName);
  const count = thread.replies.filter((reply) => !reply.onlyVisibleTo).length;
  const inThread = { ...view, inThread: true };
  return [
    message(thread.header, inThread, { thread }),
    `<div class="thread-divider">${count} ${count === 1 ? 'reply' : 'replies'}</div>`,
    ...visible.map((reply) => message(reply, inThread, {})),
  ].join('');
}

function message(item, view, { link = '', thread, selected = false }) {
  const { author } = item;
  const classes = ['message', item.onlyVisibleTo ? 'ephemeral' : '', selected ? 'selected' : ''].filter(Boolean).join(' ');
  const ownedByAgent = author.kind === 'agent' && author.id === view.agentId;
  const reactions = item.reactions.length
    ? `<div class="slack-reactions">${item.reactions.map((reaction) => pill(reaction, view)).join('')}</div>`
    : '';
  const ephemeralLabel = item.onlyVisibleTo
    ? `<div class="ephemeral-label">👁 Only visible to ${item.onlyVisibleTo === view.agentName ? 'you' : escapeHtml(item.onlyVisibleTo)}</div>`
    : '';
  const actions = item.onlyVisibleTo
    ? ''
    : `<div class="hover-actions">
        ${AGENT_REACTIONS.map((choice) => `<button type="button" data-react="${choice.name}" title=":${choice.name}:">${choice.emoji ?? `<small>:${choice.name}:</small>`}</button>`).join('')}
        ${ownedByAgent ? '<button type="button" data-edit title="Edit">✏️</button><button type="button" data-delete title="Delete">🗑️</button>' : ''}
        ${thread ? `<button type="button" data-open-thread="${thread.ts}" title="Open the thread">💬</button>` : ''}
        ${view.inThread ? '<button type="button" data-shortcut title="Puente actions (message shortcut)">⚡</button>' : ''}
      </div>`;
  return `<div class="${classes}" data-ts="${escapeHtml(item.ts)}" data-author="${author.kind}">
    ${avatar(author, view)}
    <div class="message-body">
      ${ephemeralLabel}
      <div class="message-head"><b>${escapeHtml(author.name)}</b>${author.kind === 'app' ? '<span class="app-badge">APP</span>' : ''}<span class="time">${clock(item.at)}</span></div>
      ${item.text ? `<div class="message-text">${slackToHtml(item.text, view.nameOf)}${item.edited ? ' <span class="edited">(edited)</span>' : ''}</div>` : ''}
      ${item.files?.length ? `<div class="slack-files">${item.files.map(file).join('')}</div>` : ''}
      ${item.buttons?.length ? `<div class="block-actions">${item.buttons.map((button) => `<button type="button" class="block-button ${escapeHtml(button.style ?? '')}" data-action-id="${escapeHtml(button.actionId)}">${escapeHtml(button.label)}</button>`).join('')}</div>` : ''}
      ${reactions}
      ${link}
    </div>
    ${actions}
  </div>`;
}

/** A Slack file: image preview, audio and video players, a download link for anything else. */
function file(entry) {
  const url = escapeHtml(entry.url);
  const name = escapeHtml(entry.name);
  const type = entry.mimetype || '';
  if (/^image\/(png|jpeg|gif|webp)$/.test(type)) {
    const tiny = entry.size < 200 || type === 'image/webp' ? ' tiny' : ''; // stickers show small, as in Slack
    return `<a class="slack-file-image" href="${url}" target="_blank" rel="noopener" title="${name}"><img class="${tiny.trim()}" src="${url}" alt="${name}"></a>`;
  }
  if (type.startsWith('audio/')) return `<div class="slack-file-audio"><div class="slack-file-caption">🎵 ${name}</div><audio controls preload="metadata" src="${url}"></audio></div>`;
  if (type.startsWith('video/')) return `<div class="slack-file-video"><div class="slack-file-caption">🎥 ${name}</div><video controls preload="metadata" src="${url}"></video></div>`;
  return `<a class="slack-file" href="${url}" download="${name}"><span class="icon">${type === 'application/pdf' ? '📕' : '📄'}</span><span><b>${name}</b><br><span class="size">${escapeHtml(formatSize(entry.size))}</span></span></a>`;
}

function avatar(author, view) {
  if (author.kind === 'app') return '<div class="avatar app">⇄</div>';
  if (author.kind === 'slackbot') return '<div class="avatar slackbot">🤖</div>';
  if (author.kind === 'customer') return `<div class="avatar customer">${escapeHtml(author.icon ?? '👤')}</div>`;
  const index = Math.max(0, view.agents.findIndex((agent) => agent.id === author.id));
  return `<div class="avatar" style="background:${AGENT_COLORS[index % AGENT_COLORS.length]}">${escapeHtml(initials(author.name))}</div>`;
}

function pill(reaction, view) {
  const mine = reaction.users.includes(view.agentName);
  const byApp = reaction.users.includes('Puente');
  const title = `${reaction.users.join(', ')} reacted with :${reaction.name}:`;
  const face = reaction.emoji ?? `:${reaction.name}:`;
  return `<button type="button" class="slack-reaction${mine ? ' mine' : ''}${byApp ? ' app' : ''}" data-pill="${escapeHtml(reaction.name)}" data-mine="${mine}" title="${escapeHtml(title)}">${escapeHtml(face)} <span>${reaction.count}</span></button>`;
}
