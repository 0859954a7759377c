import type { PlainConversation } from './conversation.ts';
import { TlsUpgradeError } from './errors.ts';
import { lineForMessage } from './line-replies.ts';

/** POP3 (RFC 2595): greeting, STLS. */
export async function upgradePop3(talk: PlainConversation): Promise<void> {
  const greeting = await talk.readLine();
  if (!/^\+OK\b/.test(greeting)) throw new TlsUpgradeError('broken', `the server's greeting is not POP3: "${lineForMessage(greeting)}"`);
  talk.write('STLS\r\n');
  const go = await talk.readLine();
  if (/^\+OK\b/.test(go)) return;
  if (!/^-ERR\b/.test(go)) throw new TlsUpgradeError('broken', `the server's answer is not POP3: "${lineForMessage(go)}"`);
  throw new TlsUpgradeError('not-offered', `offers no STLS ("${lineForMessage(go)}"): log-ons and mail travel in clear text`);
}
