/**
 * Text between Teams and WhatsApp formatting.
 *
 * Puente posts Teams messages with `textFormat: 'markdown'` and Adaptive Card `TextBlock`s, which both
 * read `**bold**`, `_italic_`, `~~strike~~` and `` `code` ``; WhatsApp writes `*bold*`, `_italic_`,
 * `~strike~` and ```` ```mono``` ````. Agents' messages arrive as plain `text` (Teams also sends an HTML
 * copy as a `text/html` attachment, which Puente does not need) with `<at>…</at>` around mentions
 * and, for some clients, HTML entities.
 */

/** WhatsApp formatting → Teams markdown. */
export function whatsAppToTeams(text: string): string {
  return text
    .replace(/```([\s\S]*?)```/g, (_, code: string) => (code.includes('\n') ? `\n\`\`\`\n${code}\n\`\`\`\n` : `\`${code}\``))
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,!?:;]|$)/g, '$1**$2**')
    .replace(/(^|[\s(])~([^~\n]+)~(?=[\s).,!?:;]|$)/g, '$1~~$2~~');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/** Teams message text (mentions already removed) → WhatsApp formatting. */
export function teamsToWhatsApp(text: string): string {
  return text
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/?(p|div|span|strong|b|em|i|s|strike|code|pre)[^>]*>/gi, '')
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_, name: string) => ENTITIES[name] ?? '')
    .replace(/\*\*([^*\n]+)\*\*/g, '*$1*')
    .replace(/~~([^~\n]+)~~/g, '~$1~')
    .replace(/\u00a0/g, ' ')
    .trim();
}
