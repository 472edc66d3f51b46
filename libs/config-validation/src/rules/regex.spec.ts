import { Field, IssueList } from '../walker';
import { checkRegex, re2Error } from './regex';

describe('RE2 regexes', () => {
  it.each(['^/api/v[0-9]+/.*$', '(?i)abc', '\\pL+', '(?P<name>x)', 'a{2,5}', '[[:alpha:]]+', '\\d+'])(
    'accepts %s',
    (pattern) => expect(re2Error(pattern)).toBeUndefined(),
  );

  it.each([
    ['(?<=a)b', 'invalid perl operator: (?<'],
    ['(?!a)b', 'invalid perl operator: (?!'],
    ['(a)\\1', 'invalid escape sequence: \\1'],
    ['a++', 'bad repetition operator: ++'],
    ['a{1001}', 'invalid repetition size: {1001}'],
    ['(ab', 'missing ): (ab'],
    ['\\u0041', 'invalid escape sequence: \\u'],
  ])("rejects %s with RE2's message", (pattern, message) => expect(re2Error(pattern)).toBe(message));

  it('gives the same verdict for a pattern every time (it is compiled once)', () => {
    for (let i = 0; i < 200; i++) expect(re2Error('(?<=x)y')).toBe('invalid perl operator: (?<');
  });

  it('reports empty and overlong patterns at the field', () => {
    const issues = new IssueList();
    expect(checkRegex(new Field('', ['regex'], issues), '')).toBe(false);
    expect(checkRegex(new Field('', ['regex'], issues), 'a'.repeat(1025))).toBe(false);
    expect(issues.errors.map((i) => i.message)).toEqual([
      'regex must not be empty',
      'regex is too long (1025 characters, at most 1024)',
    ]);
  });
});
