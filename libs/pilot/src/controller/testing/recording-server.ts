/**
 * Test-only: a PushTarget standing in for the ADS server in controller unit tests. Each pushAll
 * runs the registry's generators for one connected sidecar, as the server would for its
 * connections, and records the request. Not exported.
 */
import type { PushContext, PushRequest } from '@mesh/mesh-model';
import { TypeUrl } from '@mesh/xds';
import type { GeneratorRegistry } from '../../xds-server';
import type { PushTarget } from '../discovery-controller';
import { sidecarProxy } from './mesh-objects';

export interface RecordedPush {
  readonly request: PushRequest;
  readonly push: PushContext;
}

export class RecordingServer implements PushTarget<PushContext> {
  readonly pushes: RecordedPush[] = [];
  current: PushContext | undefined;
  private readonly proxy = sidecarProxy();

  constructor(
    private readonly generators: GeneratorRegistry<PushContext>,
    /** EDS names the sidecar watches. */
    private readonly endpointNames: readonly string[] = [],
  ) {}

  setPushContext(push: PushContext): void {
    this.current = push;
  }

  pushAll(request: PushRequest, push: PushContext): number {
    this.current = push;
    this.pushes.push({ request, push });
    // As the server: full pushes regenerate every type, incremental ones only endpoints.
    const types = request.full ? this.generators.typeUrls('envoy') : [TypeUrl.ClusterLoadAssignment];
    for (const typeUrl of types) {
      const names = typeUrl === TypeUrl.ClusterLoadAssignment ? this.endpointNames : [];
      try {
        void this.generators
          .lookup('envoy', typeUrl)
          ?.generate(this.proxy, { typeUrl, resourceNames: new Set(names) }, push, request);
      } catch {
        // The server logs and counts a failing generator; the push to other proxies goes on.
      }
    }
    return 1;
  }
}
