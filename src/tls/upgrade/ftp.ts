import type { PlainConversation } from './conversation.ts';
import { TlsUpgradeError } from './errors.ts';
import { lineForMessage, readNumberedReply, refusalOf } from './line-replies.ts';

/** FTP (RFC 4217): greeting, AUTH TLS. */
export async function upgradeFtp(talk: PlainConversation): Promise<void> {
  const greeting = await readNumberedReply(talk, 'FTP');
  if (greeting.code !== 220)
    throw new TlsUpgradeError(
      refusalOf(greeting.code),
      `greets with ${greeting.code} "${lineForMessage(greeting.lines[0] ?? '')}" instead of 220`,
    );
  talk.write('AUTH TLS\r\n');
  const go = await readNumberedReply(talk, 'FTP');
  if (go.code === 234) return;
  // 500-504: AUTH unknown or TLS not a mechanism it has; 534: it will not secure the connection.
  const refusal = go.code >= 500 && go.code <= 504 ? 'not-offered' : refusalOf(go.code);
  throw new TlsUpgradeError(
    refusal,
    `${refusal === 'not-offered' ? 'offers no' : 'refuses'} AUTH TLS: ${go.code} "${lineForMessage(go.lines[0] ?? '')}"` +
      (refusal === 'not-offered' ? ': log-ons and files travel in clear text' : ''),
  );
}
