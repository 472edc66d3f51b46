/**
 * Envoy's filter chain selection. The criteria are taken in Envoy's order (destination port,
 * destination IP, server name, transport protocol, application protocols, direct source IP,
 * source type, source IP, source port); at each step only the chains that match the connection
 * most specifically go on to the next. If a step leaves none, the listener's default chain is
 * used (there is no going back to a less specific chain of an earlier step: that is Envoy's
 * rule, and configurations depend on it).
 */
import type { XdsFilterChainMatch } from '../../xds/model';
import { type CidrRange, cidrContains, type IpAddress, isLoopback, parseCidr } from '../net/ip';

/** What is known about a connection when its chain is chosen. */
export interface ConnectionFacts {
  readonly destinationPort: number;
  readonly destinationIp: IpAddress | undefined;
  /** SNI from a TLS ClientHello; '' when none (no TLS, or no inspection). */
  readonly serverName: string;
  /** `tls` when a ClientHello was seen, otherwise `raw_buffer`. */
  readonly transportProtocol: string;
  /** ALPN from the ClientHello, or what the HTTP inspector detected (`http/1.1`, `h2c`). */
  readonly applicationProtocols: readonly string[];
  readonly sourceIp: IpAddress | undefined;
  readonly sourcePort: number;
}

/** What the selector needs the listener filters to find out before it can choose. */
export interface InspectionNeeds {
  readonly serverName: boolean;
  readonly transportProtocol: boolean;
  readonly applicationProtocols: boolean;
}

interface Candidate<T> {
  readonly value: T;
  readonly match: XdsFilterChainMatch;
  readonly destinationRanges: readonly CidrRange[];
  readonly directSourceRanges: readonly CidrRange[];
  readonly sourceRanges: readonly CidrRange[];
}

/** How specifically a chain matches one criterion: -1 no match, 0 the chain does not care, more is more specific. */
type Step<T> = (candidate: Candidate<T>, facts: ConnectionFacts) => number;

/** Exact server names outrank every wildcard. */
const EXACT_SERVER_NAME = 1_000_000;

const steps: Step<unknown>[] = [
  (c, f) => (c.match.destinationPort === undefined ? 0 : c.match.destinationPort === f.destinationPort ? 1 : -1),
  (c, f) => rangeScore(c.destinationRanges, f.destinationIp),
  (c, f) => serverNameScore(c.match.serverNames, f.serverName),
  (c, f) => (c.match.transportProtocol === '' ? 0 : c.match.transportProtocol === f.transportProtocol ? 1 : -1),
  (c, f) =>
    c.match.applicationProtocols.length === 0
      ? 0
      : f.applicationProtocols.some((p) => c.match.applicationProtocols.includes(p))
        ? 1
        : -1,
  // No listener filter here rewrites the source address, so the direct source is the source.
  (c, f) => rangeScore(c.directSourceRanges, f.sourceIp),
  (c, f) => sourceTypeScore(c.match.sourceType, f),
  (c, f) => rangeScore(c.sourceRanges, f.sourceIp),
  (c, f) => (c.match.sourcePorts.length === 0 ? 0 : c.match.sourcePorts.includes(f.sourcePort) ? 1 : -1),
];

export class FilterChainSelector<T> {
  private readonly candidates: readonly Candidate<T>[];
  readonly needs: InspectionNeeds;

  constructor(
    chains: readonly { readonly match: XdsFilterChainMatch; readonly value: T }[],
    private readonly defaultChain: T | undefined,
  ) {
    this.candidates = chains.map(({ match, value }) => ({
      value,
      match,
      destinationRanges: match.prefixRanges.map(parseCidr),
      directSourceRanges: match.directSourcePrefixRanges.map(parseCidr),
      sourceRanges: match.sourcePrefixRanges.map(parseCidr),
    }));
    this.needs = {
      serverName: chains.some((c) => c.match.serverNames.length > 0),
      transportProtocol: chains.some((c) => c.match.transportProtocol !== ''),
      applicationProtocols: chains.some((c) => c.match.applicationProtocols.length > 0),
    };
  }

  /** The chain for the connection, the default chain when none matches, undefined without one. */
  select(facts: ConnectionFacts): T | undefined {
    let remaining = this.candidates;
    for (const step of steps) {
      let best = -1;
      let kept: Candidate<T>[] = [];
      for (const candidate of remaining) {
        const score = step(candidate, facts);
        if (score > best) {
          best = score;
          kept = [candidate];
        } else if (score === best && score >= 0) {
          kept.push(candidate);
        }
      }
      if (best < 0) return this.defaultChain;
      remaining = kept;
    }
    return remaining[0]?.value ?? this.defaultChain;
  }
}

function rangeScore(ranges: readonly CidrRange[], ip: IpAddress | undefined): number {
  if (ranges.length === 0) return 0;
  if (!ip) return -1;
  let best = -1;
  for (const range of ranges) {
    if (cidrContains(range, ip) && range.prefixLength + 1 > best) best = range.prefixLength + 1;
  }
  return best;
}

/** `www.example.com` beats `*.example.com` beats `*.com` beats a chain without server names. */
function serverNameScore(names: readonly string[], serverName: string): number {
  if (names.length === 0) return 0;
  if (!serverName) return -1;
  const sni = serverName.toLowerCase();
  let best = -1;
  for (const raw of names) {
    const name = raw.toLowerCase();
    if (name === sni) return EXACT_SERVER_NAME;
    if (name.startsWith('*.')) {
      const suffix = name.slice(1); // `.example.com`
      if (sni.length > suffix.length && sni.endsWith(suffix) && suffix.length > best) best = suffix.length;
    }
  }
  return best;
}

function sourceTypeScore(type: XdsFilterChainMatch['sourceType'], facts: ConnectionFacts): number {
  if (type === 'any') return 0;
  const source = facts.sourceIp;
  const local =
    source !== undefined &&
    (isLoopback(source) ||
      (facts.destinationIp !== undefined &&
        source.family === facts.destinationIp.family &&
        source.value === facts.destinationIp.value));
  return (type === 'local') === local ? 1 : -1;
}
