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
  'inbound.file.from': '*{customer}*: {text}',
  'inbound.media.retrying': '⏳ The file did not arrive from WhatsApp ({reason}). The bridge keeps trying and will post it in this thread.',
  'inbound.media.failed': '⚠️ The file cannot be shown here: {reason}. Ask the customer to send it another way if you need it.',
  'inbound.media.late': '📎 The file that did not arrive earlier: {text}',
  'inbound.media.gave.up': '⚠️ The bridge gave up fetching a file the customer sent ({reason}). Ask them to send it again.',
  'inbound.media.no.files': '⚠️ This chat tool cannot show files, so only the description reaches you.',
  'inbound.media.not.stored': '⚠️ The file cannot be shown here: the bridge is not allowed to store files in this team’s shared files. An administrator can allow it; meanwhile ask the customer to send it another way if you need it.',
  'inbound.file.open': 'Open',
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
  'notice.file.rejected': 'Not sent to the customer: *{name}* — {reason}.',
  'notice.file.upload.failed': 'Not sent to the customer: *{name}* — WhatsApp error {code}: {reason}',

  'media.problem.too-large': 'it is {size} and the limit is {limit}',
  'media.problem.too-large.kind': 'it is {size} and WhatsApp takes {kind} files up to {limit}',
  'media.problem.too-large.unknown': 'it is larger than the {limit} limit',
  'media.problem.type':
    'WhatsApp does not take {type} files (it takes JPEG and PNG images, MP4 and 3GPP videos, AAC, AMR, MP3, M4A and OGG-Opus audio, WebP stickers, and PDF, Word, Excel, PowerPoint and text documents)',
  'media.problem.type.unknown': 'its type could not be recognised from its contents',
  'media.problem.checksum': 'the bytes did not match the checksum WhatsApp gave',
  'media.problem.gone': 'it is no longer available',
  'media.problem.transfer': 'the transfer failed: {detail}',
  'media.problem.refused': 'it was refused: {detail}',
  'media.problem.count': 'one message can carry at most {limit} files',

  'reply.signature': '*{agent}*:\n{text}',

  // Commands (supervisor and agent commands; see bot/commands/)
  'command.unknown': 'Puente has no command /{command}.',
  'command.failed': '/{command} could not be completed because of an error on Puente’s side. Try again in a moment; if it keeps failing, the bridge log says why.',
  'command.refused.role': 'Only supervisors can run /{command}. Ask a supervisor, or an administrator to add you to SUPERVISORS.',
  'command.number.missing': 'Which number? {usage}',
  'command.number.invalid': '“{input}” is not a phone number Puente can read. Type it with its country code, for example +34 611 111 111.',
  'command.args.extra': 'Unexpected “{extra}”. {usage}',
  'command.args.missing': 'Something is missing. {usage}',
  'command.thread.unknown': 'This thread is not a WhatsApp conversation Puente knows.',
  'command.thread.nonumber': 'This customer is known only by a WhatsApp username, and this needs a phone number.',
  'command.channel.noline': 'This channel belongs to no WhatsApp number, so Puente cannot tell which line to use. Run the command in the channel of the number that should send.',
  'command.usage': 'Usage: {usage}',

  'usage.block': '`/block <number> [reason]` blocks a number: Puente never sends it anything again and drops its messages (supervisors).',
  'usage.unblock': '`/unblock <number>` lifts a block (supervisors).',
  'usage.blocklist': '`/blocklist` lists the blocked numbers.',
  'usage.template':
    '`/template list` lists the approved templates; `/template show <name>` shows one; `/template send <name> <language> <number> [value…]` sends one, the values filling its placeholders in order (quote a value that has spaces: "like this").',
  'usage.optout': '`/optout <number>` takes a number out of bulk messages (supervisors).',
  'usage.optin': '`/optin <number>` puts an opted-out number back into bulk messages (supervisors).',
  'usage.dnc':
    '`/dnc check <number>` tells whether a number may be contacted; `/dnc import` replaces the do-not-contact list with the latest CSV file shared in this channel (supervisors).',
  'usage.erase': '`/erase <number>` deletes everything Puente stores about a contact, on every line (supervisors; cannot be undone).',

  'block.done': '🚫 {number} is blocked: Puente will not send it anything and drops its messages.',
  'block.updated': '🚫 {number} was already blocked; the block is renewed.',
  'block.reason': 'Reason: {reason}',
  'block.thread': '🚫 {by} blocked this customer. Nothing more will be sent to them, and their messages will no longer appear here.',
  'unblock.done': '{number} is no longer blocked.',
  'unblock.notblocked': '{number} is not blocked.',
  'unblock.thread': '{by} unblocked this customer: their messages will appear here again.',
  'blocklist.empty': 'No number is blocked.',
  'blocklist.header': 'Blocked numbers ({count}):',
  'blocklist.entry': '• {number}, by {by} on {date} {reason}',
  'blocked.reply': 'Sorry, this service is not available.',
  'notice.blocked': 'Not sent: this customer is blocked. A supervisor can lift the block with /unblock.',

  'template.noaccount': 'Templates need the WhatsApp Business Account id: an administrator must set WHATSAPP_BUSINESS_ACCOUNT_ID.',
  'template.fetch.failed': 'WhatsApp did not give the list of templates: {reason}',
  'template.list.empty': 'This WhatsApp Business Account has no approved templates.',
  'template.list.header': 'Approved templates ({count}):',
  'template.list.entry': '• *{name}* ({languages}) {category}',
  'template.unknown': 'There is no approved template called “{name}”. /template list shows them.',
  'template.notapproved': 'Template “{name}” ({language}) cannot be sent: WhatsApp’s status for it is {status}.',
  'template.language.unknown': 'Template “{name}” has no “{language}” version. It exists in: {languages}.',
  'template.params.count': 'Template “{name}” needs {expected} value(s) ({where}); you gave {given}.',
  'template.params.none': 'no values',
  'template.params.header': 'header: {count}',
  'template.params.body': 'body: {count}',
  'template.params.buttons': 'link buttons: {count}',
  'template.params.media': 'Template “{name}” starts with a {media} header: give the https:// link of the {media} as the first value.',
  'template.params.toolong': 'Value {index} is longer than the 1,024 characters WhatsApp accepts.',
  'template.unsupported': 'Template “{name}” has a {what} header, which Puente cannot fill; send it from WhatsApp Manager.',
  'template.show.title': '*{name}* ({language}, {category}, {status})',
  'template.show.header': 'Header: {text}',
  'template.show.body': 'Body: {text}',
  'template.show.footer': 'Footer: {text}',
  'template.show.buttons': 'Buttons: {text}',
  'template.show.values': 'Values to give, in order: {values}',
  'template.show.novalues': 'It takes no values.',
  'template.media.image': 'image',
  'template.media.video': 'video',
  'template.media.document': 'document',
  'template.send.queued': '📨 Template *{name}* ({language}) is on its way to {number}; its delivery shows in the conversation’s thread.',
  'template.thread.post': '📨 {agent} sent the template *{name}* ({language}):\n{text}',
  'template.refused.optout': 'Not sent: {number} opted out of marketing messages. Use a utility template, or wait for the customer to write.',
  'template.refused.dnc': 'Not sent: {number} is on the do-not-contact list, which excludes marketing messages.',
  'template.refused.blocked': 'Not sent: {number} is blocked, and Puente sends it nothing.',

  'optout.keyword.thread': '🔕 The customer wrote “{keyword}”: they are opted out of bulk messages now. They can still talk with you here.',
  'optin.keyword.thread': '🔔 The customer wrote “{keyword}”: they are opted in to bulk messages again.',
  'optout.done': '🔕 {number} is opted out of bulk messages.',
  'optout.already': '{number} was already opted out of bulk messages.',
  'optin.done': '🔔 {number} is opted in to bulk messages again.',
  'optin.notoptedout': '{number} was not opted out.',

  'dnc.check.listed': '⛔ {number} is on the do-not-contact list ({file}, imported on {date}): no bulk or marketing messages.',
  'dnc.check.clear': '✅ {number} is not on the do-not-contact list.',
  'dnc.check.nolist': '✅ {number}: no do-not-contact list has been imported.',
  'dnc.check.optedout': 'It opted out of bulk messages.',
  'dnc.check.blocked': 'It is blocked.',
  'dnc.import.nofile': 'There is no .csv file shared in this channel. Share the list here as a CSV file, then run /dnc import again.',
  'dnc.import.unsupported': 'Puente cannot read files shared in this chat tool yet, so /dnc import is not available here.',
  'dnc.import.empty': '{file} has no phone numbers Puente can read; the list was not changed.',
  'dnc.import.done': '⛔ The do-not-contact list now holds the {count} numbers of {file} (it replaces the previous list).',
  'dnc.import.skipped': '{count} line(s) were not phone numbers and were skipped, for example “{example}”.',

  'erase.done': '🧹 Erased everything Puente stored about {number}: {conversations} conversation(s), {messages} message(s), {sends} pending send(s).',
  'erase.done.lists': 'Also removed from: {lists}.',
  'erase.list.blocked': 'the block list',
  'erase.list.optout': 'the opt-out list',
  'erase.list.dnc': 'the do-not-contact list',
  'erase.done.chat': 'Threads already in this chat tool are not Puente’s to delete: delete them here too if they must go.',
  'erase.nothing': 'Puente stores nothing about {number}.',
  'erase.thread': '🧹 {by} erased this customer’s data from Puente. Replies here no longer reach them.',

  'thread.header.first': '🆕 First contact: this number has never written to any of your lines.',
  'thread.header.triage': 'Opened in triage because it is a first contact for *{line}*.',
  'thread.header.outbound': 'Conversation with *{customer}* ({number}) on *{line}*, started from Puente.',
  'action.block': 'Block',
  'action.unblock': 'Unblock',
  'action.template': 'Send template',
  'action.template.title': 'Send a template',
  'action.template.label': 'Template, language and values',
  'action.template.submit': 'Send',
  'action.menu': 'Actions for this conversation:',

  // Delivery status markers, for chat tools that cannot react to an agent's message (Teams)
  'status.sent': '☑️ Sent to WhatsApp',
  'status.delivered': '✅ Delivered on WhatsApp',
  'status.read': '👀 Read on WhatsApp',
  'status.played': '🎧 Played on WhatsApp',
  'status.failed': '❌ Not delivered on WhatsApp',
  // A private notice shown in the thread because the chat tool could not reach the person privately (Teams)
  'notice.private.fallback': '{agent}, this is for you: Puente could not open a private chat with you (ask an administrator to install the app for you).',

  'alert.quality': '📶 WhatsApp quality update for *{line}*: {event}. {detail}',
  'alert.account': '⚠️ WhatsApp account update for {scope}: {event}. {detail}',
  'alert.account.all': 'the business account {account}',
  'alert.template': '📝 WhatsApp changed the template *{name}* ({language}) to {event}. {detail}',
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
  'inbound.file.from': '*{customer}*: {text}',
  'inbound.media.retrying': '⏳ El archivo no llegó desde WhatsApp ({reason}). El puente lo sigue intentando y lo publicará en este hilo.',
  'inbound.media.failed': '⚠️ El archivo no se puede mostrar aquí: {reason}. Pide al cliente que lo envíe de otra forma si lo necesitas.',
  'inbound.media.late': '📎 El archivo que antes no llegó: {text}',
  'inbound.media.gave.up': '⚠️ El puente dejó de intentar obtener un archivo que envió el cliente ({reason}). Pídele que lo envíe de nuevo.',
  'inbound.media.no.files': '⚠️ Esta herramienta de chat no puede mostrar archivos, así que solo te llega la descripción.',
  'inbound.media.not.stored': '⚠️ El archivo no se puede mostrar aquí: el puente no tiene permiso para guardar archivos en los archivos compartidos de este equipo. Un administrador puede permitirlo; mientras tanto, pide al cliente que lo envíe de otra forma si lo necesitas.',
  'inbound.file.open': 'Abrir',
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
  'notice.file.rejected': 'No enviado al cliente: *{name}* — {reason}.',
  'notice.file.upload.failed': 'No enviado al cliente: *{name}* — error de WhatsApp {code}: {reason}',

  'media.problem.too-large': 'ocupa {size} y el límite es {limit}',
  'media.problem.too-large.kind': 'ocupa {size} y WhatsApp acepta archivos de tipo {kind} de hasta {limit}',
  'media.problem.too-large.unknown': 'supera el límite de {limit}',
  'media.problem.type':
    'WhatsApp no acepta archivos {type} (acepta imágenes JPEG y PNG, vídeos MP4 y 3GPP, audio AAC, AMR, MP3, M4A y OGG-Opus, stickers WebP y documentos PDF, Word, Excel, PowerPoint y de texto)',
  'media.problem.type.unknown': 'no se pudo reconocer su tipo a partir de su contenido',
  'media.problem.checksum': 'los datos no coinciden con la suma de comprobación que dio WhatsApp',
  'media.problem.gone': 'ya no está disponible',
  'media.problem.transfer': 'la transferencia falló: {detail}',
  'media.problem.refused': 'se rechazó: {detail}',
  'media.problem.count': 'un mensaje puede llevar como máximo {limit} archivos',

  'reply.signature': '*{agent}*:\n{text}',

  'command.unknown': 'Puente no tiene el comando /{command}.',
  'command.failed': '/{command} no se pudo completar por un error de Puente. Prueba de nuevo en un momento; si sigue fallando, el registro del puente dice por qué.',
  'command.refused.role': 'Solo los supervisores pueden usar /{command}. Pídeselo a un supervisor, o a un administrador que te añada a SUPERVISORS.',
  'command.number.missing': '¿Qué número? {usage}',
  'command.number.invalid': '«{input}» no es un número de teléfono que Puente entienda. Escríbelo con el prefijo del país, por ejemplo +34 611 111 111.',
  'command.args.extra': 'Sobra «{extra}». {usage}',
  'command.args.missing': 'Falta algo. {usage}',
  'command.thread.unknown': 'Este hilo no es una conversación de WhatsApp que Puente conozca.',
  'command.thread.nonumber': 'De este cliente solo se conoce su nombre de usuario de WhatsApp, y esto necesita un número de teléfono.',
  'command.channel.noline': 'Este canal no pertenece a ningún número de WhatsApp, así que Puente no sabe qué línea usar. Usa el comando en el canal del número que debe enviar.',
  'command.usage': 'Uso: {usage}',

  'usage.block': '`/block <número> [motivo]` bloquea un número: Puente no le envía nada nunca más y descarta sus mensajes (supervisores).',
  'usage.unblock': '`/unblock <número>` quita un bloqueo (supervisores).',
  'usage.blocklist': '`/blocklist` muestra los números bloqueados.',
  'usage.template':
    '`/template list` muestra las plantillas aprobadas; `/template show <nombre>` muestra una; `/template send <nombre> <idioma> <número> [valor…]` envía una, y los valores rellenan sus variables en orden (pon entre comillas un valor con espacios: "así").',
  'usage.optout': '`/optout <número>` saca un número de los envíos masivos (supervisores).',
  'usage.optin': '`/optin <número>` vuelve a incluir en los envíos masivos un número que se dio de baja (supervisores).',
  'usage.dnc':
    '`/dnc check <número>` dice si se puede contactar con un número; `/dnc import` sustituye la lista de no contactar por el último archivo CSV compartido en este canal (supervisores).',
  'usage.erase': '`/erase <número>` borra todo lo que Puente guarda de un contacto, en todas las líneas (supervisores; no se puede deshacer).',

  'block.done': '🚫 {number} está bloqueado: Puente no le enviará nada y descartará sus mensajes.',
  'block.updated': '🚫 {number} ya estaba bloqueado; el bloqueo se renueva.',
  'block.reason': 'Motivo: {reason}',
  'block.thread': '🚫 {by} ha bloqueado a este cliente. No se le enviará nada más y sus mensajes ya no aparecerán aquí.',
  'unblock.done': '{number} ya no está bloqueado.',
  'unblock.notblocked': '{number} no está bloqueado.',
  'unblock.thread': '{by} ha desbloqueado a este cliente: sus mensajes volverán a aparecer aquí.',
  'blocklist.empty': 'No hay ningún número bloqueado.',
  'blocklist.header': 'Números bloqueados ({count}):',
  'blocklist.entry': '• {number}, por {by} el {date} {reason}',
  'blocked.reply': 'Lo sentimos, este servicio no está disponible.',
  'notice.blocked': 'No enviado: este cliente está bloqueado. Un supervisor puede quitar el bloqueo con /unblock.',

  'template.noaccount': 'Las plantillas necesitan el id de la cuenta de WhatsApp Business: un administrador debe configurar WHATSAPP_BUSINESS_ACCOUNT_ID.',
  'template.fetch.failed': 'WhatsApp no dio la lista de plantillas: {reason}',
  'template.list.empty': 'Esta cuenta de WhatsApp Business no tiene plantillas aprobadas.',
  'template.list.header': 'Plantillas aprobadas ({count}):',
  'template.list.entry': '• *{name}* ({languages}) {category}',
  'template.unknown': 'No hay ninguna plantilla aprobada llamada «{name}». /template list las muestra.',
  'template.notapproved': 'La plantilla «{name}» ({language}) no se puede enviar: su estado en WhatsApp es {status}.',
  'template.language.unknown': 'La plantilla «{name}» no tiene versión «{language}». Existe en: {languages}.',
  'template.params.count': 'La plantilla «{name}» necesita {expected} valor(es) ({where}); has dado {given}.',
  'template.params.none': 'ningún valor',
  'template.params.header': 'cabecera: {count}',
  'template.params.body': 'cuerpo: {count}',
  'template.params.buttons': 'botones de enlace: {count}',
  'template.params.media': 'La plantilla «{name}» empieza con una cabecera de tipo {media}: da como primer valor el enlace https:// del archivo ({media}).',
  'template.params.toolong': 'El valor {index} pasa de los 1.024 caracteres que acepta WhatsApp.',
  'template.unsupported': 'La plantilla «{name}» tiene una cabecera de tipo {what}, que Puente no sabe rellenar; envíala desde WhatsApp Manager.',
  'template.show.title': '*{name}* ({language}, {category}, {status})',
  'template.show.header': 'Cabecera: {text}',
  'template.show.body': 'Cuerpo: {text}',
  'template.show.footer': 'Pie: {text}',
  'template.show.buttons': 'Botones: {text}',
  'template.show.values': 'Valores que dar, en orden: {values}',
  'template.show.novalues': 'No lleva valores.',
  'template.media.image': 'imagen',
  'template.media.video': 'vídeo',
  'template.media.document': 'documento',
  'template.send.queued': '📨 La plantilla *{name}* ({language}) va de camino a {number}; su entrega se ve en el hilo de la conversación.',
  'template.thread.post': '📨 {agent} envió la plantilla *{name}* ({language}):\n{text}',
  'template.refused.optout': 'No enviado: {number} se dio de baja de los mensajes de marketing. Usa una plantilla de servicio, o espera a que el cliente escriba.',
  'template.refused.dnc': 'No enviado: {number} está en la lista de no contactar, que excluye los mensajes de marketing.',
  'template.refused.blocked': 'No enviado: {number} está bloqueado y Puente no le envía nada.',

  'optout.keyword.thread': '🔕 El cliente escribió «{keyword}»: queda dado de baja de los envíos masivos. Puede seguir hablando con vosotros aquí.',
  'optin.keyword.thread': '🔔 El cliente escribió «{keyword}»: vuelve a recibir envíos masivos.',
  'optout.done': '🔕 {number} queda fuera de los envíos masivos.',
  'optout.already': '{number} ya estaba dado de baja de los envíos masivos.',
  'optin.done': '🔔 {number} vuelve a recibir envíos masivos.',
  'optin.notoptedout': '{number} no estaba dado de baja.',

  'dnc.check.listed': '⛔ {number} está en la lista de no contactar ({file}, importada el {date}): sin envíos masivos ni de marketing.',
  'dnc.check.clear': '✅ {number} no está en la lista de no contactar.',
  'dnc.check.nolist': '✅ {number}: no se ha importado ninguna lista de no contactar.',
  'dnc.check.optedout': 'Se dio de baja de los envíos masivos.',
  'dnc.check.blocked': 'Está bloqueado.',
  'dnc.import.nofile': 'No hay ningún archivo .csv compartido en este canal. Comparte aquí la lista como archivo CSV y vuelve a usar /dnc import.',
  'dnc.import.unsupported': 'Puente aún no puede leer archivos compartidos en esta herramienta, así que /dnc import no está disponible aquí.',
  'dnc.import.empty': '{file} no tiene números de teléfono que Puente entienda; la lista no ha cambiado.',
  'dnc.import.done': '⛔ La lista de no contactar tiene ahora los {count} números de {file} (sustituye a la lista anterior).',
  'dnc.import.skipped': 'Se saltaron {count} línea(s) que no eran números de teléfono, por ejemplo «{example}».',

  'erase.done': '🧹 Borrado todo lo que Puente guardaba de {number}: {conversations} conversación(es), {messages} mensaje(s), {sends} envío(s) pendiente(s).',
  'erase.done.lists': 'También se ha quitado de: {lists}.',
  'erase.list.blocked': 'la lista de bloqueados',
  'erase.list.optout': 'la lista de bajas',
  'erase.list.dnc': 'la lista de no contactar',
  'erase.done.chat': 'Los hilos que ya están en esta herramienta no los borra Puente: bórralos aquí también si deben desaparecer.',
  'erase.nothing': 'Puente no guarda nada de {number}.',
  'erase.thread': '🧹 {by} ha borrado de Puente los datos de este cliente. Las respuestas de este hilo ya no le llegan.',

  'thread.header.first': '🆕 Primer contacto: este número nunca ha escrito a ninguna de vuestras líneas.',
  'thread.header.triage': 'Abierto en triaje porque es un primer contacto de *{line}*.',
  'thread.header.outbound': 'Conversación con *{customer}* ({number}) en *{line}*, iniciada desde Puente.',
  'action.block': 'Bloquear',
  'action.unblock': 'Desbloquear',
  'action.template': 'Enviar plantilla',
  'action.template.title': 'Enviar una plantilla',
  'action.template.label': 'Plantilla, idioma y valores',
  'action.template.submit': 'Enviar',
  'action.menu': 'Acciones para esta conversación:',

  'status.sent': '☑️ Enviado a WhatsApp',
  'status.delivered': '✅ Entregado en WhatsApp',
  'status.read': '👀 Leído en WhatsApp',
  'status.played': '🎧 Reproducido en WhatsApp',
  'status.failed': '❌ No entregado en WhatsApp',
  'notice.private.fallback': '{agent}, esto es para ti: Puente no pudo abrir un chat privado contigo (pide a un administrador que te instale la aplicación).',

  'alert.quality': '📶 Cambio de calidad de WhatsApp para *{line}*: {event}. {detail}',
  'alert.account': '⚠️ Aviso de la cuenta de WhatsApp para {scope}: {event}. {detail}',
  'alert.account.all': 'la cuenta de empresa {account}',
  'alert.template': '📝 WhatsApp cambió la plantilla *{name}* ({language}) a {event}. {detail}',
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
