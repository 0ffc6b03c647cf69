// Errors from invalid configuration operations. The message is exactly what iproute2 prints on
// a real kernel (checked on Linux 6.x with iproute2 6.x), so the shell can print it unchanged.
export class NetlinkError extends Error {
  constructor(
    message: string,
    /** The errno name behind it where there is one (EEXIST, ENODEV, …), for programs. */
    readonly errno: string = '',
  ) {
    super(message);
    this.name = 'NetlinkError';
  }
}

export const Msg = {
  noDevice: (d: string) => new NetlinkError(`Cannot find device "${d}"`, 'ENODEV'),
  exists: () => new NetlinkError('RTNETLINK answers: File exists', 'EEXIST'),
  noSuchProcess: () => new NetlinkError('RTNETLINK answers: No such process', 'ESRCH'),
  netUnreachable: () => new NetlinkError('RTNETLINK answers: Network is unreachable', 'ENETUNREACH'),
  badNetns: (ns: string) => new NetlinkError(`Error: argument "${ns}" is wrong: Invalid "netns" value`, 'EINVAL'),
  badMaster: (m: string) => new NetlinkError(`Error: argument "${m}" is wrong: Device does not exist`, 'ENODEV'),
  addrAssigned: () => new NetlinkError('Error: ipv4: Address already assigned.', 'EEXIST'),
  addrNotFound: () => new NetlinkError('Error: ipv4: Address not found.', 'EADDRNOTAVAIL'),
  badGateway: () => new NetlinkError('Error: Nexthop has invalid gateway.', 'EINVAL'),
  nexthopDown: () => new NetlinkError('Error: Device for nexthop is not up.', 'ENETDOWN'),
  mtuTooSmall: () => new NetlinkError('Error: mtu less than device minimum.', 'EINVAL'),
  mtuTooBig: () => new NetlinkError('Error: mtu greater than device maximum.', 'EINVAL'),
  invalidPrefix: (s: string) => new NetlinkError(`Error: any valid prefix is expected rather than "${s}".`, 'EINVAL'),
  invalidAddr: (s: string) => new NetlinkError(`Error: inet address is expected rather than "${s}".`, 'EINVAL'),
  badLladdr: (s: string) => new NetlinkError(`"${s}" is invalid lladdr.`, 'EINVAL'),
  invalidArgument: () => new NetlinkError('RTNETLINK answers: Invalid argument', 'EINVAL'),
  noEntry: () => new NetlinkError('RTNETLINK answers: No such file or directory', 'ENOENT'),
  bridgeInBridge: () => new NetlinkError('Error: Can not enslave a bridge to a bridge.', 'EBUSY'),
  noNetns: (ns: string) => new NetlinkError(`Cannot open network namespace "${ns}": No such file or directory`, 'ENOENT'),
  netnsExists: (ns: string) => new NetlinkError(`Cannot create namespace file "/run/netns/${ns}": File exists`, 'EEXIST'),
  notSupported: () => new NetlinkError('RTNETLINK answers: Operation not supported', 'EOPNOTSUPP'),
  sysctlUnknown: (k: string) => new NetlinkError(`sysctl: cannot stat /proc/sys/${k.replace(/\./g, '/')}: No such file or directory`, 'ENOENT'),
  invalidArg: (s: string) => new NetlinkError(s, 'EINVAL'),
};
