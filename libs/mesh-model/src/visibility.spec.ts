import { isVisibleTo, parseExportTo } from './visibility';

describe('exportTo', () => {
  const visible = (exportTo: string[] | undefined, client: string, meshDefault = ['*']) =>
    isVisibleTo(parseExportTo(exportTo, 'owner', meshDefault), client);

  it('follows Istio: `*` wins, then `~`, else the listed namespaces with `.` as the owner', () => {
    expect(visible(['*'], 'anyone')).toBe(true);
    expect(visible(['~', '*'], 'anyone')).toBe(true);
    expect(visible(['~', 'owner'], 'owner')).toBe(false);
    expect(visible(['.'], 'owner')).toBe(true);
    expect(visible(['.'], 'other')).toBe(false);
    expect(visible(['team', 'ops'], 'ops')).toBe(true);
    expect(visible(['team', 'ops'], 'owner')).toBe(false);
  });

  it('uses the mesh default (only `.` and `*` honoured) when unset', () => {
    expect(visible(undefined, 'other')).toBe(true);
    expect(visible([], 'other', ['.'])).toBe(false);
    expect(visible([], 'owner', ['.'])).toBe(true);
    expect(visible([], 'team', ['team'])).toBe(false);
  });
});
