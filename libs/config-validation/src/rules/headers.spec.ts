import { Field, IssueList } from '../walker';
import { checkHeaderValue, isJwtClaimRoute } from './headers';

const valueErrors = (value: string): string[] => {
  const issues = new IssueList();
  checkHeaderValue(new Field(value, ['v'], issues), value);
  return issues.errors.map((i) => i.message);
};

describe('header values', () => {
  it.each([
    'plain',
    '%HOSTNAME%',
    '100%%',
    'prefix %HOSTNAME% suffix',
    '%START_TIME(%s.%3f)%',
    '%REQ(x-id):10%',
    'tab\tok',
  ])('accepts %j', (value) => expect(valueErrors(value)).toEqual([]));
  it.each(['abc%123', '%START_TIME%%', '50%', '%lower%', 'line\nbreak'])('rejects %j', (value) =>
    expect(valueErrors(value)).toHaveLength(1),
  );
});

describe('JWT claim routing keys', () => {
  it.each([
    '@request.auth.claims.group',
    '@request.auth.claims[group]',
    '@request.auth.claims[a][b]',
    '@request.auth.claims.a.b',
  ])('recognises %s', (key) => expect(isJwtClaimRoute(key)).toBe(true));
  it.each(['@request.auth.claims', '@request.auth.claims.', 'request.auth.claims.group', 'x-claim'])(
    'rejects %s',
    (key) => expect(isJwtClaimRoute(key)).toBe(false),
  );
});
