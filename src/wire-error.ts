// Typed error codes returned (never thrown) by every wire codec's check()/parse().
// A code is a small integer so that drop counters can be plain arrays indexed by it and
// `typeof r === 'number'` tells an error from a decoded repr without allocating.
//
// Codes are grouped in blocks per protocol so that work on different protocols can add
// codes without colliding: 1-19 generic, 20-39 ethernet/arp, 40-69 ip/icmp/udp,
// 70-89 pcap/pcapng, 90-119 dns, 120-139 encap. Append inside your block; never renumber.
export const WireError = {
  // generic
  TRUNCATED: 1,          // buffer shorter than the fixed header
  BAD_LENGTH: 2,         // a length field disagrees with the buffer
  NO_SPACE: 3,           // emit target too small
  BAD_CHECKSUM: 4,
  BAD_VERSION: 5,
  BAD_RESERVED: 6,       // reserved bits/fields that must be zero are not
  UNSUPPORTED: 7,
  // ethernet / arp
  TOO_MANY_TAGS: 20,     // 802.1Q/802.1ad stack deeper than we accept
  BAD_HW_TYPE: 21,
  BAD_PROTO_TYPE: 22,
  BAD_HW_LEN: 23,
  BAD_PROTO_LEN: 24,
  BAD_OPCODE: 25,
  // ipv4 / icmp / udp
  BAD_IHL: 40,
  BAD_TOTAL_LENGTH: 41,
  BAD_OPTION: 42,
  BAD_FRAGMENT: 43,
  BAD_UDP_LENGTH: 44,
  DONT_FRAGMENT: 45,     // datagram larger than the MTU with DF set (RFC 791 §2.3): send ICMP frag-needed
  MTU_TOO_SMALL: 46,     // MTU cannot carry the header plus 8 bytes of data (RFC 791: every host takes 68)
  FRAG_OVERLAP: 47,      // overlapping fragment: whole datagram dropped (Linux since CVE-2018-5391)
  FRAG_DUPLICATE: 48,    // fragment wholly inside one already held: ignored, datagram kept
  FRAG_OVERSIZE: 49,     // fragments reach beyond 65535 bytes (ping of death)
  FRAG_TIMEOUT: 50,      // reassembly time exceeded (RFC 792 type 11 code 1)
  FRAG_EVICTED: 51,      // dropped to keep reassembly memory under its bound
  ICMP_BAD_QUOTE: 55,    // ICMP error whose quoted datagram is not a whole IPv4 header (RFC 792; Linux icmp_unreach drops it)
  // pcap / pcapng
  BAD_MAGIC: 70,
  BAD_BLOCK: 71,
  UNSUPPORTED_LINKTYPE: 72,
  TRUNCATED_FILE: 73,    // the file ends inside a header, record or block
  BAD_BLOCK_LENGTH: 74,  // pcapng block length too small, not a multiple of 4, too large, or trailer differs
  BAD_INTERFACE: 75,     // a packet names an interface no IDB has described
  BAD_PCAP_OPTION: 76,   // a pcapng option runs past its block or has the wrong size
  BAD_TSRESOL: 77,       // if_tsresol we cannot represent (e.g. 10^-20)
  RECORD_TOO_LONG: 78,   // captured length larger than the reader's limit or than the original length
  MIXED_LINKTYPES: 79,   // pcap holds one link type; a second interface asked for another
  // dns
  LABEL_TOO_LONG: 90,
  NAME_TOO_LONG: 91,
  BAD_POINTER: 92,
  POINTER_LOOP: 93,
  BAD_LABEL_TYPE: 94,
  BAD_RDATA: 95,
  BAD_COUNT: 96,
  FORWARD_POINTER: 97,   // a compression pointer to a later offset (RFC 1035 §4.1.4: prior occurrence)
  BAD_OPT: 98,           // OPT outside the additional section, repeated, or with a non-root owner (RFC 6891 §6.1.1)
  TRAILING_BYTES: 99,    // bytes after the last record the counts describe
  // encap
  BAD_FLAGS: 120,
  NOT_TUNNEL: 121,       // not an IPv4/UDP datagram to our tunnel port (or a fragment): not for the VTEP
  SLEEVE_GARBAGE: 122,   // 1-13 bytes after the last sleeve frame (Weave: "octets of trailing garbage")
} as const;

export type WireError = (typeof WireError)[keyof typeof WireError];

const NAMES: string[] = [];
for (const [k, v] of Object.entries(WireError)) NAMES[v] = k.toLowerCase().replace(/_/g, '-');

/** Human-readable name of an error code, e.g. `bad-checksum`; used in drop counters and CLI output. */
export function wireErrorName(code: number): string {
  return NAMES[code] ?? `error-${code}`;
}

/** Largest code in use + 1: size for per-reason counter arrays. */
export const WIRE_ERROR_LIMIT = 256;

export function isWireError(x: unknown): x is WireError {
  return typeof x === 'number';
}
