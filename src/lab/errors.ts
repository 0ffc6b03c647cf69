// Errors from invalid configuration operations. The message is exactly what iproute2 prints on
// a real kernel (checked on Linux 6.x with iproute2 6.x), so the shell can print it unchanged.
/**
 * `ip`'s exit status for a failure, as measured on Linux 6.x / iproute2 6.x: a netlink answer
 * (`RTNETLINK answers: …`, kernel extack `Error: …`) exits 2; iproute2's own lookups and parse
 * errors (`Cannot find device`, invalid prefix/address/lladdr, namespace files) exit 1; invarg()
 * (`Error: argument "x" is wrong: …`) and a namespace that cannot be entered exit 255.
 */
export const IpStatus = { NETLINK: 2, LOCAL: 1, INVARG: 255 } as const;

/** The status for a message built elsewhere (free-form invalidArg text, RouteError messages). */
export function ipStatusOf(message: string): number {
  if (/^Error: argument ".*" is wrong|^Invalid netns name|^Cannot open network namespace/.test(message)) return IpStatus.INVARG;
  if (/^Cannot find device|is invalid lladdr|^Error: any valid prefix|^Error: inet address is expected|^Cannot (create|remove) namespace file/.test(message)) return IpStatus.LOCAL;
  return IpStatus.NETLINK;
}

export class NetlinkError extends Error {
  constructor(
    message: string,
    /** The errno name behind it where there is one (EEXIST, ENODEV, …), for programs. */
    readonly errno: string = '',
    /** The exit status `ip` ends with after printing this message (see IpStatus). */
    readonly exitCode: number = ipStatusOf(message),
  ) {
    super(message);
    this.name = 'NetlinkError';
  }
}

const { NETLINK, LOCAL, INVARG } = IpStatus;

export const Msg = {
  noDevice: (d: string) => new NetlinkError(`Cannot find device "${d}"`, 'ENODEV', LOCAL),
  exists: () => new NetlinkError('RTNETLINK answers: File exists', 'EEXIST', NETLINK),
  noSuchProcess: () => new NetlinkError('RTNETLINK answers: No such process', 'ESRCH', NETLINK),
  netUnreachable: () => new NetlinkError('RTNETLINK answers: Network is unreachable', 'ENETUNREACH', NETLINK),
  badNetns: (ns: string) => new NetlinkError(`Error: argument "${ns}" is wrong: Invalid "netns" value`, 'EINVAL', INVARG),
  badMaster: (m: string) => new NetlinkError(`Error: argument "${m}" is wrong: Device does not exist`, 'ENODEV', INVARG),
  addrAssigned: () => new NetlinkError('Error: ipv4: Address already assigned.', 'EEXIST', NETLINK),
  addrNotFound: () => new NetlinkError('Error: ipv4: Address not found.', 'EADDRNOTAVAIL', NETLINK),
  badGateway: () => new NetlinkError('Error: Nexthop has invalid gateway.', 'EINVAL', NETLINK),
  nexthopDown: () => new NetlinkError('Error: Device for nexthop is not up.', 'ENETDOWN', NETLINK),
  mtuTooSmall: () => new NetlinkError('Error: mtu less than device minimum.', 'EINVAL', NETLINK),
  mtuTooBig: () => new NetlinkError('Error: mtu greater than device maximum.', 'EINVAL', NETLINK),
  invalidPrefix: (s: string) => new NetlinkError(`Error: any valid prefix is expected rather than "${s}".`, 'EINVAL', LOCAL),
  invalidAddr: (s: string) => new NetlinkError(`Error: inet address is expected rather than "${s}".`, 'EINVAL', LOCAL),
  badLladdr: (s: string) => new NetlinkError(`"${s}" is invalid lladdr.`, 'EINVAL', LOCAL),
  invalidArgument: () => new NetlinkError('RTNETLINK answers: Invalid argument', 'EINVAL', NETLINK),
  noEntry: () => new NetlinkError('RTNETLINK answers: No such file or directory', 'ENOENT', NETLINK),
  bridgeInBridge: () => new NetlinkError('Error: Can not enslave a bridge to a bridge.', 'EBUSY', NETLINK),
  noNetns: (ns: string) => new NetlinkError(`Cannot open network namespace "${ns}": No such file or directory`, 'ENOENT', INVARG),
  netnsExists: (ns: string) => new NetlinkError(`Cannot create namespace file "/run/netns/${ns}": File exists`, 'EEXIST', LOCAL),
  notSupported: () => new NetlinkError('RTNETLINK answers: Operation not supported', 'EOPNOTSUPP', NETLINK),
  sysctlUnknown: (k: string) => new NetlinkError(`sysctl: cannot stat /proc/sys/${k.replace(/\./g, '/')}: No such file or directory`, 'ENOENT', NETLINK),
  /** Free-form text: its status is ipStatusOf(s) unless given. */
  invalidArg: (s: string, exitCode = ipStatusOf(s)) => new NetlinkError(s, 'EINVAL', exitCode),
};
