// Text → safe HTML for both sides: WhatsApp's formatting on the phone, Slack's mrkdwn in the channel.
// Everything is HTML-escaped first; only the markup added here is trusted.

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]);
}

/** *bold* _italic_ ~strike~ on escaped text; markers must sit at word edges, as both apps require. */
function emphasis(html) {
  const edge = '(^|[\\s(>])';
  const end = '(?=$|[\\s).,!?:;<])';
  return html
    .replace(new RegExp(`${edge}\\*([^*\\n]+)\\*${end}`, 'g'), '$1<b>$2</b>')
    .replace(new RegExp(`${edge}_([^_\\n]+)_${end}`, 'g'), '$1<i>$2</i>')
    .replace(new RegExp(`${edge}~([^~\\n]+)~${end}`, 'g'), '$1<s>$2</s>');
}

/** Code spans and blocks are set aside first so nothing inside them is formatted. */
function withCode(html, format) {
  const code = [];
  const keep = (markup) => `\u0000${code.push(markup) - 1}\u0000`;
  const rest = html
    .replace(/```([\s\S]+?)```/g, (_, body) => keep(`<pre>${body}</pre>`))
    .replace(/`([^`\n]+)`/g, (_, body) => keep(`<code>${body}</code>`));
  return format(rest).replace(/\u0000(\d+)\u0000/g, (_, index) => code[Number(index)]);
}

/** WhatsApp: *bold* _italic_ ~strike~ ```monospace``` `inline code`. */
export function whatsappToHtml(text) {
  return withCode(escapeHtml(text), emphasis);
}

/**
 * Slack mrkdwn: `&amp; &lt; &gt;` escapes, `<url|label>`, `<@U123>`, `<#C123|name>`, `> quotes`,
 * plus the same emphasis and code as WhatsApp. `nameOf(userId)` names mentioned users.
 */
export function slackToHtml(text, nameOf = (id) => id) {
  const tokens = [];
  const keep = (markup) => `\u0001${tokens.push(markup) - 1}\u0001`;
  const unescaped = (value) => value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  // Angle-bracket tokens are the only unescaped `<` in Slack text.
  const withTokens = String(text).replace(/<([^<>\s][^<>]*)>/g, (_, inner) => {
    const [target, label] = inner.split('|');
    if (target.startsWith('@')) return keep(`<span class="mention">@${escapeHtml(nameOf(target.slice(1)))}</span>`);
    if (target.startsWith('#')) return keep(`<span class="mention">#${escapeHtml(label ?? target.slice(1))}</span>`);
    if (target.startsWith('!')) return keep(`<span class="mention">@${escapeHtml(target.slice(1))}</span>`);
    const url = unescaped(target);
    const safe = /^(https?:|mailto:|tel:)/i.test(url) ? url : '#';
    return keep(`<a href="${escapeHtml(safe)}" target="_blank" rel="noreferrer">${escapeHtml(unescaped(label ?? target))}</a>`);
  });
  const html = withCode(escapeHtml(unescaped(withTokens)), (rest) =>
    emphasis(rest)
      .split('\n')
      .map((line) => (line.startsWith('&gt; ') ? `<blockquote>${line.slice(5)}</blockquote>` : line))
      .join('\n')
      .replace(/<\/blockquote>\n/g, '</blockquote>'),
  );
  return html.replace(/\u0001(\d+)\u0001/g, (_, index) => tokens[Number(index)]);
}

export function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** "Today", "Yesterday" or a date, for the phone's day chips. */
export function dayLabel(ms) {
  const day = (value) => new Date(value).toDateString();
  if (day(ms) === day(Date.now())) return 'Today';
  if (day(ms) === day(Date.now() - 86_400_000)) return 'Yesterday';
  return new Date(ms).toLocaleDateString();
}

export function initials(name) {
  return String(name).split(/\s+/).filter(Boolean).slice(0, 2).map((part) => part[0].toUpperCase()).join('');
}

const COUNTRY_CODES = ['1', '7', '33', '34', '39', '44', '49', '52', '55', '81', '86', '91', '234', '351'];

/** `34611111111` → `+34 611 111 111`: readable, not a full numbering plan (the page only shows numbers). */
export function formatPhone(digits) {
  const value = String(digits);
  const code = COUNTRY_CODES.filter((candidate) => value.startsWith(candidate)).sort((a, b) => b.length - a.length)[0] ?? value.slice(0, 2);
  const rest = value.slice(code.length);
  const groups = [];
  let index = 0;
  // Threes, with a final four when the length asks for it (10 digits: 3-3-4, 11: 3-4-4).
  const fours = [0, 1, 2][rest.length % 3];
  const threes = (rest.length - fours * 4) / 3;
  for (let i = 0; i < threes; i++, index += 3) groups.push(rest.slice(index, index + 3));
  for (let i = 0; i < fours; i++, index += 4) groups.push(rest.slice(index, index + 4));
  return `+${code} ${groups.join(' ')}`;
}
