import type { PlainConversation } from './conversation.ts';
import { TlsUpgradeError } from './errors.ts';
import { lineForMessage, readNumberedReply, refusalOf } from './line-replies.ts';

/** SMTP and submission (RFC 3207): greeting, EHLO, STARTTLS. */
export async function upgradeSmtp(talk: PlainConversation): Promise<void> {
  const greeting = await readNumberedReply(talk, 'SMTP');
  if (greeting.code !== 220)
    throw new TlsUpgradeError(
      refusalOf(greeting.code),
      `greets with ${greeting.code} "${lineForMessage(greeting.lines[0] ?? '')}" instead of 220`,
    );
  talk.write('EHLO cocoscan.invalid\r\n');
  const ehlo = await readNumberedReply(talk, 'SMTP');
  if (ehlo.code !== 250)
    throw new TlsUpgradeError(refusalOf(ehlo.code), `answers EHLO with ${ehlo.code} "${lineForMessage(ehlo.lines[0] ?? '')}"`);
  if (!ehlo.lines.some((line) => /^STARTTLS\b/i.test(line)))
    throw new TlsUpgradeError('not-offered', 'offers no STARTTLS in its EHLO reply: mail to and from it travels in clear text');
  talk.write('STARTTLS\r\n');
  const go = await readNumberedReply(talk, 'SMTP');
  if (go.code !== 220) throw new TlsUpgradeError(refusalOf(go.code), `refuses STARTTLS: ${go.code} "${lineForMessage(go.lines[0] ?? '')}"`);
}
