// iptables rule sets: tables of chains of compiled rules, and their evaluation (ipt_do_table).
// Rules are parsed once (iptables-cli.ts) into numeric fields, so matching a packet is integer
// compares on a reused PacketCtx: no strings, no allocation (interface names become small ids; only
// `eth+` wildcards compare names). The original option order is kept for `iptables -S` output.
import { CtState } from './conntrack.ts';

export const Target = {
  NONE: 0, ACCEPT: 1, DROP: 2, RETURN: 3, JUMP: 4, REJECT: 5, SNAT: 6, DNAT: 7, MASQUERADE: 8, REDIRECT: 9, MARK: 10, LOG: 11, GOTO: 12,
} as const;
export const TARGET_NAMES = ['', 'ACCEPT', 'DROP', 'RETURN', '', 'REJECT', 'SNAT', 'DNAT', 'MASQUERADE', 'REDIRECT', 'MARK', 'LOG', ''];

/** ICMP (type, code) sent by REJECT --reject-with (ipt_REJECT), and tcp-reset (type -1). */
export const REJECT_WITH: Record<string, [number, number]> = {
  'icmp-net-unreachable': [3, 0],
  'icmp-host-unreachable': [3, 1],
  'icmp-proto-unreachable': [3, 2],
  'icmp-port-unreachable': [3, 3],
  'icmp-net-prohibited': [3, 9],
  'icmp-host-prohibited': [3, 10],
  'icmp-admin-prohibited': [3, 13],
  'tcp-reset': [-1, 0],
};

export const ADDRTYPES = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'];

/** The fields a rule matches on, filled by Netfilter once per packet per hook and reused. */
export class PacketCtx {
  src = 0;
  dst = 0;
  proto = 0;
  sport = 0;
  dport = 0;
  /** true when ports are meaningful (first fragment with a whole TCP/UDP header) */
  hasPorts = false;
  inIf = -1;
  outIf = -1;
  ctstate = 0; // CtState bit
  mark = 0;
  len = 0;
  /**
   * addrtype of the destination/source as a bitmask (1 << ADDRTYPES index), -1 = not computed
   * yet. Asking the host walks the namespace's addresses, so it is done on first use by an
   * addrtype match only: a ruleset without one never pays for it.
   */
  dstType = -1;
  srcType = -1;
  /** what computes addrtype (Netfilter sets its host's) */
  addrType: (addr: number) => number = () => 1 << 1;

  dstTypeOf(): number {
    if (this.dstType < 0) this.dstType = this.addrType(this.dst);
    return this.dstType;
  }

  srcTypeOf(): number {
    if (this.srcType < 0) this.srcType = this.addrType(this.src);
    return this.srcType;
  }
}

export class Rule {
  // --- matches (compiled) ---
  src = 0; srcMask = 0; srcInv = false;
  dst = 0; dstMask = 0; dstInv = false;
  proto = 0; protoInv = false; // 0 = all
  inIf = -1; inName = ''; inWild = false; inInv = false;
  outIf = -1; outName = ''; outWild = false; outInv = false;
  sportLo = -1; sportHi = -1; sportInv = false;
  dportLo = -1; dportHi = -1; dportInv = false;
  ctstate = 0; ctstateInv = false; // 0 = no conntrack match
  /** probability scaled to 2^31 as xt_statistic keeps it; -1 = no statistic match */
  probability = -1; probText = '';
  dstTypeMask = 0; dstTypeInv = false; srcTypeMask = 0; srcTypeInv = false;
  markMatch = false; markValue = 0; markMask = 0xffffffff; markInv = false;
  comment: string | null = null;
  /** match modules in command-line order ('tcp', 'udp', 'conntrack', …) for -S/-L output */
  modules: string[] = [];
  // --- target ---
  target: number = Target.NONE;
  jump: Chain | null = null;
  rejectType = 3; rejectCode = 3; rejectName = 'icmp-port-unreachable';
  natLo = 0; natHi = 0; natAddr = false; // address range for SNAT/DNAT
  portLo = 0; portHi = 0; natPorts = false;
  natRandom = false; natPersistent = false; natFully = false;
  setMark = 0; setMarkMask = 0xffffffff; markOp = 'xmark';
  logPrefix: string | null = null; logLevel = 4;
  // --- counters ---
  pkts = 0;
  bytes = 0;

  /** Does the rule match (all matches ANDed; `!` inverts one match)? */
  matches(c: PacketCtx, rng: () => number, ifName: (id: number) => string): boolean {
    if (this.srcMask !== 0 || this.srcInv) if ((((c.src & this.srcMask) >>> 0) === this.src) === this.srcInv) return false;
    if (this.dstMask !== 0 || this.dstInv) if ((((c.dst & this.dstMask) >>> 0) === this.dst) === this.dstInv) return false;
    if (this.proto !== 0 && (c.proto === this.proto) === this.protoInv) return false;
    if (this.inName !== '') {
      const m = this.inWild ? ifName(c.inIf).startsWith(this.inName) : c.inIf === this.inIf;
      if (m === this.inInv) return false;
    }
    if (this.outName !== '') {
      const m = this.outWild ? ifName(c.outIf).startsWith(this.outName) : c.outIf === this.outIf;
      if (m === this.outInv) return false;
    }
    if (this.sportLo >= 0) {
      if (!c.hasPorts) return false; // xt_tcpudp: fragments and short headers never match
      if ((c.sport >= this.sportLo && c.sport <= this.sportHi) === this.sportInv) return false;
    }
    if (this.dportLo >= 0) {
      if (!c.hasPorts) return false;
      if ((c.dport >= this.dportLo && c.dport <= this.dportHi) === this.dportInv) return false;
    }
    if (this.ctstate !== 0 && ((c.ctstate & this.ctstate) !== 0) === this.ctstateInv) return false;
    if (this.dstTypeMask !== 0 && ((c.dstTypeOf() & this.dstTypeMask) !== 0) === this.dstTypeInv) return false;
    if (this.srcTypeMask !== 0 && ((c.srcTypeOf() & this.srcTypeMask) !== 0) === this.srcTypeInv) return false;
    if (this.markMatch && ((((c.mark & this.markMask) >>> 0) === this.markValue) === this.markInv)) return false;
    // statistic last: it consumes randomness only when everything else matched, like rule order in the kernel
    if (this.probability >= 0 && (Math.floor(rng() * 0x80000000) < this.probability) === false) return false;
    return true;
  }
}

export class Chain {
  rules: Rule[] = [];
  /** built-in chains have a policy; user chains have null */
  policy: number | null;
  pkts = 0; // policy counters
  bytes = 0;
  constructor(readonly name: string, policy: number | null) {
    this.policy = policy;
  }
  get builtin(): boolean {
    return this.policy !== null;
  }
}

export const BUILTIN: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

export class Table {
  chains = new Map<string, Chain>();
  constructor(readonly name: string) {
    for (const c of BUILTIN[name]!) this.chains.set(c, new Chain(c, Target.ACCEPT));
  }
  /** Chains in iptables listing order: built-ins in hook order, then user chains by name. */
  ordered(): Chain[] {
    const b = [...this.chains.values()].filter((c) => c.builtin);
    const u = [...this.chains.values()].filter((c) => !c.builtin).sort((a, z) => (a.name < z.name ? -1 : a.name > z.name ? 1 : 0));
    return [...b, ...u];
  }
  references(chain: Chain): number {
    let n = 0;
    for (const c of this.chains.values()) for (const r of c.rules) if (r.jump === chain) n++;
    return n;
  }
}

/** Result of walking a chain: the verdict and the rule that gave it (null = policy). */
export class Verdict {
  target: number = Target.ACCEPT;
  rule: Rule | null = null;
  chain: Chain | null = null;
  /** 1-based rule number within `chain` */
  ruleNum = 0;
}

const MAX_DEPTH = 64;

/** Both tables plus the interface-name registry the compiled rules refer to. */
export class RuleSet {
  readonly filter = new Table('filter');
  readonly nat = new Table('nat');
  private readonly ifIds = new Map<string, number>();
  private readonly ifNames: string[] = [];
  private readonly stackChain: (Chain | null)[] = new Array(MAX_DEPTH).fill(null);
  private readonly stackPos = new Int32Array(MAX_DEPTH);
  readonly ifName = (id: number): string => this.ifNames[id] ?? '';

  table(name: string): Table | undefined {
    return name === 'filter' ? this.filter : name === 'nat' ? this.nat : undefined;
  }

  /** Small stable id for an interface name (the lab caches it per device). */
  ifId(name: string): number {
    let id = this.ifIds.get(name);
    if (id === undefined) {
      id = this.ifNames.length;
      this.ifNames.push(name);
      this.ifIds.set(name, id);
    }
    return id;
  }

  /**
   * Walks `chain` of `table` for the packet (ipt_do_table): the first rule whose matches hold and
   * whose target is terminal decides; jumps push a return point, RETURN or the end of a user chain
   * pops; the end of a built-in chain applies its policy. MARK and LOG act and continue.
   */
  evaluate(table: Table, chainName: string, c: PacketCtx, rng: () => number, out: Verdict): Verdict {
    let chain = table.chains.get(chainName)!;
    let pos = 0;
    let depth = 0;
    const base = chain;
    for (;;) {
      const rules = chain.rules;
      if (pos >= rules.length) {
        if (depth === 0) {
          out.target = base.policy ?? Target.ACCEPT;
          // iptables-nft counts the policy only when it is not ACCEPT (kernel 6.x, iptables 1.8.9:
          // `:INPUT ACCEPT [0:0]` after traffic, `:INPUT DROP [2:168]` after two dropped pings)
          if (out.target !== Target.ACCEPT) {
            base.pkts++;
            base.bytes += c.len;
          }
          out.rule = null;
          out.chain = base;
          out.ruleNum = 0;
          return out;
        }
        depth--;
        chain = this.stackChain[depth]!;
        pos = this.stackPos[depth]!;
        continue;
      }
      const r = rules[pos]!;
      pos++;
      if (!r.matches(c, rng, this.ifName)) continue;
      r.pkts++;
      r.bytes += c.len;
      switch (r.target) {
        case Target.NONE:
        case Target.LOG:
          continue;
        case Target.MARK:
          c.mark = ((c.mark & ~r.setMarkMask) ^ r.setMark) >>> 0;
          continue;
        case Target.RETURN:
          if (depth === 0) pos = rules.length; // RETURN in a built-in chain: policy
          else {
            depth--;
            chain = this.stackChain[depth]!;
            pos = this.stackPos[depth]!;
          }
          continue;
        case Target.JUMP:
        case Target.GOTO:
          if (r.target === Target.JUMP) {
            if (depth >= MAX_DEPTH) { out.target = Target.DROP; out.rule = r; out.chain = chain; out.ruleNum = pos; return out; }
            this.stackChain[depth] = chain;
            this.stackPos[depth] = pos;
            depth++;
          }
          chain = r.jump!;
          pos = 0;
          continue;
        default:
          out.target = r.target;
          out.rule = r;
          out.chain = chain;
          out.ruleNum = pos;
          return out;
      }
    }
  }
}

export { CtState };
