// The customer's phone: one WhatsApp chat with a business number, as HTML.
import { clock, dayLabel, escapeHtml, formatPhone, whatsappToHtml } from './format.js';

const TICKS = { pending: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '!' };
const TICK_TITLES = {
  pending: 'sending…',
  sent: 'sent: WhatsApp has it',
  delivered: "delivered to the customer's phone",
  read: 'read by the customer',
  failed: 'failed',
};
export const PHONE_REACTIONS = ['👍', '❤️', '😂', '😮', '🙏'];

/** The chat body: bubbles with day chips, ticks on the business's messages, reactions, quotes. */
export function renderChat(chat, { line, customer, reactingTo }) {
  const messages = chat?.messages ?? [];
  if (messages.length === 0) {
    return `<div class="wa-empty">You are <b>${escapeHtml(customer.name)}</b> (${formatPhone(customer.waId)}).<br>
      Write to <b>${escapeHtml(line.name)}</b>: the bridge opens a thread for you in Slack's #${escapeHtml(line.channel.name)}.</div>`;
  }
  let lastDay = '';
  return messages
    .map((message) => {
      const day = dayLabel(message.at);
      const chip = day !== lastDay ? `<div class="wa-day">${day}</div>` : '';
      lastDay = day;
      return chip + bubble(message, reactingTo === message.id);
    })
    .join('');
}

function bubble(message, pickerOpen) {
  const fromBusiness = message.from === 'business';
  const reactions = [message.reactions.business, message.reactions.customer].filter(Boolean);
  const classes = ['bubble', `from-${message.from}`, message.error ? 'failed' : '', reactions.length ? 'has-reaction' : ''].filter(Boolean).join(' ');
  const status = message.status ?? 'pending';
  const ticks = fromBusiness
    ? ` <span class="ticks" data-status="${status}" title="${TICK_TITLES[status]}">${TICKS[status]}</span>`
    : '';
  const mine = message.reactions.customer;
  return `<div class="${classes}" data-id="${escapeHtml(message.id)}" data-from="${message.from}" data-status="${fromBusiness ? status : ''}">
    ${message.quoted ? `<span class="quote">${whatsappToHtml(message.quoted.text)}</span>` : ''}
    ${message.label ? `<span class="label">${escapeHtml(message.label)}</span>` : ''}${message.media ? media(message.media) : ''}<span class="text">${whatsappToHtml(message.text)}</span><span class="meta">${clock(message.at)}${ticks}</span>
    ${message.error ? `<span class="error">Never reached the phone: ${escapeHtml(message.error)}</span>` : ''}
    ${reactions.length ? `<div class="reactions">${reactions.map((emoji) => `<span>${emoji}</span>`).join('')}</div>` : ''}
    <div class="bubble-actions">
      <button type="button" data-action="react" title="React">🙂</button>
      <button type="button" data-action="quote" title="Reply to this message">↩</button>
    </div>
    ${pickerOpen ? reactPicker(mine) : ''}
  </div>`;
}

function reactPicker(current) {
  const choices = PHONE_REACTIONS.map((emoji) => `<button type="button" data-emoji="${emoji}" title="${emoji === current ? 'remove' : 'react'}">${emoji}</button>`);
  if (current) choices.push('<button type="button" data-emoji="" title="Remove your reaction">✕</button>');
  return `<div class="react-picker">${choices.join('')}</div>`;
}

/** A media message's file, as WhatsApp shows it: pictures inline, players for sound and video, a chip for documents. */
function media(file) {
  const url = escapeHtml(file.url);
  if (!file.url) return '<span class="wa-doc"><span class="icon">⚠️</span><span class="name">file not available</span></span>';
  switch (file.kind) {
    case 'image':
      return `<a href="${url}" target="_blank" rel="noopener"><img class="wa-media" src="${url}" alt="photo"></a>`;
    case 'sticker':
      return `<img class="wa-sticker" src="${url}" alt="sticker">`;
    case 'video':
      return `<video class="wa-video" controls preload="metadata" src="${url}"></video>`;
    case 'audio':
      return `<audio class="wa-audio" controls preload="metadata" src="${url}"></audio>`;
    default:
      return `<a class="wa-doc" href="${url}" download="${escapeHtml(file.filename ?? 'file')}"><span class="icon">📄</span><span><span class="name">${escapeHtml(file.filename ?? 'file')}</span><br><span class="size">${escapeHtml(describeFile(file.filename, file.size))}</span></span></a>`;
  }
}

export function formatSize(bytes) {
  if (bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function describeFile(filename, size) {
  const extension = /\.([a-z0-9]{1,5})$/i.exec(filename ?? '')?.[1]?.toUpperCase() ?? '';
  return [extension, formatSize(size)].filter(Boolean).join(' · ');
}
