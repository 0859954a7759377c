import type { PlainConversation } from './conversation.ts';
import { TlsUpgradeError } from './errors.ts';
import { lineForMessage } from './line-replies.ts';

/** IMAP (RFC 3501, 2595): greeting, CAPABILITY, STARTTLS. */
export async function upgradeImap(talk: PlainConversation): Promise<void> {
  const greeting = await talk.readLine();
  if (!/^\* (OK|PREAUTH)\b/i.test(greeting))
    throw new TlsUpgradeError('broken', `the server's greeting is not IMAP: "${lineForMessage(greeting)}"`);
  talk.write('c1 CAPABILITY\r\n');
  const { untagged, status } = await tagged(talk, 'c1');
  if (!/^OK\b/i.test(status)) throw new TlsUpgradeError('refused', `answers CAPABILITY with "${lineForMessage(status)}"`);
  const capabilities = untagged.filter((line) => /^\* CAPABILITY /i.test(line)).join(' ');
  if (!/\sSTARTTLS(\s|$)/i.test(capabilities))
    throw new TlsUpgradeError('not-offered', 'offers no STARTTLS among its capabilities: log-ons and mail travel in clear text');
  talk.write('c2 STARTTLS\r\n');
  const go = await tagged(talk, 'c2');
  if (!/^OK\b/i.test(go.status)) throw new TlsUpgradeError('refused', `refuses STARTTLS: "${lineForMessage(go.status)}"`);
}

/** Untagged lines up to the tagged status line of `tag`; the status without its tag. */
async function tagged(talk: PlainConversation, tag: string): Promise<{ untagged: string[]; status: string }> {
  const untagged: string[] = [];
  for (;;) {
    const line = await talk.readLine();
    if (line.startsWith(`${tag} `)) return { untagged, status: line.slice(tag.length + 1) };
    if (!line.startsWith('* ')) throw new TlsUpgradeError('broken', `the server's answer is not IMAP: "${lineForMessage(line)}"`);
    untagged.push(line);
  }
}
