// The parts of net-snmp (plain JavaScript, no published types) that cocoscan uses.
declare module 'net-snmp' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:dgram';

  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }

  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    transport?: 'udp4' | 'udp6';
    version?: number;
    idBitsSize?: 16 | 32;
    backwardsGetNexts?: boolean;
  }

  export interface User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }

  export interface Session extends EventEmitter {
    dgram: Socket;
    onMsg(buffer: Buffer): void;
    get(oids: string[], callback: (error: Error | null, varbinds: Varbind[]) => void): void;
    getNext(oids: string[], callback: (error: Error | null, varbinds: Varbind[]) => void): void;
    /** With non-repeaters 0, the answer holds one list of varbinds per requested OID. */
    getBulk(
      oids: string[],
      nonRepeaters: number,
      maxRepetitions: number,
      callback: (error: Error | null, varbinds: Varbind[][]) => void,
    ): void;
    cancelRequests(error: Error): void;
    close(): void;
    /** Set by a v3 session from the agent's discovery Report (RFC 3414 4): its authoritative engine. */
    msgSecurityParameters?: { msgAuthoritativeEngineID?: unknown };
  }

  /** An SNMP agent; cocoscan uses it only in tests, as an honest v3 agent. */
  export interface AgentOptions {
    port?: number;
    address?: string;
    transport?: 'udp4' | 'udp6';
    /** Replaces node:dgram for the agent's sockets. */
    dgramModule?: { createSocket: (type: 'udp4' | 'udp6') => Socket };
  }
  export interface Agent {
    getAuthorizer(): { addUser(user: User): void };
    close(callback?: () => void): void;
  }
  export function createAgent(options: AgentOptions, callback: (error: Error | null, data: unknown) => void): Agent;

  export function createSession(target: string, community: string, options?: SessionOptions): Session;
  export function createV3Session(target: string, user: User, options?: SessionOptions): Session;
  export function isVarbindError(varbind: Varbind): boolean;
  export function varbindError(varbind: Varbind): string;

  export const Version1: number;
  export const Version2c: number;
  export const Version3: number;
  export const SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
  export const AuthProtocols: Record<'none' | 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512', number>;
  export const PrivProtocols: Record<'none' | 'des' | 'aes' | 'aes256b' | 'aes256r', number>;
  export const ObjectType: Record<string, number>;

  const snmp: {
    createSession: typeof createSession;
    createV3Session: typeof createV3Session;
    createAgent: typeof createAgent;
    isVarbindError: typeof isVarbindError;
    varbindError: typeof varbindError;
    Version1: number;
    Version2c: number;
    Version3: number;
    SecurityLevel: typeof SecurityLevel;
    AuthProtocols: typeof AuthProtocols;
    PrivProtocols: typeof PrivProtocols;
  };
  export default snmp;
}
