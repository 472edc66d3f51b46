/**
 * The least of a protobuf reader: varints and length-delimited fields over one byte array, for the
 * places that read a message's top-level fields without decoding the rest (request-decoding.ts and
 * the benchmark's simulated proxies). Bounds are checked: truncated input throws a RangeError.
 */
export class WireReader {
  offset = 0;

  constructor(readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  varint(): number {
    let value = 0;
    let factor = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.bytes[this.offset++];
      if (byte === undefined) throw new RangeError('truncated varint');
      value += (byte & 0x7f) * factor;
      if (byte < 0x80) return value;
      factor *= 128;
    }
    throw new RangeError('varint too long');
  }

  /** The next length-delimited payload, as a view (no copy). */
  delimited(): Uint8Array {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.bytes.length) throw new RangeError('truncated field');
    const view = this.bytes.subarray(this.offset, end);
    this.offset = end;
    return view;
  }

  /** Skips a field's value of the given wire type. */
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.offset += 8;
    else if (wireType === 2) this.delimited();
    else if (wireType === 5) this.offset += 4;
    else throw new RangeError(`unsupported wire type ${wireType}`);
  }
}
