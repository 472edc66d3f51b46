import { ipFamily, isCIDR } from './net';

describe('IP addresses', () => {
  it.each([
    ['10.0.0.1', 'v4'],
    ['0.0.0.0', 'v4'],
    ['255.255.255.255', 'v4'],
    ['::', 'v6'],
    ['::1', 'v6'],
    ['2001:db8::8a2e:370:7334', 'v6'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', 'v6'],
    ['::ffff:192.168.1.1', 'v6'],
    ['fe80::1%eth0', 'v6'],
  ])('%s is %s', (text, family) => expect(ipFamily(text)).toBe(family));

  it.each([
    '256.1.1.1',
    '01.2.3.4',
    '1.2.3',
    '1.2.3.4.5',
    '',
    'a.b.c.d',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '1:2:3:4:5:6:7::8',
    '12345::',
    'fe80::1%',
    'localhost',
  ])('rejects %j', (text) => expect(ipFamily(text)).toBeUndefined());
});

describe('CIDR blocks', () => {
  it.each(['10.0.0.0/8', '10.1.2.3/16', '0.0.0.0/0', '2001:db8::/32', '::/0', '1.2.3.4/32'])('%s', (text) =>
    expect(isCIDR(text)).toBe(true),
  );
  it.each(['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/08', 'fe80::1%eth0/64', '10.0.0/8', '10.0.0.0'])(
    'rejects %j',
    (text) => expect(isCIDR(text)).toBe(false),
  );
});
