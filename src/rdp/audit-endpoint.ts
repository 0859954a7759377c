import type { LimitFunction } from 'p-limit';
import { RdpConnection, RdpExchangeError } from './connection.ts';
import {
  connectionRequest,
  ENCRYPTION_METHODS,
  mcsConnectInitial,
  parseConnectionConfirm,
  parseConnectResponse,
  RDP_PROTOCOLS,
  RdpWireError,
  type ConnectResponse,
  type EncryptionMethodName,
  type NegotiationAnswer,
  type RdpLayer,
} from './wire.ts';

/** One Connection Request asking for one security layer, and the server's answer or why there was none. */
export interface LayerAttempt {
  layer: RdpLayer;
  /** The requestedProtocols value sent. */
  requested: number;
  answer?: NegotiationAnswer;
  failure?: string;
}

/** The MCS Connect Response to a client offering some encryption methods under standard RDP security. */
export interface StandardSecurityAnswer {
  /** The encryptionMethods flags offered. */
  offered: number;
  response?: ConnectResponse;
  failure?: string;
}

/** One encryption method offered alone: whether the server chose it. */
export interface MethodAttempt extends StandardSecurityAnswer {
  method: Exclude<EncryptionMethodName, 'none'>;
}

export interface RdpEndpointAudit {
  layers: LayerAttempt[];
  /** Every method offered at once, on the standard-security connection: the server's choice and its encryption level. */
  standard?: StandardSecurityAnswer;
  /** Each method offered alone (as nmap's rdp-enum-encryption does), when standard RDP security is accepted. */
  methods: MethodAttempt[];
  /** Connections made. */
  connections: number;
}

export interface AuditOptions {
  /** Each connection's deadline, connect included. */
  timeoutMs: number;
  /** The whole audit of the port stops trying new connections past this. */
  budgetMs: number;
  limit: LimitFunction;
  signal?: AbortSignal;
  now?: () => number;
}

/** The layers asked for, one connection each, in this order. */
export const LAYER_ORDER: readonly RdpLayer[] = ['rdp', 'ssl', 'hybrid', 'hybridEx'];
/** A port that did not answer the first Connection Request as RDP is not asked again. */
const NO_FIRST_ANSWER = 'not tried: the first Connection Request got no RDP answer';
const ALL_METHODS = Object.values(ENCRYPTION_METHODS).reduce((all, flag) => all | flag, 0);

/** Whether an answer to a request for standard RDP security accepts it. */
export function acceptsStandard(answer: NegotiationAnswer | undefined): boolean {
  return answer?.kind === 'legacy' || (answer?.kind === 'selected' && answer.protocol === RDP_PROTOCOLS.rdp);
}

const reason = (error: unknown): string =>
  error instanceof RdpExchangeError || error instanceof RdpWireError ? error.message : 'the exchange failed unexpectedly';

/**
 * Asks one RDP port which security layers it accepts (one X.224 Connection Request each) and, when it accepts
 * standard RDP security, which encryption it uses (MCS Connect Initial, each method alone). Never logs on.
 * Every failure is kept in the result with its reason; nothing throws but a cancelled run.
 */
export async function auditRdpEndpoint(host: string, port: number, options: AuditOptions): Promise<RdpEndpointAudit> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.budgetMs;
  const audit: RdpEndpointAudit = { layers: [], methods: [], connections: 0 };
  const overBudget = () => (now() > deadline ? `not tried: the port's time budget of ${options.budgetMs} ms was used up` : undefined);

  /** One connection: a Connection Request, then optionally an MCS Connect Initial once standard security is chosen. */
  const converse = (requested: number, offerMethods?: number) =>
    options.limit(async () => {
      audit.connections += 1;
      const connection = await RdpConnection.open(host, port, options.timeoutMs, options.signal);
      try {
        connection.send(connectionRequest(requested));
        const answer = parseConnectionConfirm(await connection.readPacket());
        if (offerMethods === undefined || !acceptsStandard(answer)) return { answer };
        const standard: StandardSecurityAnswer = { offered: offerMethods };
        try {
          connection.send(mcsConnectInitial(offerMethods));
          standard.response = parseConnectResponse(await connection.readPacket());
        } catch (error) {
          standard.failure = reason(error);
        }
        return { answer, standard };
      } finally {
        connection.close();
      }
    });

  for (const layer of LAYER_ORDER) {
    const requested = RDP_PROTOCOLS[layer];
    const skipped = overBudget() ?? (audit.layers[0]?.failure !== undefined ? NO_FIRST_ANSWER : undefined);
    if (skipped) {
      audit.layers.push({ layer, requested, failure: skipped });
      continue;
    }
    try {
      const { answer, standard } = await converse(requested, layer === 'rdp' ? ALL_METHODS : undefined);
      audit.layers.push({ layer, requested, answer });
      if (standard) audit.standard = standard;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      audit.layers.push({ layer, requested, failure: reason(error) });
    }
  }

  if (!acceptsStandard(audit.layers[0]?.answer)) return audit;
  for (const [method, flag] of Object.entries(ENCRYPTION_METHODS) as [MethodAttempt['method'], number][]) {
    const skipped = overBudget();
    if (skipped) {
      audit.methods.push({ method, offered: flag, failure: skipped });
      continue;
    }
    try {
      const { answer, standard } = await converse(RDP_PROTOCOLS.rdp, flag);
      audit.methods.push(
        standard
          ? { method, ...standard }
          : { method, offered: flag, failure: `the server no longer accepted standard RDP security (${JSON.stringify(answer)})` },
      );
    } catch (error) {
      if (options.signal?.aborted) throw error;
      audit.methods.push({ method, offered: flag, failure: reason(error) });
    }
  }
  return audit;
}
