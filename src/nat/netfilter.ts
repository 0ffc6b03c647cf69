// The netfilter hooks the lab's IPv4 path calls, in the kernel's order (net/ipv4/ip_input.c,
// ip_forward.c, ip_output.c):
//
//   receive ─► prerouting ─► ROUTE ─┬─► input ─────────────────► local socket
//             (conntrack in,       │
//              nat PREROUTING:     └─► forward ─► postrouting ─► transmit
//              DNAT/REDIRECT,            (filter    (nat POSTROUTING: SNAT/
//              un-SNAT of replies)        FORWARD)   MASQUERADE, un-DNAT; confirm)
//   local send ─► output ─► ROUTE ─► postrouting ─► transmit
//                 (conntrack in, nat OUTPUT DNAT, filter OUTPUT)
//   input = filter INPUT then nat INPUT (SNAT to a local socket), then confirm.
//
// What the lab must do:
//  * call prerouting() before its routing decision and route on the destination found in the
//    packet AFTERWARDS (DNAT happens before routing: a port forward turns a local destination into
//    a forwarded one); likewise re-route after output() when `state.rerouted` is set;
//  * call postrouting() after routing with the outgoing interface and, for MASQUERADE, that
//    interface's source address for the next hop (inet_select_addr);
//  * give every hook the same NfState for one packet (conntrack's skb->_nfct), and a separate
//    NfState for a packet it builds while another is in flight (e.g. the ICMP error of a REJECT);
//  * reassemble fragments before prerouting (nf_defrag_ipv4 does): fragments are left untracked;
//  * on REJECT build the ICMP error `state.rejectType/rejectCode` (type -1 = TCP reset) about
//    the packet, on DROP free it; the verdict numbers are the kernel's (NF_DROP 0, NF_ACCEPT 1).
// Every hook works in place on (buf, off, len) = the IPv4 packet, allocates nothing for a packet of
// an established flow and never throws on malformed input (it counts and drops).
import { u16 } from '../bytes.ts';
import { ipv4ToString } from '../ip/address.ts';
import { Conntrack, CtState, CtStatus, type ConntrackOptions } from './conntrack.ts';
import { setupNat, nullBinding } from './nat.ts';
import { PacketCtx, RuleSet, Target, TARGET_NAMES, Verdict, type Chain, type Rule } from './rules.ts';
import { Manip, manipIcmpError, manipPacket } from './translate.ts';
import { Dir, PROTO_ICMP, PROTO_TCP, PROTO_UDP, icmpReplyType, ctProtoName } from './tuple.ts';

export const NfVerdict = { DROP: 0, ACCEPT: 1, STOLEN: 2, REJECT: 5 } as const;

/** Per-packet netfilter state carried from hook to hook (skb->_nfct, skb->mark). */
export class NfState {
  /** conntrack entry, -1 = untracked/invalid */
  ct = -1;
  dir = 0;
  /** CtState bit */
  ctinfo = 0;
  /** packet in an ICMP error RELATED to `ct` */
  related = false;
  mark = 0;
  /** output()/prerouting() changed the destination: route again */
  rerouted = false;
  rejectType = 3;
  rejectCode = 3;
  // the last translation, for comment()
  natManip = -1;
  natRule: Rule | null = null;
  natChain = '';
  natNum = 0;
  natNew = false;
  natOldAddr = 0; natOldPort = 0; natNewAddr = 0; natNewPort = 0;
  /** rule that gave a DROP/REJECT verdict */
  verdictRule: Rule | null = null;
  verdictChain = '';
  verdictNum = 0;
  reset(): this {
    this.ct = -1; this.dir = 0; this.ctinfo = 0; this.related = false; this.mark = 0; this.rerouted = false;
    this.natManip = -1; this.natRule = null; this.natNew = false; this.verdictRule = null;
    return this;
  }
}

/** What the namespace tells netfilter about its addresses (the lab implements it). */
export interface NetfilterHost {
  /** addrtype bitmask of an address here: 1 << 2 (LOCAL) for its own, 1 << 3 BROADCAST, 1 << 5 MULTICAST, else 1 << 1 UNICAST */
  addrType(addr: number): number;
  /** primary IPv4 address of an interface (REDIRECT in PREROUTING), 0 if none */
  ifAddress(ifId: number): number;
}

export interface NetfilterCounters {
  bad_header: number;
  truncated: number;
  invalid: number;
  nat_failed: number;
  untracked: number;
}

export interface NetfilterOptions extends ConntrackOptions {
  /** seeded random source in [0, 1): statistic match, NAT port choice */
  rng?: () => number;
  host?: NetfilterHost;
}

const LOCAL = 1 << 2;

export class Netfilter {
  readonly rules = new RuleSet();
  readonly ct: Conntrack;
  readonly counters: NetfilterCounters = { bad_header: 0, truncated: 0, invalid: 0, nat_failed: 0, untracked: 0 };
  readonly rng: () => number;
  host: NetfilterHost;
  private readonly ctx = new PacketCtx();
  private readonly verdict = new Verdict();
  private readonly defaultState = new NfState();
  // the filter table's built-in chains (never deleted): looked up once, not by name per packet
  private readonly fInput: Chain;
  private readonly fForward: Chain;
  private readonly fOutput: Chain;

  constructor(opts: NetfilterOptions = {}) {
    this.ct = new Conntrack(opts);
    let s = (opts.seed ?? 1) >>> 0 || 1;
    // xorshift32 fallback: deterministic when the lab does not hand its own generator in
    this.rng = opts.rng ?? (() => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; });
    this.host = opts.host ?? { addrType: () => 1 << 1, ifAddress: () => 0 };
    this.ctx.addrType = (a) => this.host.addrType(a); // `host` may be replaced later
    const f = this.rules.filter.chains;
    this.fInput = f.get('INPUT')!;
    this.fForward = f.get('FORWARD')!;
    this.fOutput = f.get('OUTPUT')!;
  }

  /** Interface id used by the hooks' inIf/outIf (stable per name; cache it per device). */
  ifId(name: string): number {
    return this.rules.ifId(name);
  }

  // ---------------------------------------------------------------- hooks

  /** NF_INET_PRE_ROUTING: conntrack, then nat PREROUTING (DST manip). Route on the packet's destination afterwards. */
  prerouting(buf: Uint8Array, off: number, len: number, inIf: number, now: number, st: NfState = this.defaultState): number {
    st.reset();
    if (!this.track(buf, off, len, st, now)) return NfVerdict.DROP;
    return this.nat(buf, off, len, Manip.DST, 'PREROUTING', inIf, -1, 0, st, now);
  }

  /**
   * PREROUTING of a packet that comes back over loopback still attached to its conntrack entry
   * (the kernel keeps skb->_nfct across lo, and nf_conntrack_in skips a packet that has one):
   * no second lookup or accounting, only the nat hook, which re-applies its manip idempotently.
   */
  preroutingAttached(buf: Uint8Array, off: number, len: number, inIf: number, ct: number, dir: number, ctinfo: number, mark: number, now: number, st: NfState = this.defaultState): number {
    st.reset();
    if (ct >= 0 && !this.ct.isAlive(ct)) return NfVerdict.DROP;
    st.ct = ct; st.dir = dir; st.ctinfo = ctinfo; st.mark = mark;
    return this.nat(buf, off, len, Manip.DST, 'PREROUTING', inIf, -1, 0, st, now);
  }

  /**
   * The packet of `st` has left the stack (delivered, sent or dropped). A connection the kernel
   * would not have confirmed — its first packet dropped after PREROUTING/OUTPUT for want of a
   * route, by ip_forward=0, TTL… — is freed with it, as an unconfirmed conntrack is with its skb.
   */
  release(st: NfState = this.defaultState): void {
    const e = st.ct;
    if (e >= 0 && this.ct.isAlive(e) && !(this.ct.status[e]! & CtStatus.CONFIRMED)) this.ct.delete(e);
    st.ct = -1;
  }

  /** NF_INET_LOCAL_IN: filter INPUT, nat INPUT (SRC manip), confirm. */
  input(buf: Uint8Array, off: number, len: number, inIf: number, now: number, st: NfState = this.defaultState): number {
    const v = this.filter(buf, off, len, this.fInput, inIf, -1, st, now);
    if (v !== NfVerdict.ACCEPT) return v;
    const n = this.nat(buf, off, len, Manip.SRC, 'INPUT', inIf, -1, 0, st, now);
    if (n === NfVerdict.ACCEPT) this.confirm(st);
    return n;
  }

  /** NF_INET_FORWARD: filter FORWARD. */
  forward(buf: Uint8Array, off: number, len: number, inIf: number, outIf: number, now: number, st: NfState = this.defaultState): number {
    return this.filter(buf, off, len, this.fForward, inIf, outIf, st, now);
  }

  /** NF_INET_LOCAL_OUT: conntrack, nat OUTPUT (DST manip), filter OUTPUT. Re-route if `st.rerouted`. */
  output(buf: Uint8Array, off: number, len: number, outIf: number, now: number, st: NfState = this.defaultState): number {
    st.reset();
    if (!this.track(buf, off, len, st, now)) return NfVerdict.DROP;
    const n = this.nat(buf, off, len, Manip.DST, 'OUTPUT', -1, outIf, 0, st, now);
    if (n !== NfVerdict.ACCEPT) return n;
    return this.filter(buf, off, len, this.fOutput, -1, outIf, st, now);
  }

  /** NF_INET_POST_ROUTING: nat POSTROUTING (SRC manip: SNAT/MASQUERADE with `masqAddr`), confirm. */
  postrouting(buf: Uint8Array, off: number, len: number, outIf: number, masqAddr: number, now: number, st: NfState = this.defaultState): number {
    const n = this.nat(buf, off, len, Manip.SRC, 'POSTROUTING', -1, outIf, masqAddr, st, now);
    if (n === NfVerdict.ACCEPT) this.confirm(st);
    return n;
  }

  // ---------------------------------------------------------------- conntrack in

  /** nf_conntrack_in: finds or creates the entry; false = drop (malformed, or the table is full). */
  private track(buf: Uint8Array, off: number, len: number, st: NfState, now: number): boolean {
    const ct = this.ct;
    if (len < 20 || off < 0 || off + len > buf.length || buf[off]! >> 4 !== 4) { this.counters.bad_header++; return false; }
    const ihl = (buf[off]! & 15) << 2;
    const tot = u16(buf, off + 2);
    if (ihl < 20 || tot < ihl || tot > len) { this.counters.bad_header++; return false; }
    const proto = buf[off + 9]!;
    // int32 addresses (Conntrack accepts them): no heap number per packet for 128.0.0.0 and up
    const src = (buf[off + 12]! << 24) | (buf[off + 13]! << 16) | (buf[off + 14]! << 8) | buf[off + 15]!;
    const dst = (buf[off + 16]! << 24) | (buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!;
    if ((u16(buf, off + 6) & 0x3fff) !== 0) { this.counters.untracked++; st.ctinfo = CtState.UNTRACKED; return true; }
    const l4 = off + ihl;
    const avail = tot - ihl;
    let sport = 0, dport = 0, rsport = 0, rdport = 0, flags = 0;
    if (proto === PROTO_UDP) {
      const ul = avail >= 8 ? u16(buf, l4 + 4) : 0;
      if (avail < 8 || ul < 8 || ul > avail) return this.truncated();
      sport = u16(buf, l4); dport = u16(buf, l4 + 2); rsport = dport; rdport = sport;
    } else if (proto === PROTO_TCP) {
      if (avail < 20) return this.truncated();
      const doff = (buf[l4 + 12]! >> 4) << 2;
      if (doff < 20 || doff > avail) return this.truncated();
      sport = u16(buf, l4); dport = u16(buf, l4 + 2); rsport = dport; rdport = sport;
      flags = buf[l4 + 13]!;
    } else if (proto === PROTO_ICMP) {
      if (avail < 8) return this.truncated();
      const type = buf[l4]!;
      if (type === 3 || type === 4 || type === 5 || type === 11 || type === 12) return this.trackIcmpError(buf, l4, off + tot, st, now);
      sport = u16(buf, l4 + 4); dport = (type << 8) | buf[l4 + 1]!;
      const rt = icmpReplyType(type);
      rsport = sport; rdport = rt < 0 ? 0 : (rt << 8) | buf[l4 + 1]!;
      if (rt < 0) {
        // an answer type (echo reply…) or unknown: only valid for an existing entry
        const s = ct.lookup(src, dst, sport, dport, proto, now);
        if (s < 0) return this.invalid(st);
        return this.found(s, flags, tot, st, now);
      }
    }
    const s = ct.lookup(src, dst, sport, dport, proto, now);
    if (s >= 0) { ct.stats.found++; return this.found(s, flags, tot, st, now); }
    const e = ct.create(src, dst, sport, dport, proto, rsport, rdport, now);
    if (e < 0) return false; // table full: counted in ct.stats.drop
    if (!ct.update(e, Dir.ORIGINAL, flags, tot, now)) {
      ct.delete(e);
      return this.invalid(st);
    }
    st.ct = e; st.dir = Dir.ORIGINAL; st.ctinfo = CtState.NEW; st.mark = 0;
    return true;
  }

  private found(s: number, flags: number, tot: number, st: NfState, now: number): boolean {
    const e = s >> 1;
    const dir = s & 1;
    if (!this.ct.update(e, dir, flags, tot, now)) return this.invalid(st);
    st.ct = e; st.dir = dir; st.mark = this.ct.mark[e]!;
    st.ctinfo = dir === Dir.REPLY || this.ct.status[e]! & CtStatus.SEEN_REPLY ? CtState.ESTABLISHED : CtState.NEW;
    return true;
  }

  /** ICMP error: RELATED to the entry of the datagram it quotes (looked up by the quote's inverse). */
  private trackIcmpError(buf: Uint8Array, icmp: number, end: number, st: NfState, now: number): boolean {
    const inner = icmp + 8;
    if (end - inner < 20 || buf[inner]! >> 4 !== 4) return this.invalid(st);
    const ihl = (buf[inner]! & 15) << 2;
    if (ihl < 20 || end - inner < ihl + 8) return this.invalid(st);
    const p = buf[inner + 9]!;
    const l4 = inner + ihl;
    const isrc = (buf[inner + 12]! << 24) | (buf[inner + 13]! << 16) | (buf[inner + 14]! << 8) | buf[inner + 15]!;
    const idst = (buf[inner + 16]! << 24) | (buf[inner + 17]! << 16) | (buf[inner + 18]! << 8) | buf[inner + 19]!;
    let sp = 0, dp = 0;
    if (p === PROTO_TCP || p === PROTO_UDP) { sp = u16(buf, l4 + 2); dp = u16(buf, l4); }
    else if (p === PROTO_ICMP) {
      const rt = icmpReplyType(buf[l4]!);
      if (rt < 0) return this.invalid(st); // errors about errors or answers are not tracked
      sp = u16(buf, l4 + 4); dp = (rt << 8) | buf[l4 + 1]!;
    }
    // the quote is a packet of the flow travelling the other way: look up its inverse
    const s = this.ct.lookup(idst, isrc, sp, dp, p, now);
    // only confirmed entries are in the kernel's hash: an error about a first packet that is still
    // in flight (no route → ICMP net unreachable) finds nothing and must not confirm it
    if (s < 0 || !(this.ct.status[s >> 1]! & CtStatus.CONFIRMED)) return this.invalid(st);
    st.ct = s >> 1; st.dir = s & 1; st.ctinfo = CtState.RELATED; st.related = true; st.mark = this.ct.mark[s >> 1]!;
    return true;
  }

  private truncated(): boolean {
    this.counters.truncated++;
    this.ct.stats.truncated++;
    return false;
  }

  private invalid(st: NfState): boolean {
    this.counters.invalid++;
    this.ct.stats.invalid++;
    st.ct = -1;
    st.ctinfo = CtState.INVALID;
    return true;
  }

  private confirm(st: NfState): void {
    if (st.ct >= 0) this.ct.status[st.ct]! |= CtStatus.CONFIRMED;
    if (st.ct >= 0) this.ct.mark[st.ct] = st.mark;
  }

  // ---------------------------------------------------------------- tables

  private fill(buf: Uint8Array, off: number, len: number, inIf: number, outIf: number, st: NfState): PacketCtx {
    const c = this.ctx;
    const ihl = (buf[off]! & 15) << 2;
    c.src = ((buf[off + 12]! << 24) | (buf[off + 13]! << 16) | (buf[off + 14]! << 8) | buf[off + 15]!) >>> 0;
    c.dst = ((buf[off + 16]! << 24) | (buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!) >>> 0;
    c.proto = buf[off + 9]!;
    c.len = u16(buf, off + 2);
    const first = (u16(buf, off + 6) & 0x1fff) === 0;
    c.hasPorts = first && (c.proto === PROTO_TCP || c.proto === PROTO_UDP) && c.len - ihl >= 8 && c.len <= len;
    c.sport = c.hasPorts ? u16(buf, off + ihl) : 0;
    c.dport = c.hasPorts ? u16(buf, off + ihl + 2) : 0;
    c.inIf = inIf;
    c.outIf = outIf;
    c.ctstate = st.ctinfo;
    if (st.ct >= 0) {
      const s = this.ct.status[st.ct]!;
      if (s & CtStatus.SRC_NAT) c.ctstate |= CtState.SNAT;
      if (s & CtStatus.DST_NAT) c.ctstate |= CtState.DNAT;
    }
    c.mark = st.mark;
    // addrtype is computed by the first rule that matches on it (PacketCtx.dstTypeOf)
    c.dstType = -1;
    c.srcType = -1;
    return c;
  }

  private filter(buf: Uint8Array, off: number, len: number, ch: Chain, inIf: number, outIf: number, st: NfState, now: number): number {
    // an empty chain with policy ACCEPT decides nothing: skip building the match context
    if (ch.rules.length === 0 && (ch.policy ?? Target.ACCEPT) === Target.ACCEPT) return NfVerdict.ACCEPT;
    const chain = ch.name;
    const c = this.fill(buf, off, len, inIf, outIf, st);
    const v = this.rules.evaluate(this.rules.filter, chain, c, this.rng, this.verdict);
    st.mark = c.mark;
    if (v.target === Target.ACCEPT) return NfVerdict.ACCEPT;
    st.verdictRule = v.rule;
    st.verdictChain = v.chain?.name ?? chain;
    st.verdictNum = v.ruleNum;
    // a dropped first packet never confirms its entry (the kernel frees an unconfirmed conntrack)
    if (st.ct >= 0 && !(this.ct.status[st.ct]! & CtStatus.CONFIRMED) && st.ctinfo === CtState.NEW) this.ct.delete(st.ct);
    if (v.target === Target.REJECT && v.rule) {
      st.rejectType = v.rule.rejectType;
      st.rejectCode = v.rule.rejectCode;
      return NfVerdict.REJECT;
    }
    return NfVerdict.DROP;
  }

  /**
   * A nat hook (nf_nat_inet_fn): on a connection's first packet consult the nat chain once and set
   * up the binding (or a null binding); then, for every packet, apply the manip that the entry's
   * status says this hook owes the packet's direction.
   */
  private nat(buf: Uint8Array, off: number, len: number, manip: number, chain: string, inIf: number, outIf: number, masqAddr: number, st: NfState, now: number): number {
    const e = st.ct;
    if (e < 0) return NfVerdict.ACCEPT;
    const ct = this.ct;
    const done = manip === Manip.SRC ? CtStatus.SRC_NAT_DONE : CtStatus.DST_NAT_DONE;
    if (!st.related && st.dir === Dir.ORIGINAL && !(ct.status[e]! & done)) {
      const c = this.fill(buf, off, len, inIf, outIf, st);
      const v = this.rules.evaluate(this.rules.nat, chain, c, this.rng, this.verdict);
      st.mark = c.mark;
      if (v.target === Target.DROP) return NfVerdict.DROP;
      const r = v.rule;
      let ok = true;
      if (r && (r.target === Target.SNAT || r.target === Target.DNAT || r.target === Target.MASQUERADE || r.target === Target.REDIRECT)) {
        let lo = r.natLo, hi = r.natHi;
        if (r.target === Target.MASQUERADE) lo = hi = masqAddr;
        else if (r.target === Target.REDIRECT) lo = hi = inIf >= 0 ? this.host.ifAddress(inIf) : 0x7f000001;
        else if (!r.natAddr) lo = hi = manip === Manip.SRC ? ct.tSrc[e * 2]! : ct.tDst[e * 2]!;
        ok = setupNat(ct, e, manip, lo, hi, r.natPorts, r.portLo, r.portHi, this.rng, now);
        ct.natRule[e * 2 + manip] = 1;
        st.natRule = r; st.natChain = v.chain!.name; st.natNum = v.ruleNum; st.natNew = true;
      } else ok = nullBinding(ct, e, manip, this.rng, now);
      if (!ok) { this.counters.nat_failed++; return NfVerdict.DROP; }
    }
    // which manip this hook applies in this direction (nf_nat_packet)
    let bit = manip === Manip.SRC ? CtStatus.SRC_NAT : CtStatus.DST_NAT;
    if (st.dir === Dir.REPLY) bit = bit === CtStatus.SRC_NAT ? CtStatus.DST_NAT : CtStatus.SRC_NAT;
    if (!(ct.status[e]! & bit)) return NfVerdict.ACCEPT;
    const other = e * 2 + (st.dir ^ 1);
    const icmp = ct.proto[e] === PROTO_ICMP;
    const end = off + u16(buf, off + 2);
    const aoff = off + (manip === Manip.SRC ? 12 : 16);
    st.natOldAddr = ((buf[aoff]! << 24) | (buf[aoff + 1]! << 16) | (buf[aoff + 2]! << 8) | buf[aoff + 3]!) >>> 0;
    st.natManip = manip;
    if (st.related) {
      // the quote gets the opposite manip to the other direction's own tuple; the outer header this hook's
      const innerManip = manip === Manip.SRC ? Manip.DST : Manip.SRC;
      const ia = (innerManip === Manip.SRC ? ct.tSrc[other]! : ct.tDst[other]!) | 0;
      const ip = icmp || innerManip === Manip.SRC ? ct.tSport[other]! : ct.tDport[other]!;
      const oa = (manip === Manip.SRC ? ct.tDst[other]! : ct.tSrc[other]!) | 0;
      manipIcmpError(buf, off, off + ((buf[off]! & 15) << 2), end, manip, oa, ia, ip);
      st.natNewAddr = oa >>> 0; st.natOldPort = 0; st.natNewPort = 0;
    } else {
      // target = invert(other direction's tuple)
      // int32 across the call (manipPacket is not always inlined): no heap number per packet
      const addr = (manip === Manip.SRC ? ct.tDst[other]! : ct.tSrc[other]!) | 0;
      const port = icmp ? ct.tSport[other]! : manip === Manip.SRC ? ct.tDport[other]! : ct.tSport[other]!;
      const ihl = (buf[off]! & 15) << 2;
      const po = off + ihl + (icmp ? 4 : manip === Manip.SRC ? 0 : 2);
      st.natOldPort = end - po >= 2 ? u16(buf, po) : 0;
      manipPacket(buf, off, end, manip, addr, port);
      st.natNewAddr = addr >>> 0; st.natNewPort = port;
    }
    if (manip === Manip.DST) st.rerouted = true;
    return NfVerdict.ACCEPT;
  }

  // ---------------------------------------------------------------- people

  /**
   * What the last hook did to the packet of `st`, for a pcapng comment, e.g.
   * "DNAT by nat/PREROUTING rule 1 → 192.168.12.2:80" or "SNAT by conntrack entry 3 → 10.0.0.2:40000".
   * null when nothing was translated. Builds a string: call it only when capturing.
   */
  comment(st: NfState = this.defaultState): string | null {
    if (st.natManip < 0) {
      if (st.verdictRule) return `${TARGET_NAMES[st.verdictRule.target]} by filter/${st.verdictChain} rule ${st.verdictNum}`;
      return null;
    }
    const e = st.ct;
    const proto = e >= 0 ? this.ct.proto[e]! : 0;
    const port = (proto === PROTO_TCP || proto === PROTO_UDP) && !st.related ? `:${st.natNewPort}` : proto === PROTO_ICMP && !st.related ? ` id ${st.natNewPort}` : '';
    const to = `${ipv4ToString(st.natNewAddr)}${port}`;
    let kind: string;
    if (st.natNew && st.natRule) kind = `${TARGET_NAMES[st.natRule.target]} by nat/${st.natChain} rule ${st.natNum}`;
    else {
      const k = st.dir === Dir.ORIGINAL ? (st.natManip === Manip.SRC ? 'SNAT' : 'DNAT') : st.natManip === Manip.SRC ? 'un-DNAT' : 'un-SNAT';
      kind = `${st.related ? 'ICMP error ' : ''}${k} by conntrack entry ${ctProtoName(proto)} #${e}`;
    }
    return `${kind} → ${to}`;
  }
}

export { CtState, LOCAL as ADDRTYPE_LOCAL };
