/**
 * Incremental ADS (DeltaAggregatedResources). The connection remembers, per type, the version of
 * every resource the client has; a response carries only resources whose version changed and the
 * names that disappeared (`removed_resources`). Versions come from the generator or a hash of the
 * resource bytes.
 *
 * A request's nonce only acknowledges (or, with error_detail, rejects) the response it names; a
 * stale nonce means the ACK/NACK is ignored, but subscription changes in the same request still
 * apply, since in delta they are never repeated. Listener and Cluster subscriptions are wildcard
 * when the first request names nothing or subscribes to `*`.
 *
 * On a new stream the first response of each type is the full set, whatever the client claims in
 * `initial_resource_versions`; names it claims that no longer exist come back as removed.
 */
import { hash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Proxy, PushRequest } from '@mesh/mesh-model';
import { TypeUrl, type Any, type DeltaDiscoveryRequest, type Node, type Resource } from '@mesh/xds';
import { XdsConnection, type ResponseMode } from './connection';
import type { PushContextLike } from './generator';
import { encodeDeltaDiscoveryResponse } from './response-encoding';
import type { VersionChange } from './sent-versions';
import { CLAIMED_BY_CLIENT, isWildcardCapable, TOLD_ABSENT, TypeState } from './type-state';

export class DeltaConnection<P extends PushContextLike> extends XdsConnection<P, DeltaDiscoveryRequest, Buffer> {
  readonly protocol = 'delta' as const;

  protected nodeOf(request: DeltaDiscoveryRequest): Node | undefined {
    return request.node;
  }

  protected async handleRequest(proxy: Proxy, request: DeltaDiscoveryRequest): Promise<void> {
    const typeUrl = request.typeUrl ?? '';
    if (!this.knowsType(proxy, typeUrl)) return;
    const subscribe = request.resourceNamesSubscribe ?? [];
    const unsubscribe = request.resourceNamesUnsubscribe ?? [];
    const existing = this.types.get(typeUrl);

    if (!existing) {
      const wildcard =
        isWildcardCapable(typeUrl) && (subscribe.length === 0 || subscribe.includes('*')) && !unsubscribe.includes('*');
      const state = new TypeState(typeUrl, wildcard);
      const claimed = Object.keys(request.initialResourceVersions ?? {});
      state.setNames(wildcard ? subscribe : [...subscribe, ...claimed]);
      state.deltaSent = state.deltaSent.apply(claimed.map((name) => [name, CLAIMED_BY_CLIENT] as const));
      this.types.set(typeUrl, state);
      await this.answerAndWarm(proxy, state);
      return;
    }

    const nonce = request.responseNonce ?? '';
    if (nonce !== '') {
      if (nonce !== existing.sentNonce) {
        this.recordExpiredNonce(existing, nonce);
      } else if (request.errorDetail) {
        this.recordNack(existing, {
          message: request.errorDetail.message ?? '',
          code: request.errorDetail.code ?? 0,
          nonce,
          keptVersion: existing.ackedVersion,
          at: new Date(),
        });
      } else {
        existing.ackedNonce = nonce;
        existing.ackedVersion = existing.sentVersion;
        existing.lastNack = undefined;
      }
    }

    if (applySubscriptionChanges(existing, subscribe, unsubscribe)) await this.answerAndWarm(proxy, existing);
  }

  /**
   * Answers a request; after clusters, resends every watched endpoint so that the clusters just
   * sent can finish warming (delta clients do not always ask again for endpoints they have).
   */
  private async answerAndWarm(proxy: Proxy, state: TypeState): Promise<void> {
    const answered = await this.answer(proxy, state);
    const endpoints = this.types.get(TypeUrl.ClusterLoadAssignment);
    if (!answered || state.typeUrl !== TypeUrl.Cluster || !endpoints?.active) return;
    endpoints.forceNextResponse = true;
    await this.answer(proxy, endpoints);
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

    const current = new Map<string, string>();
    const changed: Resource[] = [];
    const resendAll = state.forceNextResponse;
    state.forceNextResponse = false;
    for (const { name, resource, version } of generated.resources) {
      const resourceVersion = version ?? versionOf(resource);
      current.set(name, resourceVersion);
      if (resendAll || state.deltaSent.get(name) !== resourceVersion) {
        changed.push({ name, version: resourceVersion, resource });
      }
    }
    const removed: string[] = [];
    // A partial result says nothing of the resources it leaves out: they are unchanged, not gone.
    if (!generated.partial) {
      for (const [name, had] of state.deltaSent.entries()) {
        if (had !== TOLD_ABSENT && !current.has(name)) removed.push(name);
      }
    }
    // A named subscription to something that does not exist is answered with its removal, once.
    if (!state.wildcard && !generated.partial) {
      for (const name of state.names) if (!current.has(name) && !state.deltaSent.has(name)) removed.push(name);
    }
    const firstAnswer = state.sentNonce === '' && mode === 'request';
    if (changed.length === 0 && removed.length === 0 && !firstAnswer) return true;

    const nonce = this.context.nextNonce();
    state.sentNonce = nonce;
    state.sentVersion = push.version;
    state.sentAt = new Date();
    const updates: VersionChange[] = changed.map((resource) => [resource.name!, resource.version!]);
    for (const name of removed) {
      updates.push([name, !state.wildcard && state.names.has(name) ? TOLD_ABSENT : undefined]);
    }
    state.deltaSent = state.deltaSent.apply(updates);
    state.sentCount = state.deltaSent.sentCount;

    const response = encodeDeltaDiscoveryResponse({
      systemVersionInfo: push.version,
      typeUrl: state.typeUrl,
      nonce,
      resources: changed,
      removedResources: removed,
      controlPlane: this.context.controlPlane,
    });
    if (!(await this.write(state.typeUrl, response))) return false;
    this.context.metrics.pushSent(state.typeUrl);
    this.context.metrics.pushTime(state.typeUrl, (performance.now() - started) / 1000);
    return true;
  }
}

/** Applies subscribe/unsubscribe lists; true when the client now watches something new. */
function applySubscriptionChanges(
  state: TypeState,
  subscribe: readonly string[],
  unsubscribe: readonly string[],
): boolean {
  let grew = false;
  if (subscribe.includes('*') && !state.wildcard && isWildcardCapable(state.typeUrl)) {
    state.wildcard = true;
    grew = true;
  }
  const added = subscribe.filter((name) => name !== '*' && !state.names.has(name));
  const removed = unsubscribe.filter((name) => name !== '*' && state.names.has(name));
  if (added.length > 0 && !state.wildcard) grew = true;
  state.editNames(added, removed);
  if (!state.wildcard) state.deltaSent = state.deltaSent.apply(removed.map((name) => [name, undefined] as const));
  if (unsubscribe.includes('*')) {
    state.wildcard = false;
    // The client drops what it only had through the wildcard.
    const dropped = [...state.deltaSent.names()].filter((sent) => !state.names.has(sent));
    state.deltaSent = state.deltaSent.apply(dropped.map((name) => [name, undefined] as const));
  }
  return grew;
}

const digests = new WeakMap<Any, string>();

/**
 * A resource's version when the generator gives none: a digest of its encoded bytes, computed once
 * per resource object (a shared resource is diffed against many connections).
 */
function versionOf(resource: Any): string {
  let digest = digests.get(resource);
  if (digest === undefined)
    digests.set(resource, (digest = hash('sha1', resource.value ?? new Uint8Array(), 'base64url')));
  return digest;
}
