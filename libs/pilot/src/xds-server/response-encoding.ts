/**
 * Discovery responses written straight to bytes. A push sends the same resources to every proxy
 * that looks alike; encoding each response with the generic message codec copied every resource
 * again per proxy (growing a writer, then copying into a Buffer), which dominated istiod's CPU in
 * `npm run bench:pilot`. Here each resource (an Any) is encoded once, framed as the length-delimited
 * field 2 that both DiscoveryResponse.resources and Resource.resource are, and kept beside the Any
 * object for as long as it lives; a response is then its small fields plus those shared frames,
 * joined with one copy.
 *
 * Field numbers are those of envoy.service.discovery.v3 (discovery.proto); the output decodes with
 * any protobuf decoder (response-encoding.spec.ts checks it against the generated codec).
 */
import { Any, type Resource } from '@mesh/xds';
import { ControlPlane } from '@mesh/xds/generated/envoy/config/core/v3/base';

const WIRE_LENGTH_DELIMITED = 2;

/** Field 2, length-delimited, holding an encoded Any: the same frame in both response kinds. */
const framedAnys = new WeakMap<Any, Uint8Array>();

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    length++;
  }
  return length;
}

function writeVarint(target: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    target[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  target[offset++] = value;
  return offset;
}

/** Tag and length of a length-delimited field, then the payload, in one array. */
function frame(field: number, payload: Uint8Array): Uint8Array {
  const tag = (field << 3) | WIRE_LENGTH_DELIMITED;
  const out = new Uint8Array(varintLength(tag) + varintLength(payload.length) + payload.length);
  let offset = writeVarint(out, 0, tag);
  offset = writeVarint(out, offset, payload.length);
  out.set(payload, offset);
  return out;
}

function framedAny(any: Any): Uint8Array {
  let framed = framedAnys.get(any);
  if (!framed) framedAnys.set(any, (framed = frame(2, Any.encode(any).finish())));
  return framed;
}

/** A message under construction: its fields' bytes, in order, and their total length. */
class Parts {
  readonly list: Uint8Array[] = [];
  length = 0;

  add(bytes: Uint8Array): this {
    this.list.push(bytes);
    this.length += bytes.length;
    return this;
  }

  /** A string field; proto3 leaves empty strings out. */
  string(field: number, value: string | undefined): this {
    return value ? this.add(frame(field, Buffer.from(value, 'utf8'))) : this;
  }

  /** A nested message given as its parts (not copied until `finish`). */
  message(field: number, inner: Parts): this {
    const tag = (field << 3) | WIRE_LENGTH_DELIMITED;
    const header = new Uint8Array(varintLength(tag) + varintLength(inner.length));
    writeVarint(header, writeVarint(header, 0, tag), inner.length);
    this.add(header);
    for (const part of inner.list) this.add(part);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.list, this.length);
  }
}

/** Encoded once per server: the control_plane field of every response. */
export function encodeControlPlane(controlPlane: ControlPlane | undefined): Uint8Array | undefined {
  return controlPlane ? ControlPlane.encode(controlPlane).finish() : undefined;
}

export interface SotwResponseFields {
  readonly versionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly resources: readonly Any[];
  /** From encodeControlPlane. */
  readonly controlPlane?: Uint8Array;
}

/** envoy.service.discovery.v3.DiscoveryResponse. */
export function encodeDiscoveryResponse(response: SotwResponseFields): Buffer {
  const parts = new Parts().string(1, response.versionInfo);
  for (const any of response.resources) parts.add(framedAny(any));
  parts.string(4, response.typeUrl).string(5, response.nonce);
  if (response.controlPlane) parts.add(frame(6, response.controlPlane));
  return parts.finish();
}

export interface DeltaResponseFields {
  readonly systemVersionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  /** name, version and resource of each; other Resource fields are not sent by this server. */
  readonly resources: readonly Pick<Resource, 'name' | 'version' | 'resource'>[];
  readonly removedResources: readonly string[];
  readonly controlPlane?: Uint8Array;
}

/** envoy.service.discovery.v3.DeltaDiscoveryResponse. */
export function encodeDeltaDiscoveryResponse(response: DeltaResponseFields): Buffer {
  const parts = new Parts().string(1, response.systemVersionInfo);
  for (const resource of response.resources) {
    const inner = new Parts().string(3, resource.name).string(1, resource.version);
    if (resource.resource) inner.add(framedAny(resource.resource));
    parts.message(2, inner);
  }
  parts.string(4, response.typeUrl).string(5, response.nonce);
  for (const name of response.removedResources) parts.add(frame(6, Buffer.from(name, 'utf8')));
  if (response.controlPlane) parts.add(frame(7, response.controlPlane));
  return parts.finish();
}
