import { quoteServer } from './conversation.ts';
import type { PlainConversation } from './conversation.ts';
import { TlsUpgradeError } from './errors.ts';

/** How a message quotes a server's line. */
export const lineForMessage = quoteServer;

/** A reply of numbered lines (SMTP, FTP): "250-…" continues, "250 …" ends it. */
export interface NumberedReply {
  code: number;
  lines: string[];
}

/** Reads one numbered reply; a line that is not one is a broken conversation, never guessed at. */
export async function readNumberedReply(talk: PlainConversation, protocol: string): Promise<NumberedReply> {
  const lines: string[] = [];
  for (;;) {
    const line = await talk.readLine();
    const match = /^(\d{3})([ -]|$)/.exec(line);
    if (!match) throw new TlsUpgradeError('broken', `the server's answer is not ${protocol}: "${lineForMessage(line)}"`);
    lines.push(line.slice(4));
    if (match[2] !== '-') return { code: Number(match[1]), lines };
  }
}

/**
 * A numbered reply that is not the go-ahead. 421 (SMTP and FTP: service not available, closing; too many
 * connections) says nothing of the service's TLS: a broken conversation (an error), never a refusal. A 454 to
 * STARTTLS stays a refusal: postfix answers it for good when its TLS is misconfigured, and mail then goes in clear.
 */
export function refusalOf(code: number): 'refused' | 'broken' {
  return code === 421 ? 'broken' : 'refused';
}
