// `iptables` and `iptables-save` over a RuleSet: argument parsing with iptables 1.8.9 (nf_tables)
// messages and exit statuses (2 = bad parameter, 1 = the operation failed), and the -S / -L /
// iptables-save output formats of the real tool (xtables print_rule_details / save_rule_details).
import { ipv4ToString, prefixMask, tryParseIpv4 } from '../ip/address.ts';
import { CtState } from './conntrack.ts';
import { ADDRTYPES, BUILTIN, Chain, REJECT_WITH, Rule, RuleSet, Table, Target, TARGET_NAMES } from './rules.ts';

export const IPTABLES_VERSION = 'v1.8.9 (nf_tables)';
export interface CliResult { status: number; stdout: string; stderr: string }

class ParamError extends Error { constructor(msg: string, readonly status = 2) { super(msg); } }
class OpError extends Error { constructor(msg: string, readonly status = 1) { super(msg); } }

const PROTOS: Record<string, number> = { all: 0, icmp: 1, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, sctp: 132 };
const PROTO_NAME: Record<number, string> = { 0: 'all', 1: 'icmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 51: 'ah', 132: 'sctp' };
const SERVICES: Record<number, string> = { 20: 'ftp-data', 21: 'ftp', 22: 'ssh', 23: 'telnet', 25: 'smtp', 53: 'domain', 67: 'bootps', 68: 'bootpc', 80: 'http', 123: 'ntp', 443: 'https', 8080: 'http-alt' };
const SERVICE_PORT: Record<string, number> = Object.fromEntries(Object.entries(SERVICES).map(([k, v]) => [v, Number(k)]));
const CT_NAMES: [string, number][] = [['INVALID', CtState.INVALID], ['NEW', CtState.NEW], ['RELATED', CtState.RELATED], ['ESTABLISHED', CtState.ESTABLISHED], ['UNTRACKED', CtState.UNTRACKED], ['SNAT', CtState.SNAT], ['DNAT', CtState.DNAT]];
const LOG_LEVELS = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'];

const hex = (n: number): string => '0x' + (n >>> 0).toString(16);

function parsePort(s: string): number {
  const n = /^\d+$/.test(s) ? Number(s) : SERVICE_PORT[s] ?? -1;
  if (n < 0 || n > 65535) throw new ParamError(`invalid port/service \`${s}' specified`);
  return n;
}
function parsePortRange(s: string): [number, number] {
  const [a, b] = s.split(':');
  const lo = a === '' ? 0 : parsePort(a!);
  const hi = b === undefined ? lo : b === '' ? 65535 : parsePort(b);
  if (lo > hi) throw new ParamError('invalid portrange (min > max)');
  return [lo, hi];
}
function parseAddrMask(s: string): [number, number] {
  const [a, m] = s.split('/');
  const addr = tryParseIpv4(a!);
  if (addr < 0) throw new ParamError(`host/network \`${a}' not found`);
  let mask = 0xffffffff;
  if (m !== undefined) {
    if (/^\d+$/.test(m) && Number(m) <= 32) mask = prefixMask(Number(m));
    else if (tryParseIpv4(m) >= 0) mask = tryParseIpv4(m);
    else throw new ParamError(`invalid mask \`${m}' specified`);
  }
  return [(addr & mask) >>> 0, mask >>> 0];
}
function maskLen(m: number): number {
  let n = 0;
  while (n < 32 && (m & (0x80000000 >>> n)) !== 0) n++;
  return n;
}
function fmtAddr(a: number, m: number, numeric: boolean): string {
  if (m === 0 && a === 0) return numeric ? '0.0.0.0/0' : 'anywhere';
  return m === 0xffffffff ? ipv4ToString(a) : `${ipv4ToString(a)}/${maskLen(m)}`;
}
/** Parses `a.b.c.d[-e.f.g.h][:port[-port]]` (SNAT --to-source / DNAT --to-destination). */
function parseNatRange(r: Rule, s: string, name: string): void {
  const m = /^([\d.]*)(?:-([\d.]+))?(?::(\d+)(?:-(\d+))?)?$/.exec(s);
  if (!m) throw new ParamError(`Bad IP address "${s}"`);
  if (m[1]) {
    const lo = tryParseIpv4(m[1]);
    const hi = m[2] ? tryParseIpv4(m[2]) : lo;
    if (lo < 0 || hi < 0) throw new ParamError(`Bad IP address "${m[2] && hi < 0 ? m[2] : m[1]}"`);
    r.natAddr = true; r.natLo = lo; r.natHi = hi;
  }
  if (m[3] !== undefined) {
    r.natPorts = true; r.portLo = Number(m[3]); r.portHi = m[4] !== undefined ? Number(m[4]) : r.portLo;
    if (r.portLo > 65535 || r.portHi > 65535 || r.portLo > r.portHi) throw new ParamError(`Port range \`${m[3]}' invalid`);
  }
  void name;
}
function parsePortsOnly(r: Rule, s: string): void {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw new ParamError(`Port "${s}" not valid`);
  r.natPorts = true; r.portLo = Number(m[1]); r.portHi = m[2] ? Number(m[2]) : r.portLo;
}
function saveString(s: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(s)) return s;
  return '"' + s.replace(/["\\']/g, (c) => '\\' + c) + '"';
}

interface Parsed {
  table: string;
  cmd: string;
  chain: string | null;
  num: number;
  policy: string | null;
  rule: Rule;
  hasRuleSpec: boolean;
  numeric: boolean;
  verbose: boolean;
  exact: boolean;
  lineNumbers: boolean;
  jumpName: string | null;
}

const COMMANDS = new Set(['-A', '--append', '-I', '--insert', '-D', '--delete', '-R', '--replace', '-F', '--flush', '-X', '--delete-chain', '-N', '--new-chain', '-P', '--policy', '-L', '--list', '-S', '--list-rules', '-Z', '--zero', '-E', '--rename-chain']);
const SHORT: Record<string, string> = { '--append': '-A', '--insert': '-I', '--delete': '-D', '--replace': '-R', '--flush': '-F', '--delete-chain': '-X', '--new-chain': '-N', '--policy': '-P', '--list': '-L', '--list-rules': '-S', '--zero': '-Z', '--rename-chain': '-E', '--source': '-s', '--src': '-s', '--destination': '-d', '--dst': '-d', '--protocol': '-p', '--in-interface': '-i', '--out-interface': '-o', '--jump': '-j', '--goto': '-g', '--match': '-m', '--table': '-t', '--numeric': '-n', '--verbose': '-v', '--exact': '-x' };

function parse(argv: string[]): Parsed {
  const p: Parsed = { table: 'filter', cmd: '', chain: null, num: 0, policy: null, rule: new Rule(), hasRuleSpec: false, numeric: false, verbose: false, exact: false, lineNumbers: false, jumpName: null };
  const r = p.rule;
  const loaded = new Set<string>();
  let inv = false;
  let i = 0;
  const need = (opt: string): string => {
    const v = argv[i + 1];
    if (v === undefined || (v.startsWith('-') && v.length > 1 && !/^-\d/.test(v))) throw new ParamError(`option "${opt}" requires an argument`);
    i++;
    return v;
  };
  const optional = (): string | null => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('-') || v === '!') return null;
    i++;
    return v;
  };
  const useMod = (m: string): void => { if (!r.modules.includes(m)) r.modules.push(m); };
  for (; i < argv.length; i++) {
    let a = argv[i]!;
    if (a === '!') { inv = true; continue; }
    if (a.startsWith('--') && a.includes('=')) a = a.slice(0, a.indexOf('='));
    const s = SHORT[a] ?? a;
    if (COMMANDS.has(a)) {
      if (p.cmd) throw new ParamError(`Cannot use -${p.cmd.slice(1)} with -${s.slice(1)}\n`);
      p.cmd = s;
      if (s === '-A' || s === '-N' || s === '-P' || s === '-E' || s === '-R' || s === '-I' || s === '-D') p.chain = need(a);
      else p.chain = optional();
      if (s === '-P') p.policy = need(a);
      if (s === '-R') { const n = need(a); p.num = Number(n); }
      if (s === '-I' || s === '-D' || s === '-L' || s === '-S') {
        const v = argv[i + 1];
        if (v !== undefined && /^\d+$/.test(v)) { p.num = Number(v); i++; }
      }
      if (s === '-N' && p.chain !== null) {
        if (p.chain.length > 28) throw new ParamError(`chain name \`${p.chain}' too long (must be under 29 chars)`);
        if (/\s/.test(p.chain) || p.chain.startsWith('-')) throw new ParamError(`Invalid chain name \`${p.chain}'`);
      }
      continue;
    }
    const invNow = inv;
    inv = false;
    switch (s) {
      case '-t': p.table = need(a); break;
      case '-n': p.numeric = true; break;
      case '-v': p.verbose = true; break;
      case '-x': p.exact = true; break;
      case '--line-numbers': p.lineNumbers = true; break;
      case '-s': [r.src, r.srcMask] = parseAddrMask(need(a)); r.srcInv = invNow; p.hasRuleSpec = true; break;
      case '-d': [r.dst, r.dstMask] = parseAddrMask(need(a)); r.dstInv = invNow; p.hasRuleSpec = true; break;
      case '-p': {
        const v = need(a).toLowerCase();
        const n = /^\d+$/.test(v) ? Number(v) : PROTOS[v];
        if (n === undefined || n > 255) throw new ParamError(`unknown protocol "${v}" specified`);
        r.proto = n; r.protoInv = invNow; p.hasRuleSpec = true;
        break;
      }
      case '-i': case '-o': {
        const v = need(a);
        const wild = v.endsWith('+');
        const name = wild ? v.slice(0, -1) : v;
        if (s === '-i') { r.inName = name || '+'; r.inWild = wild; r.inInv = invNow; if (wild && !name) r.inName = ''; }
        else { r.outName = name || '+'; r.outWild = wild; r.outInv = invNow; if (wild && !name) r.outName = ''; }
        p.hasRuleSpec = true;
        break;
      }
      case '-m': {
        const m = need(a);
        if (!['tcp', 'udp', 'conntrack', 'comment', 'statistic', 'addrtype', 'mark', 'state'].includes(m)) throw new ParamError(`Couldn't load match \`${m}':No such file or directory\n`);
        loaded.add(m);
        p.hasRuleSpec = true;
        break;
      }
      case '-j': case '-g': {
        if (p.jumpName !== null) throw new ParamError('multiple -j flags not allowed');
        const t = need(a);
        p.jumpName = t;
        p.hasRuleSpec = true;
        const k = TARGET_NAMES.indexOf(t);
        r.target = k > 0 ? k : s === '-g' ? Target.GOTO : Target.JUMP;
        if (['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'REJECT', 'MARK', 'LOG'].includes(t)) loaded.add('target:' + t);
        break;
      }
      case '--sport': case '--source-port': case '--dport': case '--destination-port': {
        const mod = loaded.has('tcp') ? 'tcp' : loaded.has('udp') ? 'udp' : r.proto === 6 && !r.protoInv ? 'tcp' : r.proto === 17 && !r.protoInv ? 'udp' : null;
        if (!mod) throw new ParamError(`unknown option "${a}"`);
        useMod(mod);
        const [lo, hi] = parsePortRange(need(a));
        if (s === '--sport' || s === '--source-port') { r.sportLo = lo; r.sportHi = hi; r.sportInv = invNow; }
        else { r.dportLo = lo; r.dportHi = hi; r.dportInv = invNow; }
        break;
      }
      case '--ctstate': case '--state': {
        const mod = s === '--state' ? 'state' : 'conntrack';
        if (!loaded.has(mod)) throw new ParamError(`unknown option "${a}"`);
        useMod(mod);
        let m = 0;
        for (const w of need(a).split(',')) {
          const e = CT_NAMES.find(([n]) => n === w.toUpperCase());
          if (!e) throw new ParamError(mod === 'state' ? `Bad state "${w}"` : `Bad ctstate "${w}"`);
          m |= e[1];
        }
        r.ctstate = m; r.ctstateInv = invNow;
        break;
      }
      case '--comment':
        if (!loaded.has('comment')) throw new ParamError(`unknown option "${a}"`);
        useMod('comment'); r.comment = need(a); break;
      case '--mode':
        if (!loaded.has('statistic')) throw new ParamError(`unknown option "${a}"`);
        useMod('statistic');
        if (need(a) !== 'random') throw new ParamError(`Bad mode "${argv[i]}"`);
        break;
      case '--probability': {
        if (!loaded.has('statistic')) throw new ParamError(`unknown option "${a}"`);
        const v = Number(need(a));
        if (!(v >= 0 && v <= 1)) throw new ParamError(`invalid --probability \`${argv[i]}', must be between 0.0 and 1.0`);
        // xt_statistic keeps probability * 2^31 rounded (libxt_statistic)
        r.probability = Math.round(v * 0x80000000);
        r.probText = (r.probability / 0x80000000).toFixed(11);
        break;
      }
      case '--dst-type': case '--src-type': {
        if (!loaded.has('addrtype')) throw new ParamError(`unknown option "${a}"`);
        useMod('addrtype');
        let m = 0;
        for (const w of need(a).split(',')) {
          const k = ADDRTYPES.indexOf(w.toUpperCase());
          if (k < 0) throw new ParamError(`addrtype: invalid type "${w}"`);
          m |= 1 << k;
        }
        if (s === '--dst-type') { r.dstTypeMask = m; r.dstTypeInv = invNow; } else { r.srcTypeMask = m; r.srcTypeInv = invNow; }
        break;
      }
      case '--mark': {
        if (!loaded.has('mark')) throw new ParamError(`unknown option "${a}"`);
        useMod('mark');
        const [v, m] = need(a).split('/');
        r.markMatch = true; r.markValue = Number(v) >>> 0; r.markMask = m === undefined ? 0xffffffff : Number(m) >>> 0; r.markInv = invNow;
        break;
      }
      case '--to-destination': case '--to-source':
        if (!loaded.has(s === '--to-source' ? 'target:SNAT' : 'target:DNAT')) throw new ParamError(`unknown option "${a}"`);
        parseNatRange(r, need(a), s); break;
      case '--to-ports':
        if (!loaded.has('target:MASQUERADE') && !loaded.has('target:REDIRECT')) throw new ParamError(`unknown option "${a}"`);
        parsePortsOnly(r, need(a)); break;
      case '--random': r.natRandom = true; break;
      case '--persistent': r.natPersistent = true; break;
      case '--random-fully': r.natFully = true; break;
      case '--reject-with': {
        if (!loaded.has('target:REJECT')) throw new ParamError(`unknown option "${a}"`);
        const v = need(a);
        const w = REJECT_WITH[v];
        if (!w) throw new ParamError(`unknown reject type "${v}"`);
        [r.rejectType, r.rejectCode] = w; r.rejectName = v;
        break;
      }
      case '--set-mark': case '--set-xmark': {
        if (!loaded.has('target:MARK')) throw new ParamError(`unknown option "${a}"`);
        const [v, m] = need(a).split('/');
        const val = Number(v) >>> 0;
        const mask = m === undefined ? 0xffffffff : Number(m) >>> 0;
        // --set-mark v/m is xmark (v, m|v) with the bits of m cleared first (libxt_MARK)
        if (s === '--set-mark') { r.setMark = val; r.setMarkMask = (mask | val) >>> 0; } else { r.setMark = val; r.setMarkMask = mask; }
        break;
      }
      case '--log-prefix':
        if (!loaded.has('target:LOG')) throw new ParamError(`unknown option "${a}"`);
        r.logPrefix = need(a); break;
      case '--log-level': {
        if (!loaded.has('target:LOG')) throw new ParamError(`unknown option "${a}"`);
        const v = need(a);
        const k = /^\d$/.test(v) ? Number(v) : LOG_LEVELS.indexOf(v === 'warn' ? 'warning' : v);
        if (k < 0 || k > 7) throw new ParamError(`log-level "${v}" unknown`);
        r.logLevel = k;
        break;
      }
      default:
        throw new ParamError(`unknown option "${a}"`);
    }
  }
  if (!p.cmd) throw new ParamError('no command specified');
  if (r.target === Target.SNAT && !r.natAddr) throw new ParamError('SNAT: option "--to-source" must be specified\n');
  if (r.target === Target.DNAT && !r.natAddr && !r.natPorts) throw new ParamError('DNAT: option "--to-destination" must be specified\n');
  if ((r.target === Target.DNAT || r.target === Target.SNAT || r.target === Target.MASQUERADE || r.target === Target.REDIRECT) && r.natPorts && r.proto !== 6 && r.proto !== 17 && r.proto !== 132)
    throw new ParamError('Need TCP, UDP, SCTP or DCCP with port specification');
  return p;
}

// ------------------------------------------------------------------ output

function saveMatches(r: Rule): string {
  let s = '';
  for (const m of r.modules) {
    s += ` -m ${m}`;
    if (m === 'tcp' || m === 'udp') {
      if (r.sportLo >= 0) s += `${r.sportInv ? ' !' : ''} --sport ${r.sportLo === r.sportHi ? r.sportLo : `${r.sportLo}:${r.sportHi}`}`;
      if (r.dportLo >= 0) s += `${r.dportInv ? ' !' : ''} --dport ${r.dportLo === r.dportHi ? r.dportLo : `${r.dportLo}:${r.dportHi}`}`;
    } else if (m === 'conntrack') s += `${r.ctstateInv ? ' !' : ''} --ctstate ${ctNames(r.ctstate)}`;
    else if (m === 'state') s += `${r.ctstateInv ? ' !' : ''} --state ${ctNames(r.ctstate)}`;
    else if (m === 'comment') s += ` --comment ${saveString(r.comment ?? '')}`;
    else if (m === 'statistic') s += ` --mode random --probability ${r.probText}`;
    else if (m === 'addrtype') {
      if (r.srcTypeMask) s += `${r.srcTypeInv ? ' !' : ''} --src-type ${typeNames(r.srcTypeMask)}`;
      if (r.dstTypeMask) s += `${r.dstTypeInv ? ' !' : ''} --dst-type ${typeNames(r.dstTypeMask)}`;
    } else if (m === 'mark') s += `${r.markInv ? ' !' : ''} --mark ${hex(r.markValue)}${r.markMask === 0xffffffff ? '' : '/' + hex(r.markMask)}`;
  }
  return s;
}
function ctNames(m: number): string {
  return CT_NAMES.filter(([, b]) => m & b).map(([n]) => n).join(',');
}
function typeNames(m: number): string {
  return ADDRTYPES.filter((_, k) => m & (1 << k)).join(',');
}
function natTo(r: Rule): string {
  let s = r.natAddr ? (r.natLo === r.natHi ? ipv4ToString(r.natLo) : `${ipv4ToString(r.natLo)}-${ipv4ToString(r.natHi)}`) : '';
  if (r.natPorts) s += `:${r.portLo === r.portHi ? r.portLo : `${r.portLo}-${r.portHi}`}`;
  return s;
}
function ports(r: Rule): string {
  return r.portLo === r.portHi ? `${r.portLo}` : `${r.portLo}-${r.portHi}`;
}
function targetName(r: Rule): string {
  return r.target === Target.JUMP || r.target === Target.GOTO ? r.jump!.name : TARGET_NAMES[r.target]!;
}
function saveTarget(r: Rule): string {
  if (r.target === Target.NONE) return '';
  let s = ` ${r.target === Target.GOTO ? '-g' : '-j'} ${targetName(r)}`;
  switch (r.target) {
    case Target.DNAT: s += ` --to-destination ${natTo(r)}`; break;
    case Target.SNAT: s += ` --to-source ${natTo(r)}`; break;
    case Target.MASQUERADE: case Target.REDIRECT: if (r.natPorts) s += ` --to-ports ${ports(r)}`; break;
    case Target.REJECT: s += ` --reject-with ${r.rejectName}`; break;
    case Target.MARK: s += ` --set-xmark ${hex(r.setMark)}/${hex(r.setMarkMask)}`; break;
    case Target.LOG:
      if (r.logPrefix !== null) s += ` --log-prefix "${r.logPrefix}"`;
      if (r.logLevel !== 4) s += ` --log-level ${r.logLevel}`;
      break;
  }
  if (r.natRandom) s += ' --random';
  if (r.natFully) s += ' --random-fully';
  if (r.natPersistent) s += ' --persistent';
  return s;
}
function iface(name: string, wild: boolean): string {
  return wild ? name + '+' : name;
}

/** One rule as `iptables -S` prints it. */
export function saveRule(chain: string, r: Rule): string {
  let s = `-A ${chain}`;
  if (r.srcMask || r.srcInv) s += `${r.srcInv ? ' !' : ''} -s ${ipv4ToString(r.src)}/${maskLen(r.srcMask)}`;
  if (r.dstMask || r.dstInv) s += `${r.dstInv ? ' !' : ''} -d ${ipv4ToString(r.dst)}/${maskLen(r.dstMask)}`;
  if (r.inName || r.inWild) s += `${r.inInv ? ' !' : ''} -i ${iface(r.inName, r.inWild)}`;
  if (r.outName || r.outWild) s += `${r.outInv ? ' !' : ''} -o ${iface(r.outName, r.outWild)}`;
  if (r.proto) s += `${r.protoInv ? ' !' : ''} -p ${PROTO_NAME[r.proto] ?? r.proto}`;
  return s + saveMatches(r) + saveTarget(r);
}

function listMatches(r: Rule, numeric: boolean): string {
  let s = '';
  const port = (p: number): string => (numeric ? `${p}` : SERVICES[p] ?? `${p}`);
  for (const m of r.modules) {
    if (m === 'tcp' || m === 'udp') {
      s += ` ${m}`;
      if (r.sportLo >= 0) s += r.sportLo === r.sportHi ? ` spt:${r.sportInv ? '!' : ''}${port(r.sportLo)}` : ` spts:${r.sportInv ? '!' : ''}${port(r.sportLo)}:${port(r.sportHi)}`;
      if (r.dportLo >= 0) s += r.dportLo === r.dportHi ? ` dpt:${r.dportInv ? '!' : ''}${port(r.dportLo)}` : ` dpts:${r.dportInv ? '!' : ''}${port(r.dportLo)}:${port(r.dportHi)}`;
    } else if (m === 'conntrack') s += `${r.ctstateInv ? ' !' : ''} ctstate ${ctNames(r.ctstate)}`;
    else if (m === 'state') s += `${r.ctstateInv ? ' !' : ''} state ${ctNames(r.ctstate)}`;
    else if (m === 'comment') s += ` /* ${r.comment} */`;
    else if (m === 'statistic') s += ` statistic mode random probability ${r.probText}`;
    else if (m === 'addrtype') {
      s += ' ADDRTYPE match';
      if (r.srcTypeMask) s += ` src-type ${r.srcTypeInv ? '!' : ''}${typeNames(r.srcTypeMask)}`;
      if (r.dstTypeMask) s += ` dst-type ${r.dstTypeInv ? '!' : ''}${typeNames(r.dstTypeMask)}`;
    } else if (m === 'mark') s += ` mark match ${r.markInv ? '!' : ''}${hex(r.markValue)}${r.markMask === 0xffffffff ? '' : '/' + hex(r.markMask)}`;
  }
  switch (r.target) {
    case Target.DNAT: case Target.SNAT: s += ` to:${natTo(r)}`; break;
    case Target.MASQUERADE: if (r.natPorts) s += ` masq ports: ${ports(r)}`; break;
    case Target.REDIRECT: if (r.natPorts) s += ` redir ports ${ports(r)}`; break;
    case Target.REJECT: s += ` reject-with ${r.rejectName}`; break;
    case Target.MARK: s += r.setMarkMask === 0xffffffff ? ` MARK set ${hex(r.setMark)}` : ` MARK xset ${hex(r.setMark)}/${hex(r.setMarkMask)}`; break;
    case Target.LOG:
      s += numeric ? ` LOG flags 0 level ${r.logLevel}` : ` LOG level ${r.logLevel === 4 ? 'warn' : LOG_LEVELS[r.logLevel]}`;
      if (r.logPrefix !== null) s += ` prefix "${r.logPrefix}"`;
      break;
  }
  return s;
}

/** xtables_print_num: counters in a 5-wide column, K/M/G/T above 99999 unless -x. */
function num(n: number, exact: boolean, w = 8): string {
  if (exact) return `${n}`.padStart(w) + ' ';
  if (n <= 99999) return `${n}`.padStart(5) + ' ';
  for (const u of ['K', 'M', 'G', 'T']) {
    n = Math.floor((n + 500) / 1000);
    if (n <= 9999 || u === 'T') return `${n}`.padStart(4) + u + ' ';
  }
  return '';
}

function listChain(t: Table, c: Chain, o: { numeric: boolean; verbose: boolean; exact: boolean; lineNumbers: boolean }, only = 0): string {
  let s = `Chain ${c.name} `;
  if (c.builtin) s += o.verbose ? `(policy ${TARGET_NAMES[c.policy!]} ${c.pkts} packets, ${c.bytes} bytes)\n` : `(policy ${TARGET_NAMES[c.policy!]})\n`;
  else s += `(${t.references(c)} references)\n`;
  if (o.lineNumbers) s += 'num  ';
  if (o.verbose) s += (o.exact ? `${'pkts'.padStart(8)} ${'bytes'.padStart(10)} ` : ' pkts bytes ');
  s += 'target     prot opt';
  if (o.verbose) s += ' in     out    ';
  s += ' source               destination         \n';
  c.rules.forEach((r, k) => {
    if (only && k + 1 !== only) return;
    let l = '';
    if (o.lineNumbers) l += `${k + 1}`.padEnd(4) + ' ';
    if (o.verbose) l += num(r.pkts, o.exact) + num(r.bytes, o.exact);
    l += targetName(r).padEnd(9) + ' ';
    l += (r.protoInv ? '!' : ' ') + (o.numeric ? `${r.proto}` : PROTO_NAME[r.proto] ?? `${r.proto}`).padEnd(4) + ' ';
    l += '-- ';
    if (o.verbose) {
      l += ' ' + ((r.inInv ? '!' : '') + (r.inName || r.inWild ? iface(r.inName, r.inWild) : '*')).padEnd(6) + ' ';
      l += ((r.outInv ? '!' : '') + (r.outName || r.outWild ? iface(r.outName, r.outWild) : '*')).padEnd(6) + ' ';
    }
    l += (r.srcInv ? '!' : ' ') + fmtAddr(r.src, r.srcMask, o.numeric).padEnd(19) + ' ';
    l += (r.dstInv ? '!' : ' ') + fmtAddr(r.dst, r.dstMask, o.numeric).padEnd(19) + ' ';
    s += l + listMatches(r, o.numeric) + '\n';
  });
  return s;
}

/** `iptables-save` for both tables (header/footer dates use `date`). */
export function iptablesSave(rs: RuleSet, date = new Date()): string {
  const d = date.toString().replace(/^(\w+) (\w+) (\d+) (\d+) ([\d:]+).*$/, (_, w, m, dd, y, t) => `${w} ${m} ${String(Number(dd)).padStart(2)} ${t} ${y}`);
  let s = '';
  for (const name of ['filter', 'nat']) {
    const t = rs.table(name)!;
    s += `# Generated by iptables-save ${IPTABLES_VERSION} on ${d}\n*${name}\n`;
    for (const c of t.ordered()) s += `:${c.name} ${c.builtin ? TARGET_NAMES[c.policy!] : '-'} [${c.pkts}:${c.bytes}]\n`;
    for (const c of t.ordered()) for (const r of c.rules) s += saveRule(c.name, r) + '\n';
    s += `COMMIT\n# Completed on ${d}\n`;
  }
  return s;
}

function sameRule(a: Rule, b: Rule): boolean {
  return saveRule('', a) === saveRule('', b);
}

/** Runs one `iptables …` command line (argv without the program name) against `rs`. */
export function iptables(rs: RuleSet, argv: string[]): CliResult {
  const out: string[] = [];
  try {
    const p = parse(argv);
    const t = rs.table(p.table);
    if (!t) return { status: 3, stdout: '', stderr: `iptables ${IPTABLES_VERSION}: table '${p.table}' does not exist\nPerhaps iptables or your kernel needs to be upgraded.\n` };
    const r = p.rule;
    const chainOf = (name: string): Chain => {
      const c = t.chains.get(name);
      if (!c) throw new OpError('iptables: No chain/target/match by that name.');
      return c;
    };
    if (['-A', '-I', '-R', '-D'].includes(p.cmd) && (p.hasRuleSpec || p.cmd !== '-D')) {
      if (p.jumpName !== null && r.target === Target.JUMP || r.target === Target.GOTO) {
        const j = t.chains.get(p.jumpName!);
        if (!j || j.builtin) throw new ParamError(`Chain '${p.jumpName}' does not exist`);
        r.jump = j;
      }
      if (p.table === 'nat' && (r.target === Target.DROP || r.target === Target.REJECT))
        throw new ParamError(`\nThe "nat" table is not intended for filtering, the use of ${TARGET_NAMES[r.target]} is therefore inhibited.\n\n`);
      const chainName = p.chain!;
      if ((r.inName || r.inWild) && ['OUTPUT', 'POSTROUTING'].includes(chainName)) throw new ParamError(`Can't use -i with ${chainName}\n`);
      if ((r.outName || r.outWild) && ['INPUT', 'PREROUTING'].includes(chainName)) throw new ParamError(`Can't use -o with ${chainName}\n`);
      // kernel checkentry: NAT targets only in their hooks and table
      const bad = (p.table !== 'nat' && [Target.SNAT, Target.DNAT, Target.MASQUERADE, Target.REDIRECT].includes(r.target as 6))
        || (p.table === 'nat' && (((r.target === Target.SNAT || r.target === Target.MASQUERADE) && ['PREROUTING', 'OUTPUT'].includes(chainName))
          || ((r.target === Target.DNAT || r.target === Target.REDIRECT) && ['INPUT', 'POSTROUTING'].includes(chainName))));
      if (bad && t.chains.has(chainName)) {
        const op = p.cmd === '-A' ? 'RULE_APPEND' : p.cmd === '-I' ? 'RULE_INSERT' : p.cmd === '-R' ? 'RULE_REPLACE' : 'RULE_DELETE';
        return { status: 4, stdout: '', stderr: `iptables ${IPTABLES_VERSION}:  ${op} failed (Invalid argument): rule in chain ${chainName}\n` };
      }
      if (r.inName && !r.inWild) r.inIf = rs.ifId(r.inName);
      if (r.outName && !r.outWild) r.outIf = rs.ifId(r.outName);
    }
    switch (p.cmd) {
      case '-A': chainOf(p.chain!).rules.push(r); break;
      case '-I': {
        const c = chainOf(p.chain!);
        const n = p.num || 1;
        if (n > c.rules.length + 1) throw new OpError('iptables: Index of insertion too big.');
        c.rules.splice(n - 1, 0, r);
        break;
      }
      case '-R': {
        const c = chainOf(p.chain!);
        if (p.num < 1 || p.num > c.rules.length) throw new OpError('iptables: Index of replacement too big.');
        c.rules[p.num - 1] = r;
        break;
      }
      case '-D': {
        const c = chainOf(p.chain!);
        if (!p.hasRuleSpec) {
          if (p.num < 1 || p.num > c.rules.length) throw new OpError('iptables: Index of deletion too big.');
          c.rules.splice(p.num - 1, 1);
        } else {
          const k = c.rules.findIndex((x) => sameRule(x, r));
          if (k < 0) throw new OpError('iptables: Bad rule (does a matching rule exist in that chain?).');
          c.rules.splice(k, 1);
        }
        break;
      }
      case '-N':
        if (t.chains.has(p.chain!)) throw new OpError('iptables: Chain already exists.');
        t.chains.set(p.chain!, new Chain(p.chain!, null));
        break;
      case '-X': {
        const list = p.chain ? [chainOf(p.chain)] : t.ordered().filter((c) => !c.builtin);
        for (const c of list) {
          if (c.builtin) throw new OpError('iptables: Invalid argument. Run `dmesg\' for more information.');
          if (t.references(c) > 0 || c.rules.length > 0) {
            if (!p.chain) continue;
            return { status: 4, stdout: '', stderr: `iptables ${IPTABLES_VERSION}:  CHAIN_DEL failed (Device or resource busy): chain ${c.name}\n` };
          }
          t.chains.delete(c.name);
        }
        break;
      }
      case '-F': for (const c of p.chain ? [chainOf(p.chain)] : t.ordered()) c.rules = []; break;
      case '-Z':
        for (const c of p.chain ? [chainOf(p.chain)] : t.ordered()) { c.pkts = c.bytes = 0; for (const x of c.rules) x.pkts = x.bytes = 0; }
        break;
      case '-P': {
        const c = t.chains.get(p.chain!);
        if (!c || !c.builtin) throw new OpError('iptables: Bad built-in chain name.');
        const pol = TARGET_NAMES.indexOf(p.policy!);
        if (pol !== Target.ACCEPT && pol !== Target.DROP) throw new OpError("iptables: Bad policy name. Run `dmesg' for more information.");
        c.policy = pol;
        break;
      }
      case '-S': {
        const cs = p.chain ? [chainOf(p.chain)] : t.ordered();
        for (const c of cs) {
          if (p.num) { const x = c.rules[p.num - 1]; if (x) out.push(saveRule(c.name, x)); continue; }
          out.push(c.builtin ? `-P ${c.name} ${TARGET_NAMES[c.policy!]}${p.verbose ? ` -c ${c.pkts} ${c.bytes}` : ''}` : `-N ${c.name}`);
        }
        if (!p.num) for (const c of cs) for (const x of c.rules) out.push(saveRule(c.name, x) + (p.verbose ? ` -c ${x.pkts} ${x.bytes}` : ''));
        break;
      }
      case '-L': {
        const cs = p.chain ? [chainOf(p.chain)] : t.ordered();
        return { status: 0, stdout: cs.map((c) => listChain(t, c, p, p.num)).join('\n'), stderr: '' };
      }
      case '-E': throw new ParamError('option "-E" requires an argument');
    }
    return { status: 0, stdout: out.length ? out.join('\n') + '\n' : '', stderr: '' };
  } catch (e) {
    if (e instanceof ParamError) return { status: e.status, stdout: '', stderr: `iptables ${IPTABLES_VERSION}: ${e.message}\nTry \`iptables -h' or 'iptables --help' for more information.\n` };
    if (e instanceof OpError) return { status: e.status, stdout: '', stderr: e.message + '\n' };
    throw e;
  }
}

export { BUILTIN };
