// Public API: re-exports only.
export { Lab, Capture, type LabOptions, type CaptureOptions } from './lab/lab.ts';
export { Netns, type LinkSetOptions, type RouteSpec } from './lab/netns.ts';
export { NetDevice, DropReason, DROP_REASON_NAMES, type IfAddr } from './lab/net-device.ts';
export { NetlinkError } from './lab/errors.ts';
export { Scheduler, type ClockMode } from './lab/scheduler.ts';
export { Random } from './lab/random.ts';
export { UdpSocket, type UdpMessage } from './lab/udp-socket.ts';
export type { PingOptions, PingResult } from './lab/apps/ping.ts';
export { VethPair, VethEnd, FramePool } from './link/veth.ts';
export { LoopbackPort } from './link/loopback.ts';
export type { Port, RxHandler, Medium } from './link/port.ts';
export { Bridge } from './ethernet/bridge.ts';
export { forwardRewrite } from './ip/forward.ts';
export * from './ethernet/mac.ts';
export * from './ip/address.ts';
export * from './ip/checksum.ts';
export { WireError, wireErrorName } from './wire-error.ts';
