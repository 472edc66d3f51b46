/**
 * Reads only what a simulated proxy needs from a discovery response (its small fields, and where
 * each resource's bytes are) without decoding the resources: the benchmark's client process must
 * keep up with 2,000 streams receiving the same megabytes istiod sends, and full decoding of every
 * response made the client, not istiod, the bottleneck. Field numbers: envoy.service.discovery.v3.
 */

import { WireReader } from '../src/xds-server/wire-reader';

const textDecoder = new TextDecoder();

export interface ScannedSotw {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  /** Each resource's encoded Any. */
  resources: Uint8Array[];
}

export function scanDiscoveryResponse(bytes: Uint8Array): ScannedSotw {
  const reader = new WireReader(bytes);
  const out: ScannedSotw = { versionInfo: '', typeUrl: '', nonce: '', resources: [] };
  while (!reader.done) {
    const tag = reader.varint();
    const field = tag >>> 3;
    if (field === 1) out.versionInfo = textDecoder.decode(reader.delimited());
    else if (field === 2) out.resources.push(reader.delimited());
    else if (field === 4) out.typeUrl = textDecoder.decode(reader.delimited());
    else if (field === 5) out.nonce = textDecoder.decode(reader.delimited());
    else reader.skip(tag & 7);
  }
  return out;
}

export interface ScannedResource {
  name: string;
  version: string;
  /** The encoded Any, if present. */
  resource: Uint8Array | undefined;
}

export interface ScannedDelta {
  typeUrl: string;
  nonce: string;
  resources: ScannedResource[];
  removed: string[];
}

function scanResource(bytes: Uint8Array): ScannedResource {
  const reader = new WireReader(bytes);
  const out: ScannedResource = { name: '', version: '', resource: undefined };
  while (!reader.done) {
    const tag = reader.varint();
    const field = tag >>> 3;
    if (field === 3) out.name = textDecoder.decode(reader.delimited());
    else if (field === 1) out.version = textDecoder.decode(reader.delimited());
    else if (field === 2) out.resource = reader.delimited();
    else reader.skip(tag & 7);
  }
  return out;
}

export function scanDeltaDiscoveryResponse(bytes: Uint8Array): ScannedDelta {
  const reader = new WireReader(bytes);
  const out: ScannedDelta = { typeUrl: '', nonce: '', resources: [], removed: [] };
  while (!reader.done) {
    const tag = reader.varint();
    const field = tag >>> 3;
    if (field === 2) out.resources.push(scanResource(reader.delimited()));
    else if (field === 4) out.typeUrl = textDecoder.decode(reader.delimited());
    else if (field === 5) out.nonce = textDecoder.decode(reader.delimited());
    else if (field === 6) out.removed.push(textDecoder.decode(reader.delimited()));
    else reader.skip(tag & 7);
  }
  return out;
}

/** The value (field 2) of an encoded Any. */
export function anyValue(any: Uint8Array): Uint8Array {
  const reader = new WireReader(any);
  while (!reader.done) {
    const tag = reader.varint();
    if (tag >>> 3 === 2) return reader.delimited();
    reader.skip(tag & 7);
  }
  return new Uint8Array();
}
