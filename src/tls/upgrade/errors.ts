import { CocoscanError } from '../../errors.ts';

/**
 * Why a plaintext connection did not become a TLS one. `not-offered` and `refused` are the server's own answer
 * (a finding); `broken` means the conversation itself failed (timeout, not the protocol, cut short).
 */
export type UpgradeRefusal = 'not-offered' | 'refused' | 'broken';

export class TlsUpgradeError extends CocoscanError {
  constructor(
    readonly refusal: UpgradeRefusal,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      message,
      refusal === 'broken'
        ? 'check that the port speaks the declared protocol; the evidence file of the endpoint has what the server said'
        : 'enable STARTTLS (or its equivalent) on the service, or move it to implicit TLS',
      options,
    );
  }
}
