import { messageNameOf, PUSH_ORDER, sortByPushOrder, TypeUrl, typeUrlOf } from './type-urls';

describe('push order', () => {
  it('sends clusters, then endpoints, then listeners, then routes', () => {
    const order = PUSH_ORDER.filter((t) => t !== TypeUrl.Secret);
    expect(order).toEqual([
      TypeUrl.Cluster,
      TypeUrl.ClusterLoadAssignment,
      TypeUrl.Listener,
      TypeUrl.RouteConfiguration,
    ]);
  });

  it('sorts a set of pending types into push order, unknown types last', () => {
    const pending = ['type.googleapis.com/x.Unknown', TypeUrl.RouteConfiguration, TypeUrl.Listener, TypeUrl.Cluster];
    expect(sortByPushOrder(pending)).toEqual([
      TypeUrl.Cluster,
      TypeUrl.Listener,
      TypeUrl.RouteConfiguration,
      'type.googleapis.com/x.Unknown',
    ]);
  });
});

describe('type URL helpers', () => {
  it('maps between message names and type URLs', () => {
    expect(messageNameOf(TypeUrl.Cluster)).toBe('envoy.config.cluster.v3.Cluster');
    expect(messageNameOf('example.com/custom/a.B')).toBe('a.B');
    expect(typeUrlOf('envoy.config.cluster.v3.Cluster')).toBe(TypeUrl.Cluster);
  });
});
