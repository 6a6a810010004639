/**
 * Every sentence the bridge says to agents or customers, in each supported language. Nothing else in
 * the code base writes user-facing prose: it asks `say(language, id, params)`.
 *
 * Text uses WhatsApp-style formatting (`*bold*`, `_italic_`); chat adapters convert it.
 */

export const LANGUAGES = ['en', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

type Params = Record<string, string | number | undefined>;

const en = {
  'thread.header.new': '*{customer}* ({number}) wrote to *{line}*. New contact.',
  'thread.header.returning': '*{customer}* ({number}) wrote to *{line}*. Returning contact.',
  'thread.header.hint': 'Reply in this thread to answer on WhatsApp. Start a message with {notePrefix} to keep it internal.',
  'customer.unknown': 'WhatsApp customer',

  'inbound.quote': 'Replying to',
  'inbound.forwarded': '_Forwarded_',
  'inbound.forwarded.many': '_Forwarded many times_',
  'inbound.media': '[{kind}{name}] {caption}',
  'inbound.media.pending': '(the file itself will be bridged once media support lands)',
  'inbound.location': '📍 Location: {name} {address} https://maps.google.com/?q={lat},{lng}',
  'inbound.contacts': '👤 Contact card: {names}',
  'inbound.button': '🔘 Tapped button: {text}',
  'inbound.interactive': '🔘 Chose: {title}',
  'inbound.order': '🛒 Order with {count} item(s): {items}',
  'inbound.system.number': 'The customer changed their WhatsApp number to {number}.',
  'inbound.system.other': 'WhatsApp notice: {body}',
  'inbound.edit': '✏️ The customer edited a message: {text}',
  'inbound.edit.unknown': '✏️ The customer edited a message that is not in this thread: {text}',
  'inbound.revoke': '🗑️ The customer deleted a message.',
  'inbound.unsupported': '⚠️ The customer sent a message of a type WhatsApp does not pass to businesses ({type}). Ask them to send it another way.',
  'inbound.reaction.unknown': 'The customer reacted {emoji} to a message that is not in this thread.',
  'inbound.referral': 'Came from an ad: {headline} {url}',
  'inbound.media.kind.image': 'image',
  'inbound.media.kind.video': 'video',
  'inbound.media.kind.audio': 'audio',
  'inbound.media.kind.voice': 'voice note',
  'inbound.media.kind.document': 'document',
  'inbound.media.kind.sticker': 'sticker',

  'notice.window.closed':
    'Not sent: this customer last wrote more than 24 hours ago, so WhatsApp only accepts an approved template now. Use /template send to reach them.',
  'notice.send.failed': 'Not delivered to the customer: WhatsApp error {code}: {reason}',
  'notice.send.failed.alert': 'Not delivered: WhatsApp error {code}: {reason}. Sending from this number needs an administrator.',
  'notice.status.failed': 'WhatsApp could not deliver a message: error {code}: {reason}',
  'notice.edit.unsupported': 'Edits are not relayed: WhatsApp cannot change a message the customer already has. Send a new reply instead.',
  'notice.delete.unsupported': 'Deleting here does not unsend it: the customer keeps the message on WhatsApp.',
  'notice.reaction.unsupported': 'The :{name}: reaction has no WhatsApp equivalent, so the customer will not see it.',
  'notice.reaction.failed': 'Your reaction did not reach the customer: WhatsApp error {code}: {reason}',
  'notice.empty.reply': 'Nothing to send: the reply has no text.',

  'reply.signature': '*{agent}*:\n{text}',
} as const;

export type MessageId = keyof typeof en;

const es: Record<MessageId, string> = {
  'thread.header.new': '*{customer}* ({number}) escribió a *{line}*. Contacto nuevo.',
  'thread.header.returning': '*{customer}* ({number}) escribió a *{line}*. Contacto recurrente.',
  'thread.header.hint': 'Responde en este hilo para contestar por WhatsApp. Empieza un mensaje con {notePrefix} para que sea interno.',
  'customer.unknown': 'Cliente de WhatsApp',

  'inbound.quote': 'En respuesta a',
  'inbound.forwarded': '_Reenviado_',
  'inbound.forwarded.many': '_Reenviado muchas veces_',
  'inbound.media': '[{kind}{name}] {caption}',
  'inbound.media.pending': '(el archivo se pasará cuando el soporte de archivos esté listo)',
  'inbound.location': '📍 Ubicación: {name} {address} https://maps.google.com/?q={lat},{lng}',
  'inbound.contacts': '👤 Tarjeta de contacto: {names}',
  'inbound.button': '🔘 Pulsó el botón: {text}',
  'inbound.interactive': '🔘 Eligió: {title}',
  'inbound.order': '🛒 Pedido con {count} artículo(s): {items}',
  'inbound.system.number': 'El cliente cambió su número de WhatsApp a {number}.',
  'inbound.system.other': 'Aviso de WhatsApp: {body}',
  'inbound.edit': '✏️ El cliente editó un mensaje: {text}',
  'inbound.edit.unknown': '✏️ El cliente editó un mensaje que no está en este hilo: {text}',
  'inbound.revoke': '🗑️ El cliente eliminó un mensaje.',
  'inbound.unsupported': '⚠️ El cliente envió un tipo de mensaje que WhatsApp no entrega a empresas ({type}). Pídele que lo envíe de otra forma.',
  'inbound.reaction.unknown': 'El cliente reaccionó {emoji} a un mensaje que no está en este hilo.',
  'inbound.referral': 'Llegó desde un anuncio: {headline} {url}',
  'inbound.media.kind.image': 'imagen',
  'inbound.media.kind.video': 'vídeo',
  'inbound.media.kind.audio': 'audio',
  'inbound.media.kind.voice': 'nota de voz',
  'inbound.media.kind.document': 'documento',
  'inbound.media.kind.sticker': 'sticker',

  'notice.window.closed':
    'No enviado: este cliente escribió por última vez hace más de 24 horas, así que WhatsApp solo acepta ahora una plantilla aprobada. Usa /template send para contactarle.',
  'notice.send.failed': 'No entregado al cliente: error de WhatsApp {code}: {reason}',
  'notice.send.failed.alert': 'No entregado: error de WhatsApp {code}: {reason}. Enviar desde este número necesita a un administrador.',
  'notice.status.failed': 'WhatsApp no pudo entregar un mensaje: error {code}: {reason}',
  'notice.edit.unsupported': 'Las ediciones no se transmiten: WhatsApp no puede cambiar un mensaje que el cliente ya tiene. Envía una respuesta nueva.',
  'notice.delete.unsupported': 'Borrarlo aquí no lo retira: el cliente conserva el mensaje en WhatsApp.',
  'notice.reaction.unsupported': 'La reacción :{name}: no tiene equivalente en WhatsApp, así que el cliente no la verá.',
  'notice.reaction.failed': 'Tu reacción no llegó al cliente: error de WhatsApp {code}: {reason}',
  'notice.empty.reply': 'Nada que enviar: la respuesta no tiene texto.',

  'reply.signature': '*{agent}*:\n{text}',
};

const catalogues: Record<Language, Record<MessageId, string>> = { en, es };

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The sentence `id` in `language`, with `{name}` placeholders filled. A missing or empty parameter
 * takes the space before it along, so optional parts leave no double spaces; the values themselves
 * (often a customer's own words) are inserted untouched.
 */
export function say(language: Language, id: MessageId, params: Params = {}): string {
  return fill(catalogues[language][id], params);
}

/** Fills `{name}` placeholders in any template (also operator-configured ones such as AGENT_SIGNATURE). */
export function fill(template: string, params: Params): string {
  return template
    .replace(/( ?)\{(\w+)\}/g, (_, space: string, name: string) => {
      const value = params[name];
      return value === undefined || value === '' ? '' : `${space}${String(value)}`;
    })
    .trim();
}

/** Every message id, for the catalogue completeness test. */
export function messageIds(): MessageId[] {
  return Object.keys(en) as MessageId[];
}

export function catalogue(language: Language): Readonly<Record<MessageId, string>> {
  return catalogues[language];
}
