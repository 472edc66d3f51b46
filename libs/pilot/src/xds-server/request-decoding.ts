/**
 * State-of-the-world requests decoded with their resource names left as bytes until needed. Envoy
 * acknowledges every EDS response with the full list of the clusters it watches (6,000 names, about
 * 360 KB, for a sidecar in a 1,000-service mesh); decoding and comparing those names on every ACK
 * was the largest cost of an endpoint push in `npm run bench:pilot`. Here the names' bytes get a
 * digest instead: an ACK whose digest equals the last one's repeats the subscription, and the names
 * are decoded only when something reads them (a new or changed subscription).
 *
 * Field numbers of envoy.service.discovery.v3.DiscoveryRequest: version_info 1, node 2,
 * resource_names 3, type_url 4, response_nonce 5, error_detail 6, resource_locators 7. A request
 * with anything else, or with its names not in one run, is decoded the ordinary way (no digest).
 */
import { hash } from 'node:crypto';
import { DiscoveryRequest, Node } from '@mesh/xds';
import { Status } from '@mesh/xds/generated/google/rpc/status';
import { WireReader } from './wire-reader';

export interface SotwRequest extends DiscoveryRequest {
  /** Identifies the resource_names list (count and SHA-1 of its bytes); absent when not computed. */
  readonly namesDigest?: string;
}

const utf8 = new TextDecoder();

function decodeNames(block: Uint8Array): string[] {
  const reader = new WireReader(block);
  const names: string[] = [];
  while (!reader.done) {
    reader.varint(); // the tag of field 3, checked while scanning
    names.push(utf8.decode(reader.delimited()));
  }
  return names;
}

/** Decodes a DiscoveryRequest (the grpc-js request deserializer of StreamAggregatedResources). */
export function decodeSotwRequest(bytes: Buffer): SotwRequest {
  try {
    const scanned = scan(bytes);
    if (scanned) return scanned;
  } catch {
    // Malformed: let the generated decoder report it as it always has.
  }
  return DiscoveryRequest.decode(bytes);
}

function scan(bytes: Buffer): SotwRequest | undefined {
  const reader = new WireReader(bytes);
  let versionInfo = '';
  let typeUrl = '';
  let responseNonce = '';
  let node: Node | undefined;
  let errorDetail: Status | undefined;
  let namesStart = -1;
  let namesEnd = -1;
  let count = 0;
  while (!reader.done) {
    const at = reader.offset;
    const tag = reader.varint();
    if ((tag & 7) !== 2) return undefined;
    const field = tag >>> 3;
    const value = reader.delimited();
    switch (field) {
      case 1:
        versionInfo = utf8.decode(value);
        break;
      case 2:
        node = Node.decode(value);
        break;
      case 3:
        if (namesStart === -1) namesStart = at;
        else if (namesEnd !== at) return undefined; // names not in one run
        namesEnd = reader.offset;
        count++;
        break;
      case 4:
        typeUrl = utf8.decode(value);
        break;
      case 5:
        responseNonce = utf8.decode(value);
        break;
      case 6:
        errorDetail = Status.decode(value);
        break;
      default:
        return undefined;
    }
  }
  const block = namesStart === -1 ? new Uint8Array() : bytes.subarray(namesStart, namesEnd);
  let names: string[] | undefined;
  return {
    versionInfo,
    typeUrl,
    responseNonce,
    ...(node ? { node } : {}),
    ...(errorDetail ? { errorDetail } : {}),
    resourceLocators: [],
    get resourceNames(): string[] {
      return (names ??= decodeNames(block));
    },
    namesDigest: count === 0 ? '0' : `${count}:${hash('sha1', block, 'base64')}`,
  };
}
