import net from 'node:net';

/**
 * Which IP addresses an outbound fetch may connect to: an allow-list of global unicast space, carved by the IANA
 * special-purpose address registries (iana-ipv4-special-registry, iana-ipv6-special-registry, as of 2025).
 * The most specific matching rule decides; an address no rule covers is refused. IPv6 transition forms that carry an
 * IPv4 address are judged by that IPv4 address, or refused outright where no public host can legitimately use them.
 */

type Verdict = 'global' | 'private' | 'embedded';

interface Rule {
  bytes: number[];
  bits: number;
  verdict: Verdict;
  /** For 'embedded': where the IPv4 address sits, and whether it is stored inverted (Teredo's client). */
  embeddedAt?: { byte: number; inverted?: boolean }[];
}

function rule(cidr: string, verdict: Verdict, embeddedAt?: Rule['embeddedAt']): Rule {
  const [address, bits] = cidr.split('/') as [string, string];
  return { bytes: addressBytes(address)!, bits: Number(bits), verdict, embeddedAt };
}

const IPV4_RULES: Rule[] = [
  // Unicast space: 0–223. 224.0.0.0/4 (multicast) and 240.0.0.0/4 (reserved, broadcast) are left out.
  rule('0.0.0.0/1', 'global'),
  rule('128.0.0.0/2', 'global'),
  rule('192.0.0.0/3', 'global'),
  rule('0.0.0.0/8', 'private'), // "this network", including 0.0.0.0
  rule('10.0.0.0/8', 'private'),
  rule('100.64.0.0/10', 'private'), // carrier-grade NAT
  rule('127.0.0.0/8', 'private'),
  rule('169.254.0.0/16', 'private'), // link-local, including cloud metadata at 169.254.169.254
  rule('172.16.0.0/12', 'private'),
  rule('192.0.0.0/24', 'private'), // IETF protocol assignments (DS-Lite, NAT64 discovery, …)
  rule('192.0.0.9/32', 'global'), // PCP anycast
  rule('192.0.0.10/32', 'global'), // TURN anycast
  rule('192.0.2.0/24', 'private'), // documentation TEST-NET-1
  rule('192.88.99.0/24', 'private'), // deprecated 6to4 relay anycast
  rule('192.168.0.0/16', 'private'),
  rule('198.18.0.0/15', 'private'), // benchmarking
  rule('198.51.100.0/24', 'private'), // documentation TEST-NET-2
  rule('203.0.113.0/24', 'private'), // documentation TEST-NET-3
];

const IPV6_RULES: Rule[] = [
  // Global unicast space. Everything outside it is refused without a rule of its own: ::/128, ::1, IPv4-compatible
  // ::/96, IPv4-mapped ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96, local-use NAT64 64:ff9b:1::/48, discard
  // 100::/64, unique local fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast ff00::/8.
  rule('2000::/3', 'global'),
  // Well-known NAT64: the gateway connects to the IPv4 address in the last 32 bits.
  rule('64:ff9b::/96', 'embedded', [{ byte: 12 }]),
  rule('2001::/23', 'private'), // IETF protocol assignments
  // Teredo: server IPv4 in bits 32–63, client IPv4 inverted in the last 32 bits; both must be public.
  rule('2001::/32', 'embedded', [{ byte: 4 }, { byte: 12, inverted: true }]),
  rule('2001:1::1/128', 'global'), // PCP anycast
  rule('2001:1::2/128', 'global'), // TURN anycast
  rule('2001:1::3/128', 'global'), // DNS-SD service registration anycast
  rule('2001:2::/48', 'private'), // benchmarking
  rule('2001:3::/32', 'global'), // AMT
  rule('2001:4:112::/48', 'global'), // AS112-v6
  rule('2001:20::/28', 'global'), // ORCHIDv2
  rule('2001:30::/28', 'global'), // drone remote ID
  rule('2001:db8::/32', 'private'), // documentation
  rule('2002::/16', 'embedded', [{ byte: 2 }]), // 6to4: the relay delivers to the IPv4 address in bits 16–47
  rule('3fff::/20', 'private'), // documentation (RFC 9637)
];

/**
 * True when an outbound fetch may connect to `address`: a global unicast address (textual IPv4 dotted quad or IPv6;
 * a name, a non-canonical IPv4 form such as `127.1`, or a scoped `fe80::1%eth0` is refused).
 */
export function isPublicAddress(address: string): boolean {
  const bytes = addressBytes(address);
  if (!bytes) return false;
  return bytes.length === 4 ? judge(bytes, IPV4_RULES) : judge(bytes, IPV6_RULES);
}

function judge(bytes: number[], rules: Rule[]): boolean {
  let best: Rule | undefined;
  for (const r of rules) {
    if ((best === undefined || r.bits > best.bits) && matches(bytes, r)) best = r;
  }
  if (!best) return false;
  if (best.verdict !== 'embedded') return best.verdict === 'global';
  return best.embeddedAt!.every(({ byte, inverted }) => {
    const v4 = bytes.slice(byte, byte + 4).map((b) => (inverted ? b ^ 0xff : b));
    return judge(v4, IPV4_RULES);
  });
}

function matches(bytes: number[], r: Rule): boolean {
  if (bytes.length !== r.bytes.length) return false;
  const whole = r.bits >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== r.bytes[i]) return false;
  const rest = r.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[whole]! & mask) === (r.bytes[whole]! & mask);
}

/** 4 or 16 bytes for an IP address in its standard textual form, null for anything else (names, zones, `127.1`). */
function addressBytes(address: string): number[] | null {
  const family = net.isIP(address);
  // net.isIP accepts a zone id ("fe80::1%eth0"); a scoped address is never global, and has no bytes of its own here.
  if (family === 0 || address.includes('%')) return null;
  if (family === 4) return address.split('.').map(Number);
  const [head = '', tail] = address.toLowerCase().split('::');
  const words = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((p) => {
          if (!p.includes('.')) return [parseInt(p, 16)];
          const [a, b, c, d] = p.split('.').map(Number) as [number, number, number, number];
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = words(head);
  const right = tail === undefined ? [] : words(tail);
  const groups = tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (groups.length !== 8) return null;
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}
