/**
 * State-of-the-world ADS (StreamAggregatedResources). Each response carries every watched resource
 * of its type at the PushContext's version, with a fresh nonce. A request is, per the xDS protocol:
 *
 * - a new subscription: first request for the type on this stream (also after a reconnect, when it
 *   carries the previous server's version and nonce) or one without a nonce → answered in full;
 * - stale: its nonce is not the last one sent for the type → ignored (the client will answer the
 *   newer response too);
 * - a NACK: error_detail set → recorded, nothing resent; the proxy keeps its previous config;
 * - an ACK: records the acked version; answered only if the subscribed names grew (or, for
 *   wildcard types, changed); an empty list for a named type (EDS, RDS, SDS) unsubscribes.
 */
import { performance } from 'node:perf_hooks';
import type { Proxy, PushRequest } from '@mesh/mesh-model';
import { TypeUrl, type Node } from '@mesh/xds';
import { XdsConnection, type ResponseMode } from './connection';
import type { PushContextLike } from './generator';
import type { SotwRequest } from './request-decoding';
import { encodeDiscoveryResponse } from './response-encoding';
import { isWildcardCapable, TypeState } from './type-state';

export class SotwConnection<P extends PushContextLike> extends XdsConnection<P, SotwRequest, Buffer> {
  readonly protocol = 'sotw' as const;

  protected nodeOf(request: SotwRequest): Node | undefined {
    return request.node;
  }

  protected async handleRequest(proxy: Proxy, request: SotwRequest): Promise<void> {
    const typeUrl = request.typeUrl ?? '';
    if (!this.knowsType(proxy, typeUrl)) return;
    const nonce = request.responseNonce ?? '';
    const existing = this.types.get(typeUrl);

    if (existing && nonce !== '' && nonce !== existing.sentNonce) {
      this.recordExpiredNonce(existing, nonce);
      return;
    }
    if (existing && nonce !== '' && request.errorDetail) {
      this.recordNack(existing, {
        message: request.errorDetail.message ?? '',
        code: request.errorDetail.code ?? 0,
        nonce,
        keptVersion: request.versionInfo ?? '',
        at: new Date(),
      });
      return;
    }
    const digest = request.namesDigest;

    if (!existing || nonce === '') {
      // A new subscription, or the client starting over for this type: answer in full.
      const names = request.resourceNames ?? [];
      const wildcard = isWildcardCapable(typeUrl) && (names.length === 0 || names.includes('*'));
      if (!wildcard && names.length === 0) {
        this.types.delete(typeUrl);
        return;
      }
      const state = existing ?? new TypeState(typeUrl, wildcard);
      state.wildcard = wildcard;
      replaceNames(state, names, digest);
      this.types.set(typeUrl, state);
      await this.answerAndWarm(proxy, state);
      return;
    }

    // ACK of the last response.
    existing.ackedNonce = nonce;
    existing.ackedVersion = request.versionInfo ?? '';
    existing.lastNack = undefined;
    const forced = existing.forceNextResponse;
    existing.forceNextResponse = false;
    if (digest !== undefined && digest === existing.namesDigest) {
      // The same names as the request that set the subscription: nothing to compare or decode.
      if (forced) await this.answerAndWarm(proxy, existing);
      return;
    }
    const names = request.resourceNames ?? [];
    const wildcard = isWildcardCapable(typeUrl) && (names.length === 0 || names.includes('*'));
    if (!wildcard && names.length === 0) {
      this.types.delete(typeUrl);
      return;
    }
    const wildcardChanged = existing.wildcard !== wildcard;
    // One pass: an ACK usually repeats the names (6,000 for a sidecar's EDS), and then the shared
    // set stays as it is.
    let added = 0;
    let present = 0;
    for (const name of names) {
      if (name === '*') continue;
      if (existing.names.has(name)) present++;
      else added++;
    }
    const removed = Math.max(0, existing.names.size - present);
    existing.wildcard = wildcard;
    if (added > 0 || removed > 0) replaceNames(existing, names, digest);
    else existing.namesDigest = digest;
    // A named type only needs an answer for new names; a wildcard one for any change of scope.
    if (added > 0 || wildcardChanged || (wildcard && removed > 0) || forced) await this.answerAndWarm(proxy, existing);
  }

  /** Answers a request; after clusters, the next EDS request is answered even if it looks like an ACK. */
  private async answerAndWarm(proxy: Proxy, state: TypeState): Promise<void> {
    const answered = await this.answer(proxy, state);
    const endpoints = this.types.get(TypeUrl.ClusterLoadAssignment);
    if (answered && state.typeUrl === TypeUrl.Cluster && endpoints) endpoints.forceNextResponse = true;
  }

  protected async respond(
    proxy: Proxy,
    state: TypeState,
    push: P,
    request: PushRequest,
    mode: ResponseMode,
  ): Promise<boolean> {
    const started = performance.now();
    const generated = await this.generate(proxy, state, push, request);
    if (!generated) return false;
    if (mode === 'push' && generated.noChange) return true;

    const nonce = this.context.nextNonce();
    state.sentNonce = nonce;
    state.sentVersion = push.version;
    state.sentAt = new Date();
    // A partial (incremental EDS) response updates some resources; the proxy keeps the others.
    if (!generated.partial) state.sentCount = generated.resources.length;
    const response = encodeDiscoveryResponse({
      versionInfo: push.version,
      typeUrl: state.typeUrl,
      nonce,
      resources: generated.resources.map((r) => r.resource),
      controlPlane: this.context.controlPlane,
    });
    if (!(await this.write(state.typeUrl, response))) return false;
    this.context.metrics.pushSent(state.typeUrl);
    this.context.metrics.pushTime(state.typeUrl, (performance.now() - started) / 1000);
    return true;
  }
}

function replaceNames(state: TypeState, names: readonly string[], digest: string | undefined): void {
  state.setNames(names);
  state.namesDigest = digest;
}
