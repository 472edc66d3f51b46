import { normalizePath } from './normalize-path';

describe('normalizePath (RFC 3986)', () => {
  it.each([
    ['/a/b/c', '/a/b/c'],
    ['/a/./b/../c', '/a/c'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/../../x', '/x'],
    ['/a//b/../c', '/a//c'],
    ['/%7euser/%2fx', '/~user/%2Fx'],
    ['/a%2e%2e/b', '/a../b'],
    ['/a/%2E%2E/b', '/b'],
    ['/p/../q?x=/../y&z=%2e', '/q?x=/../y&z=%2e'],
  ])('%s → %s', (input, expected) => {
    expect(normalizePath(input)).toBe(expected);
  });

  it('refuses paths it cannot normalize', () => {
    expect(normalizePath('/a%zz')).toBeUndefined();
    expect(normalizePath('/a%4')).toBeUndefined();
    expect(normalizePath('relative/path')).toBeUndefined();
  });
});
