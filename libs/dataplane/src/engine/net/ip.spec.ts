import { cidrContains, isLoopback, parseCidr, parseIp } from './ip';

describe('IP addresses and CIDR ranges', () => {
  it('parses IPv4, IPv6 and IPv4-mapped IPv6 (as the IPv4 address)', () => {
    expect(parseIp('10.1.2.3')).toEqual({ family: 4, value: 0x0a010203n });
    expect(parseIp('::ffff:10.1.2.3')).toEqual({ family: 4, value: 0x0a010203n });
    expect(parseIp('::1')).toEqual({ family: 6, value: 1n });
    expect(parseIp('2001:db8::1')?.value).toBe(0x20010db8000000000000000000000001n);
    expect(parseIp('fe80::1%eth0')?.value).toBe(0xfe800000000000000000000000000001n);
    expect(parseIp('not-an-ip')).toBeUndefined();
  });

  it('tests membership of ranges of every prefix length', () => {
    const ip = parseIp('10.1.2.3')!;
    expect(cidrContains(parseCidr('10.0.0.0/8'), ip)).toBe(true);
    expect(cidrContains(parseCidr('10.1.2.0/24'), ip)).toBe(true);
    expect(cidrContains(parseCidr('10.1.3.0/24'), ip)).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0'), ip)).toBe(true);
    expect(cidrContains(parseCidr('10.1.2.3/32'), ip)).toBe(true);
    expect(cidrContains(parseCidr('::/0'), ip)).toBe(false); // families never mix
    expect(cidrContains(parseCidr('2001:db8::/32'), parseIp('2001:db8:ffff::1')!)).toBe(true);
    expect(() => parseCidr('10.0.0.0/33')).toThrow('invalid prefix length');
  });

  it('knows loopback addresses', () => {
    expect(isLoopback(parseIp('127.0.0.5')!)).toBe(true);
    expect(isLoopback(parseIp('::1')!)).toBe(true);
    expect(isLoopback(parseIp('10.0.0.1')!)).toBe(false);
  });
});
