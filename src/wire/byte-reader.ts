/**
 * Reads big-endian fields from a buffer, shared by the TLS and SSH wire readers. Reading past the end throws
 * the error `short` makes, so each protocol reports a cut message in its own terms.
 */
export class ByteReader {
  #offset = 0;
  constructor(
    private readonly data: Buffer,
    private readonly short: () => Error,
  ) {}

  remaining(): number {
    return this.data.length - this.#offset;
  }

  #need(n: number): void {
    if (n < 0 || this.remaining() < n) throw this.short();
  }

  u8(): number {
    this.#need(1);
    return this.data[this.#offset++]!;
  }

  u16(): number {
    this.#need(2);
    const v = this.data.readUInt16BE(this.#offset);
    this.#offset += 2;
    return v;
  }

  u24(): number {
    this.#need(3);
    const v = this.data.readUIntBE(this.#offset, 3);
    this.#offset += 3;
    return v;
  }

  u32(): number {
    this.#need(4);
    const v = this.data.readUInt32BE(this.#offset);
    this.#offset += 4;
    return v;
  }

  bytes(n: number): Buffer {
    this.#need(n);
    const v = this.data.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return v;
  }
}
