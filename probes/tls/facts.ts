import type { TlsChecksFacts } from '../../src/tls/checks/gather-checks.ts';
import type { TlsUpgradeDialect } from '../../src/protocol/table.ts';
import type { TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';

/** A declared flow that speaks TLS, as the judge needs it. */
export interface TlsFlow {
  name: string;
  port: number;
  protocol: string;
  /** The protocol's step to TLS (STARTTLS and kin) when TLS is not implicit. */
  upgrade?: TlsUpgradeDialect;
  /** No flow declares the port: the sweep found it open and the protocol table says it speaks TLS. */
  undeclared?: true;
  /** HTTP runs inside this TLS (https, or http declared with `tls: true`): GET / is asked and HSTS applies. */
  http: boolean;
  /** The only sources the flow is open to, when the connection file restricts it. */
  sources?: readonly string[];
  /** Whether the scanner's own address is among them (then the flow should answer it). */
  scannerAmongSources?: boolean;
}

/** An endpoint whose TLS answers were read (they may still say it cannot be judged: `inspection.failure`). */
export interface InspectedEndpoint {
  flow: TlsFlow;
  failure?: undefined;
  /** When the inspection ended (ISO 8601). */
  time: string;
  inspection: TlsEndpointFacts;
  /** Whether the leaf certificate names the gateway's host; undefined when the name checker cannot read it. */
  leafNamesHost: boolean | undefined;
  /** The first break in the order of the chain as sent (TLS 1.2 and older); undefined when in order or not sent. */
  chainOrderProblem: string | undefined;
  /** The single checks testssl.sh makes (SSLv2, compression, renegotiation, Heartbleed, …): judge-checks.ts. */
  checks: TlsChecksFacts;
  /** Report-relative paths of the endpoint's artefacts: the summary, the chain when one was seen, the checks. */
  artefacts: { summary: string; chain?: string; checks?: string };
}

/** An endpoint whose inspection threw: an error for this endpoint only. */
export interface FailedEndpoint {
  flow: TlsFlow;
  /** Why its TLS answers could not be read, in words a user can act on. */
  failure: string;
  time: string;
}

export type TlsEndpoint = InspectedEndpoint | FailedEndpoint;

/** What the TLS judge reads for one gateway: every declared flow that speaks TLS, then undeclared open ports that do. */
export interface TlsFacts {
  gateway: { name: string; host: string };
  /** Empty when no declared flow speaks TLS (implicit or by upgrade) and no undeclared open port does: then nothing applies. */
  endpoints: TlsEndpoint[];
}
