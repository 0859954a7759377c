import type { PlainConversation } from './conversation.ts';
import { TlsUpgradeError } from './errors.ts';
import { lineForMessage } from './line-replies.ts';

const FEATURES_END = /<\/stream:features>|<stream:features\s*\/>|<stream:error\b[\s\S]*?<\/stream:error>/;
const STARTTLS_ANSWER = /<proceed\b[^>]*?(\/>|><\/proceed>)|<failure\b[^>]*?(\/>|>[\s\S]*?<\/failure>)/;

const xmlAttribute = (value: string) => value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** XMPP client streams (RFC 6120 §5): stream header, features, <starttls/>, <proceed/>. */
export async function upgradeXmpp(talk: PlainConversation, domain: string): Promise<void> {
  talk.write(
    `<?xml version='1.0'?><stream:stream to='${xmlAttribute(domain)}' version='1.0' xmlns='jabber:client' ` +
      `xmlns:stream='http://etherx.jabber.org/streams'>`,
  );
  const features = await talk.readUntil(FEATURES_END);
  if (/<stream:error\b/.test(features))
    throw new TlsUpgradeError(
      'refused',
      `ends the stream with an error: "${lineForMessage(features.slice(features.indexOf('<stream:error')))}"`,
    );
  if (!/<starttls\b[^>]*urn:ietf:params:xml:ns:xmpp-tls/.test(features))
    throw new TlsUpgradeError('not-offered', 'offers no STARTTLS among its stream features: log-ons and messages travel in clear text');
  talk.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  const answer = await talk.readUntil(STARTTLS_ANSWER);
  if (!/<proceed\b/.test(answer.slice(answer.search(STARTTLS_ANSWER))))
    throw new TlsUpgradeError('refused', 'answers <starttls/> with <failure/>');
}
