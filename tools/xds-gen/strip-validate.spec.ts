import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripValidateAnnotations } from './strip-validate.ts';

describe('stripValidateAnnotations', () => {
  it('removes the import, option statements and option-list entries, keeping everything else', () => {
    const source = [
      'syntax = "proto3";',
      'import "udpa/annotations/status.proto";',
      'import "validate/validate.proto";',
      'message M {',
      '  option (validate.ignored) = true;',
      '  string name = 1 [(validate.rules).string = {min_len: 1 well_known_regex: HTTP_HEADER_NAME strict: false}];',
      '  repeated string hosts = 2 [',
      '    (validate.rules).repeated = {min_items: 1 items {string {min_len: 1}}},',
      '    (udpa.annotations.sensitive) = true',
      '  ];',
      '  uint32 port = 3 [deprecated = true, (validate.rules).uint32 = {lte: 65535}];',
      '  oneof kind {',
      '    option (validate.required) = true;',
      '    string a = 4;',
      '  }',
      '  // A comment that mentions [(validate.rules).string = {}] stays a comment.',
      '  string b = 5; // trailing "(validate.rules)"',
      '}',
      'enum E { E_A = 0 [(validate.rules).enum = {defined_only: true}]; E_B = -1; }',
      '',
    ].join('\n');

    expect(stripValidateAnnotations(source)).toBe(
      [
        'syntax = "proto3";',
        'import "udpa/annotations/status.proto";',
        'message M {',
        '  string name = 1;',
        '  repeated string hosts = 2 [(udpa.annotations.sensitive) = true];',
        '  uint32 port = 3 [deprecated = true];',
        '  oneof kind {',
        '    string a = 4;',
        '  }',
        '  // A comment that mentions [(validate.rules).string = {}] stays a comment.',
        '  string b = 5; // trailing "(validate.rules)"',
        '}',
        'enum E { E_A = 0; E_B = -1; }',
        '',
      ].join('\n'),
    );
  });

  it('leaves no validate reference in a real Envoy file', () => {
    const file = join(
      process.cwd(),
      'node_modules/@grpc/grpc-js-xds/deps/envoy-api/envoy/config/route/v3/route_components.proto',
    );
    const original = readFileSync(file, 'utf8');
    const stripped = stripValidateAnnotations(original);
    const withoutComments = stripped.replace(/\/\/.*$/gm, '');
    expect(original).toContain('(validate.rules)');
    expect(withoutComments).not.toMatch(/validate\./);
    // Every field survives: count the `= N;`/`= N [` field tags before and after.
    const fieldTags = (text: string) => (text.replace(/\/\/.*$/gm, '').match(/=\s*\d+\s*[;[]/g) ?? []).length;
    expect(fieldTags(stripped)).toBe(fieldTags(original));
  });

  it('throws on malformed input instead of emitting a broken file', () => {
    expect(() =>
      stripValidateAnnotations('message M { string a = 1 [(validate.rules).string = {min_len: 1}; }'),
    ).toThrow(/unbalanced/);
  });
});
