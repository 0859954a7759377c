import type { TlsUpgradeDialect } from '../../protocol/table.ts';
import { openTlsReadySocket, TcpConnectError, UPGRADE_NAMES, type TlsTarget } from '../tls-ready-socket.ts';
import { TlsUpgradeError, type UpgradeRefusal } from './errors.ts';

/** How one upgrade conversation went: the evidence of the `tls.starttls` finding. */
export type UpgradeFacts =
  | { dialect: TlsUpgradeDialect; step: string; upgraded: true }
  | {
      dialect: TlsUpgradeDialect;
      step: string;
      upgraded: false;
      /** `not-offered` and `refused` are the server's answer; `broken` means no answer could be judged. */
      refusal: UpgradeRefusal;
      /** What happened, as a message says it ("offers no STARTTLS in its EHLO reply: …"). */
      failure: string;
    };

/** Runs the upgrade once and hangs up: whether the server goes on to TLS, and if not, what it said. */
export async function checkUpgrade(
  target: TlsTarget & { upgrade: TlsUpgradeDialect },
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<UpgradeFacts> {
  const base = { dialect: target.upgrade, step: UPGRADE_NAMES[target.upgrade] };
  try {
    const socket = await openTlsReadySocket(target, options);
    socket.destroy();
    return { ...base, upgraded: true };
  } catch (error) {
    if (error instanceof TlsUpgradeError) return { ...base, upgraded: false, refusal: error.refusal, failure: error.message };
    const reason = error instanceof TcpConnectError ? error.message : 'the connection could not be opened';
    return { ...base, upgraded: false, refusal: 'broken', failure: `no ${base.step} conversation: ${reason}` };
  }
}
