/**
 * An SNMPv3 agent whose behaviour is chosen per security level: net-snmp's own agent (one authPriv user, so it
 * answers authPriv and refuses the lower levels with a usmStatsWrongDigests Report) behind a relay that, for a
 * chosen level, stays silent, answers with a discovery Report for ever, or sends garbage. Discovery requests
 * (no user name) always reach the agent.
 */
import { createSocket, type Socket } from 'node:dgram';
import snmp from 'net-snmp';
import { v3DiscoveryReport, v3MessageId } from './fake-snmp-agent.ts';

export type V3Level = 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
/** serve: the real agent answers (or refuses); the others never let the request reach it. */
export type LevelBehaviour = 'serve' | 'silent' | 'report-loop' | 'garbage';

export interface V3AgentOptions {
  user: string;
  authKey: string;
  privKey: string;
  /** Levels not named are served. */
  levels?: Partial<Record<V3Level, LevelBehaviour>>;
}

export interface FakeV3Agent {
  port: number;
  /** Requests received at each level (discovery requests left out). */
  requests: (level: V3Level) => number;
  close: () => Promise<void>;
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(data: Buffer, offset: number): Tlv {
  const tag = data[offset]!;
  let len = data[offset + 1]!;
  let start = offset + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    len = 0;
    for (let i = 0; i < count; i += 1) len = len * 256 + data[start + i]!;
    start += count;
  }
  if (tag === undefined || start + len > data.length) throw new RangeError('truncated');
  return { tag, start, end: start + len };
}

function children(data: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end; offset = out.at(-1)!.end) out.push(readTlv(data, offset));
  return out;
}

/** The security level and user name of a v3 request, or undefined for anything else. */
export function v3LevelOf(data: Buffer): { level: V3Level; user: string } | undefined {
  try {
    const [version, header, securityParameters] = children(data, readTlv(data, 0));
    if (!version || !header || !securityParameters || data[version.start] !== 3) return undefined;
    const flags = data[children(data, header)[2]!.start]!;
    const usm = children(data, readTlv(data, securityParameters.start));
    const user = data.subarray(usm[3]!.start, usm[3]!.end).toString();
    const level: V3Level = flags & 1 ? (flags & 2 ? 'authPriv' : 'authNoPriv') : 'noAuthNoPriv';
    return { level, user };
  } catch {
    return undefined;
  }
}

export async function startFakeV3Agent(options: V3AgentOptions): Promise<FakeV3Agent> {
  // net-snmp's agent binds the port it is given and takes 0 for "161": its socket is bound to a free port here.
  let agentSocket: Socket | undefined;
  const agent = snmp.createAgent(
    {
      address: '127.0.0.1',
      dgramModule: {
        createSocket: (type) => {
          const socket = createSocket(type);
          const bind = socket.bind.bind(socket) as (port: number, address: string) => Socket;
          (socket as unknown as { bind: (port: number, address: string) => Socket }).bind = (_port, address) => bind(0, address);
          agentSocket = socket;
          return socket;
        },
      },
    },
    () => {},
  );
  agent.getAuthorizer().addUser({
    name: options.user,
    level: snmp.SecurityLevel.authPriv,
    authProtocol: snmp.AuthProtocols.sha256,
    authKey: options.authKey,
    privProtocol: snmp.PrivProtocols.aes,
    privKey: options.privKey,
  });
  if (!agentSocket) throw new Error('the agent made no socket');
  const agentBound = agentSocket;
  // The agent binds synchronously on creation; 'listening' comes on a later tick.
  await new Promise<void>((resolve) => agentBound.once('listening', () => resolve()));
  const agentPort = agentBound.address().port;

  const front = createSocket('udp4');
  const upstreams = new Map<string, Socket>();
  const counts: Record<V3Level, number> = { noAuthNoPriv: 0, authNoPriv: 0, authPriv: 0 };
  const upstreamFor = async (address: string, port: number): Promise<Socket> => {
    const key = `${address}:${port}`;
    const known = upstreams.get(key);
    if (known) return known;
    const socket = createSocket('udp4');
    upstreams.set(key, socket);
    socket.on('message', (reply) => front.send(reply, port, address));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return socket;
  };
  front.on('message', (data, rinfo) => {
    const request = v3LevelOf(data);
    if (!request) return;
    const behaviour = request.user === '' ? 'serve' : (options.levels?.[request.level] ?? 'serve');
    if (request.user !== '') counts[request.level] += 1;
    if (behaviour === 'silent') return;
    if (behaviour === 'garbage') {
      front.send(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01]), rinfo.port, rinfo.address);
      return;
    }
    if (behaviour === 'report-loop') {
      const id = v3MessageId(data);
      if (id !== undefined) front.send(v3DiscoveryReport(id), rinfo.port, rinfo.address);
      return;
    }
    void upstreamFor(rinfo.address, rinfo.port).then((socket) => socket.send(data, agentPort, '127.0.0.1'));
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', resolve));

  return {
    port: front.address().port,
    requests: (level) => counts[level],
    close: async () => {
      const closing = [front, ...upstreams.values(), agentBound].map(
        (socket) => new Promise<void>((resolve) => socket.close(() => resolve())),
      );
      await Promise.all(closing);
    },
  };
}
