import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';

export const commandOutcomeSchema = z.strictObject({
  name: z.string(),
  command: z.string(),
  status: z.enum(['ok', 'missing', 'denied', 'failed', 'timeout', 'truncated']),
  exitCode: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
});

/** What `cocoscan agent collect` writes: raw command outputs, judged later by the checker with the same parsers. */
export const agentReportSchema = z.strictObject({
  format: z.literal('cocoscan-agent-report'),
  version: z.literal(1),
  agentVersion: z.string(),
  host: z.string(),
  collectedAt: z.string().datetime({ offset: true }),
  /** The host's offset from UTC when it collected, for tools that print local time without a zone. */
  utcOffsetMinutes: z.number().int().min(-1440).max(1440),
  commands: z.record(z.string(), commandOutcomeSchema),
});
export type AgentReport = z.infer<typeof agentReportSchema>;

/** The first bytes of a report `cocoscan agent collect` writes, signed or not: read back before it replaces a file. */
export function isAgentReportHead(head: string): boolean {
  return /^\{\s*"format": "cocoscan-(?:agent|signed)-report",\s*"version": \d+,/.test(head);
}

export const signedReportSchema = z.strictObject({
  format: z.literal('cocoscan-signed-report'),
  version: z.literal(1),
  algorithm: z.literal('ed25519'),
  /** SHA-256 of the signer's public key (SPKI DER), so a reader can tell which key signed. */
  keySha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The report JSON, base64: the signature covers exactly these bytes. */
  payload: z.string(),
  signature: z.string(),
});

export function keyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function signReport(report: AgentReport, privateKeyPem: string): string {
  const privateKey = createPrivateKey(privateKeyPem);
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error('the agent key is not an Ed25519 key (make one with: cocoscan agent keygen)');
  const payload = Buffer.from(JSON.stringify(report));
  const envelope = {
    format: 'cocoscan-signed-report' as const,
    version: 1 as const,
    algorithm: 'ed25519' as const,
    keySha256: keyFingerprint(createPublicKey(privateKey)),
    payload: payload.toString('base64'),
    signature: sign(null, payload, privateKey).toString('base64'),
  };
  return `${JSON.stringify(envelope, null, 2)}\n`;
}

export type Verified = { ok: true; report: AgentReport } | { ok: false; reason: string };

/** Checks a signed report against the public key the connection file names; any change to it fails. */
export function verifySignedReport(text: string, publicKeyPem: string): Verified {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(publicKeyPem);
  } catch (error) {
    return { ok: false, reason: `the public key cannot be read: ${(error as Error).message}` };
  }
  if (publicKey.asymmetricKeyType !== 'ed25519')
    return {
      ok: false,
      reason:
        `the public key is ${publicKey.asymmetricKeyType ?? 'of an unknown type'}, not ` +
        `Ed25519: agent reports are signed with Ed25519 keys (cocoscan agent keygen)`,
    };
  let envelope: z.infer<typeof signedReportSchema>;
  try {
    const parsed = signedReportSchema.safeParse(JSON.parse(text));
    if (!parsed.success)
      return { ok: false, reason: 'the report is not a signed cocoscan report (its entry names a key, so it must be signed)' };
    envelope = parsed.data;
  } catch {
    return { ok: false, reason: 'the report is not valid JSON: it was altered or cut short' };
  }
  if (envelope.keySha256 !== keyFingerprint(publicKey)) {
    return {
      ok: false,
      reason: `the report was signed by another key (${envelope.keySha256.slice(0, 16)}…, expected ${keyFingerprint(publicKey).slice(0, 16)}…)`,
    };
  }
  const payload = Buffer.from(envelope.payload, 'base64');
  if (payload.toString('base64') !== envelope.payload || !verify(null, payload, publicKey, Buffer.from(envelope.signature, 'base64'))) {
    return { ok: false, reason: 'the signature does not match the report: it was altered after signing' };
  }
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the signed payload is not JSON, so not a cocoscan agent report' };
  }
  const report = agentReportSchema.safeParse(body);
  if (!report.success) return { ok: false, reason: 'the signed payload is not a cocoscan agent report' };
  return { ok: true, report: report.data };
}
