import { describe, expect, it } from 'vitest';
import { addressKey } from '../../src/core/util/address.js';

describe('per-address limits count', () => {
  it('an IPv4 address as itself, also when mapped into IPv6', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });
  it('an IPv6 address as its /64, however it is spelled', () => {
    expect(addressKey('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:0db8:0000:0001:0000:0000:0000:0005')).toBe('2001:db8:0:1::/64');
    expect(addressKey('2001:DB8:0:1:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
  it('a missing address as one shared "unknown"', () => {
    expect(addressKey(undefined)).toBe('unknown');
  });
});
