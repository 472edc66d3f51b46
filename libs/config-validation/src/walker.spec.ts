import { Field, IssueList, typeName } from './walker';

function walk(value: unknown): { field: Field; issues: IssueList } {
  const issues = new IssueList({ kind: 'VirtualService', namespace: 'default', name: 'reviews' });
  return { field: new Field(value, ['spec'], issues), issues };
}

const messages = (issues: IssueList): string[] => issues.errors.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('Field', () => {
  it('tracks paths through mappings and lists and tags issues with the resource', () => {
    const { field, issues } = walk({ http: [{ route: [{}, { weight: -1 }] }] });
    const weight = field.at('http').at(0).at('route').at(1).at('weight');
    expect(weight.path).toEqual(['spec', 'http', 0, 'route', 1, 'weight']);
    expect(weight.nonNegativeInt32()).toBeUndefined();
    expect(issues.errors).toEqual([
      {
        severity: 'error',
        path: ['spec', 'http', 0, 'route', 1, 'weight'],
        message: 'must not be negative (got -1)',
        resource: { kind: 'VirtualService', namespace: 'default', name: 'reviews' },
      },
    ]);
  });

  it('treats null like an absent field and reports wrong types once', () => {
    const { field, issues } = walk({ a: null, b: 3, c: 'x' });
    expect(field.at('a').present).toBe(false);
    expect(field.at('a').string()).toBeUndefined();
    expect(field.at('b').string()).toBeUndefined();
    expect(field.at('c').list()).toBeUndefined();
    expect(field.at('missing').at('deeper').present).toBe(false);
    expect(messages(issues)).toEqual(['spec.b: must be a string (got number)', 'spec.c: must be a list (got string)']);
  });

  it('reports unknown fields of a struct with a did-you-mean hint for close names', () => {
    const { field, issues } = walk({ hosts: [], gatways: [], colour: 'red' });
    const struct = field.struct(['hosts', 'gateways', 'http'] as const);
    expect(struct?.has('hosts')).toBe(true);
    expect(messages(issues)).toEqual([
      'spec.gatways: unknown field "gatways" (did you mean "gateways"?)',
      'spec.colour: unknown field "colour"',
    ]);
  });

  it('checks oneofs, enums, integer ranges and required strings', () => {
    const { field, issues } = walk({ exact: 'a', regex: 'b', mode: 'LOUD', n: 7.5, m: 300, name: '' });
    const struct = field.struct(['exact', 'prefix', 'regex', 'mode', 'n', 'm', 'name'] as const)!;
    expect(struct.oneOf(['exact', 'prefix', 'regex'])).toBe('exact');
    expect(struct.field('mode').enumOf(['QUIET', 'NORMAL'])).toBeUndefined();
    expect(struct.field('n').integer()).toBeUndefined();
    expect(struct.field('m').integerIn(0, 100)).toBeUndefined();
    expect(struct.requiredString('name')).toBeUndefined();
    expect(struct.requiredString('prefix')).toBeUndefined();
    expect(messages(issues)).toEqual([
      'spec: only one of exact, prefix, regex may be set (found exact, regex)',
      'spec.mode: "LOUD" is not one of QUIET, NORMAL',
      'spec.n: must be an integer (got number)',
      'spec.m: must be between 0 and 100 (got 300)',
      'spec.name: is required',
      'spec.prefix: is required',
    ]);
  });

  it('reads string lists and maps item by item', () => {
    const { field, issues } = walk({ list: ['a', 2, null, 'b'], map: { x: '1', y: 2, z: null } });
    expect(
      field
        .at('list')
        .strings()
        .map((s) => s.value),
    ).toEqual(['a', 'b']);
    expect(
      field
        .at('map')
        .stringMap()
        ?.map((e) => e.key),
    ).toEqual(['x']);
    expect(messages(issues)).toEqual([
      'spec.list.1: must be a string (got number)',
      'spec.list.2: must be a string (got null)',
      'spec.map.y: must be a string (got number)',
      'spec.map.z: must be a string (got null)',
    ]);
  });

  it('names YAML types as users know them', () => {
    expect([typeName(null), typeName([]), typeName({}), typeName('s'), typeName(1)]).toEqual([
      'null',
      'list',
      'mapping',
      'string',
      'number',
    ]);
  });
});
