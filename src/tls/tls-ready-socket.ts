import { connect, type Socket } from 'node:net';
import type { TlsUpgradeDialect } from '../protocol/table.ts';
import { PlainConversation } from './upgrade/conversation.ts';
import { TlsUpgradeError } from './upgrade/errors.ts';
import { upgradeFtp } from './upgrade/ftp.ts';
import { upgradeImap } from './upgrade/imap.ts';
import { upgradeLdap } from './upgrade/ldap.ts';
import { upgradeMysql } from './upgrade/mysql.ts';
import { upgradePop3 } from './upgrade/pop3.ts';
import { upgradePostgresql } from './upgrade/postgresql.ts';
import { upgradeRdp } from './upgrade/rdp.ts';
import { upgradeSmtp } from './upgrade/smtp.ts';
import { upgradeXmpp } from './upgrade/xmpp.ts';

/** Where TLS is reached: the address, the name to ask for, and the upgrade step when TLS is not implicit. */
export interface TlsTarget {
  host: string;
  port: number;
  serverName?: string;
  /** The protocol's own step before TLS (STARTTLS and kin); absent for TLS from the first byte. */
  upgrade?: TlsUpgradeDialect;
}

export interface OpenOptions {
  /** The TCP connect has this long, and the upgrade conversation as long again. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** What each dialect calls the step, for messages. */
export const UPGRADE_NAMES: Readonly<Record<TlsUpgradeDialect, string>> = {
  smtp: 'SMTP STARTTLS',
  imap: 'IMAP STARTTLS',
  pop3: 'POP3 STLS',
  ftp: 'FTP AUTH TLS',
  ldap: 'LDAP StartTLS',
  xmpp: 'XMPP STARTTLS',
  postgresql: 'PostgreSQL SSLRequest',
  mysql: 'MySQL SSLRequest',
  rdp: 'RDP TLS negotiation',
};

/** A TCP connection that failed before any byte: the system error, kept for the caller's wording. */
export class TcpConnectError extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one way cocoscan opens a connection for TLS: TCP, then the protocol's upgrade when it has one. The socket
 * returned is ready for a ClientHello, and paused: a caller that reads it attaches its listeners, then calls
 * `resume()`. A refused upgrade rejects with TlsUpgradeError; a failed connect with TcpConnectError.
 */
export async function openTlsReadySocket(target: TlsTarget, options: OpenOptions): Promise<Socket> {
  const socket = await connectTcp(target, options);
  if (!target.upgrade) return socket;
  const talk = new PlainConversation(socket, UPGRADE_NAMES[target.upgrade], options.timeoutMs, options.signal);
  try {
    await runDialect(target.upgrade, talk, target.serverName ?? target.host);
    return talk.release();
  } catch (error) {
    talk.close();
    if (error instanceof TlsUpgradeError) throw error;
    throw new TlsUpgradeError('broken', `the ${UPGRADE_NAMES[target.upgrade]} conversation could not be read`, { cause: error });
  }
}

function runDialect(dialect: TlsUpgradeDialect, talk: PlainConversation, domain: string): Promise<void> {
  switch (dialect) {
    case 'smtp':
      return upgradeSmtp(talk);
    case 'imap':
      return upgradeImap(talk);
    case 'pop3':
      return upgradePop3(talk);
    case 'ftp':
      return upgradeFtp(talk);
    case 'ldap':
      return upgradeLdap(talk);
    case 'xmpp':
      return upgradeXmpp(talk, domain);
    case 'postgresql':
      return upgradePostgresql(talk);
    case 'mysql':
      return upgradeMysql(talk);
    case 'rdp':
      return upgradeRdp(talk);
  }
}

function connectTcp(target: TlsTarget, options: OpenOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(new TcpConnectError(undefined, 'the run was cancelled'));
    const socket = connect({ host: target.host, port: target.port });
    const finish = (error?: TcpConnectError) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      if (!error) return resolve(socket);
      socket.destroy();
      reject(error);
    };
    const onConnect = () => finish();
    const onError = (error: NodeJS.ErrnoException) => finish(new TcpConnectError(error.code, `${error.code ?? 'error'}: ${error.message}`));
    const onAbort = () => finish(new TcpConnectError(undefined, 'the run was cancelled'));
    const timer = setTimeout(
      () => finish(new TcpConnectError('ETIMEDOUT', `no answer within ${options.timeoutMs} ms (TCP connect)`)),
      options.timeoutMs,
    );
    socket.once('connect', onConnect);
    socket.once('error', onError);
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
