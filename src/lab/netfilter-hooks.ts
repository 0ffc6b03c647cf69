// The lab's side of netfilter (src/nat/netfilter.ts): one Netfilter per namespace, created on first
// use by `iptables`/`conntrack` — the kernel loads its tables and conntrack lazily too — so a
// namespace without rules pays one null check per packet. IpStack calls these at the kernel's hook
// points (ip_rcv → PREROUTING → route → INPUT | FORWARD → POSTROUTING; local out → OUTPUT → route
// → POSTROUTING), re-reading the destination after PREROUTING/OUTPUT so a DNAT re-routes.
//
// Verdicts: DROP counts DropReason.NETFILTER on the device and notes the rule in the capture;
// REJECT asks the stack for the ICMP error the rule names (type −1, tcp-reset, has no TCP to reset
// here and is a plain drop). Time: the lab clock is in ns, netfilter's in seconds.
import { Netfilter, NfState, NfVerdict } from '../nat/netfilter.ts';
import { prefixMask } from '../ip/address.ts';
import { DropReason, type NetDevice } from './net-device.ts';
import type { Netns } from './netns.ts';

// addrtype bits (1 << index in rules.ts ADDRTYPES)
/** Packets that may be in flight over lo at once with their conntrack entry remembered. */
const LOOP_MAX = 256;
const UNICAST = 1 << 1, LOCAL = 1 << 2, BROADCAST = 1 << 3, MULTICAST = 1 << 5;

export class LabNetfilter {
  readonly nf: Netfilter;
  /** Tables a rule change has created (iptables-nft creates a table on its first change; iptables-save lists only those). */
  readonly tables = new Set<string>();
  /** The state of the packet being received (PREROUTING → INPUT | FORWARD → POSTROUTING). */
  private readonly rxSt = new NfState();
  /** The state of a locally generated packet (OUTPUT → POSTROUTING); ICMP errors built while a
   *  received packet is in flight use this one, never the rx one. */
  private readonly outSt = new NfState();
  // netfilter interface ids by ifindex, re-resolved when the device's name changes
  private readonly idNames: string[] = [];
  private readonly ids: number[] = [];
  /** Comment of an earlier hook of the same packet (DNAT in PREROUTING, then SNAT in POSTROUTING). */
  private pending: string | null = null;
  /** Packets in flight over lo: (ip id, dst, ct, dir, ctinfo, mark) per slot, a FIFO. */
  private readonly loop = new Int32Array(LOOP_MAX * 6);
  private loopHeadIdx = 0;
  private loopN = 0;
  private txNoted = false;
  /** Lab time (s) read at PREROUTING for the received packet: its later hooks reuse it (the
   *  clock does not move while one packet is handled synchronously). */
  private rxNow = 0;
  /** The last packet a rule dropped here (lab time in ns, and the rule): what `--explain` names. */
  lastDrop: { at: number; text: string } | null = null;

  constructor(private readonly ns: Netns) {
    const r = ns.lab.rng.fork();
    this.nf = new Netfilter({
      seed: ns.lab.rng.int(0x100000000),
      rng: () => r.float(),
      host: {
        addrType: (a) => this.addrType(a),
        ifAddress: (id) => this.ifAddress(id),
      },
    });
  }

  /** Copies the namespace's net.netfilter.nf_conntrack_*_timeout sysctls into the table. */
  applySysctls(): void {
    const t = this.nf.ct.timeouts;
    const get = (k: string, d: number) => Number(this.ns.sysctls.get(`net.netfilter.nf_conntrack_${k}`) ?? d);
    t.udpUnreplied = get('udp_timeout', t.udpUnreplied);
    t.udpStream = get('udp_timeout_stream', t.udpStream);
    t.icmp = get('icmp_timeout', t.icmp);
    t.generic = get('generic_timeout', t.generic);
  }

  /** The namespace's netfilter, loading it on first use (iptables, conntrack). */
  static of(ns: Netns): LabNetfilter {
    if (ns.netfilter === null) {
      ns.netfilter = new LabNetfilter(ns);
      ns.netfilter.applySysctls();
    }
    return ns.netfilter;
  }

  private get now(): number {
    return this.ns.lab.scheduler.now / 1e9;
  }

  private get capturing(): boolean {
    return this.ns.lab.captures.length > 0;
  }

  idOf(dev: NetDevice): number {
    const i = dev.ifindex;
    if (this.idNames[i] !== dev.name) {
      this.idNames[i] = dev.name;
      this.ids[i] = this.nf.ifId(dev.name);
    }
    return this.ids[i]!;
  }

  private addrType(a: number): number {
    if (this.ns.isLocal(a)) return LOCAL;
    if (a === 0xffffffff) return BROADCAST;
    if (a >>> 28 === 14) return MULTICAST;
    for (const d of this.ns.devices)
      for (const x of d.addrs) if (x.len < 31 && (x.brd === a || ((x.addr | ~prefixMask(x.len)) >>> 0) === a)) return BROADCAST;
    return UNICAST;
  }

  private ifAddress(id: number): number {
    for (const d of this.ns.devices) if (this.idOf(d) === id && d.addrs.length > 0) return d.addrs[0]!.addr;
    return 0;
  }

  // ---------------------------------------------------------------- received packets

  /** PREROUTING; false = dropped (counted). The caller routes on the destination afterwards. */
  prerouting(dev: NetDevice, buf: Uint8Array, off: number, len: number): boolean {
    const st = this.rxSt;
    this.pending = null;
    const now = (this.rxNow = this.now);
    let v: number;
    const k = dev.kind === 'loopback' && this.loopN > 0 ? this.loopHead(buf, off) : -1;
    if (k >= 0) {
      const L = this.loop;
      v = this.nf.preroutingAttached(buf, off, len, this.idOf(dev), L[k + 2]!, L[k + 3]!, L[k + 4]!, L[k + 5]! >>> 0, now, st);
    } else v = this.nf.prerouting(buf, off, len, this.idOf(dev), now, st);
    if (v !== NfVerdict.ACCEPT) return this.dropped(dev, st, buf, off, len, v, 'PREROUTING');
    if (this.capturing) this.pending = this.nf.comment(st);
    st.natManip = -1; // the next hook's comment is its own
    return true;
  }

  /**
   * The oldest packet looped over lo, if `buf` is it (same IP id and destination): its index in
   * `loop`, dequeued. Loopback keeps frame order, so a FIFO pairs each looped packet with the
   * conntrack entry it left with.
   */
  private loopHead(buf: Uint8Array, off: number): number {
    const k = this.loopHeadIdx * 6;
    const L = this.loop;
    const id = (buf[off + 4]! << 8) | buf[off + 5]!;
    const dst = (buf[off + 16]! << 24) | (buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!;
    if (L[k] !== id || L[k + 1] !== dst) return -1;
    this.loopHeadIdx = (this.loopHeadIdx + 1) % LOOP_MAX;
    this.loopN--;
    return k;
  }

  /** The packet of the rx state has been delivered, forwarded or dropped: free an unconfirmed entry. */
  rxDone(): void {
    this.nf.release(this.rxSt);
  }

  /** Likewise for a locally generated packet. */
  txDone(): void {
    this.nf.release(this.outSt);
  }

  /** INPUT, before local delivery; false = dropped or rejected. */
  input(dev: NetDevice, buf: Uint8Array, off: number, len: number): boolean {
    const st = this.rxSt;
    const v = this.nf.input(buf, off, len, this.idOf(dev), this.rxNow, st);
    if (v !== NfVerdict.ACCEPT) return this.dropped(dev, st, buf, off, len, v, 'INPUT');
    if (this.capturing) this.noteRx(this.nf.comment(st));
    return true;
  }

  /**
   * FORWARD then POSTROUTING for a routed packet leaving on `out`; `masq` is the address the
   * stack would use as source on `out` (MASQUERADE). false = dropped or rejected. When it returns
   * true and a capture is on, the transmitted frame carries the comment until `sent()`.
   */
  forward(inDev: NetDevice, out: NetDevice, masq: number, buf: Uint8Array, off: number, len: number): boolean {
    const st = this.rxSt;
    const oid = this.idOf(out);
    const now = this.rxNow;
    let v = this.nf.forward(buf, off, len, this.idOf(inDev), oid, now, st);
    if (v !== NfVerdict.ACCEPT) return this.dropped(inDev, st, buf, off, len, v, 'FORWARD');
    v = this.nf.postrouting(buf, off, len, oid, masq, now, st);
    if (v !== NfVerdict.ACCEPT) return this.dropped(inDev, st, buf, off, len, v, 'POSTROUTING');
    if (this.capturing) this.noteBoth(this.nf.comment(st));
    return true;
  }

  // ---------------------------------------------------------------- local packets

  /** OUTPUT; '' = accepted (re-read the destination: a DNAT re-routes), else the errno (EPERM). */
  output(buf: Uint8Array, off: number, len: number): string {
    const st = this.outSt;
    this.pending = null;
    // the kernel routes before OUTPUT (the socket's route): `-o` matches that device
    const ns = this.ns;
    const dst = ((buf[off + 16]! << 24) | (buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!) >>> 0;
    let outDev: NetDevice | undefined = ns.lo;
    if (!ns.isLocal(dst)) {
      const r = ns.fib.lookup(dst);
      outDev = r !== null ? ns.byIndex[r.ifindex] : undefined;
    }
    const v = this.nf.output(buf, off, len, outDev ? this.idOf(outDev) : -1, this.now, st);
    if (v !== NfVerdict.ACCEPT) {
      if (v === NfVerdict.REJECT) this.reject(st, buf, off, len);
      // nf_hook's NF_DROP becomes -EPERM for the sender (ping: "sendmsg: Operation not permitted")
      return 'EPERM';
    }
    if (this.capturing) this.pending = this.nf.comment(st);
    st.natManip = -1;
    return '';
  }

  /** POSTROUTING of a locally generated packet; false = dropped. */
  postroutingLocal(out: NetDevice, masq: number, buf: Uint8Array, off: number, len: number): boolean {
    const st = this.outSt;
    const v = this.nf.postrouting(buf, off, len, this.idOf(out), masq, this.now, st);
    if (v !== NfVerdict.ACCEPT) {
      out.drop(DropReason.NETFILTER, false);
      return false;
    }
    if (out.kind === 'loopback' && st.ct >= 0) {
      // remember the entry for the packet's second pass through PREROUTING (over lo)
      if (this.loopN === LOOP_MAX) { this.loopHeadIdx = (this.loopHeadIdx + 1) % LOOP_MAX; this.loopN--; }
      const k = ((this.loopHeadIdx + this.loopN) % LOOP_MAX) * 6;
      const L = this.loop;
      L[k] = (buf[off + 4]! << 8) | buf[off + 5]!;
      L[k + 1] = (buf[off + 16]! << 24) | (buf[off + 17]! << 16) | (buf[off + 18]! << 8) | buf[off + 19]!;
      L[k + 2] = st.ct; L[k + 3] = st.dir; L[k + 4] = st.ctinfo; L[k + 5] = st.mark;
      this.loopN++;
    }
    if (this.capturing) this.noteTx(this.nf.comment(st));
    return true;
  }

  /** The transmitted frame has gone: later frames get their own comments. */
  sent(): void {
    if (this.txNoted) {
      this.txNoted = false;
      this.ns.lab.noteTx(null);
    }
  }

  // ---------------------------------------------------------------- helpers

  private dropped(dev: NetDevice, st: NfState, buf: Uint8Array, off: number, len: number, v: number, hook: string): boolean {
    dev.drop(DropReason.NETFILTER, true);
    const why = this.nf.comment(st) ?? `dropped by netfilter in ${hook}`;
    this.lastDrop = { at: this.ns.lab.scheduler.now, text: why };
    if (this.capturing) this.noteRx(why);
    if (v === NfVerdict.REJECT) this.reject(st, buf, off, len);
    return false;
  }

  private reject(st: NfState, buf: Uint8Array, off: number, len: number): void {
    if (st.rejectType < 0) return; // tcp-reset: no TCP in the lab
    this.ns.stack.icmpError(st.rejectType, st.rejectCode, buf, off, len, 0);
  }

  private join(c: string | null): string | null {
    const p = this.pending;
    this.pending = null;
    return p === null ? c : c === null ? p : `${p}; ${c}`;
  }

  private noteRx(c: string | null): void {
    const s = this.join(c);
    if (s !== null) this.ns.lab.note(s);
  }

  private noteTx(c: string | null): void {
    const s = this.join(c);
    if (s === null) return;
    this.ns.lab.noteTx(s);
    this.txNoted = true;
  }

  private noteBoth(c: string | null): void {
    const s = this.join(c);
    if (s === null) return;
    this.ns.lab.note(s);
    this.ns.lab.noteTx(s);
    this.txNoted = true;
  }
}
