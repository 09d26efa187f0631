// The capture engine's public surface for the UI and the CLI.

export { CaptureSession } from './captureSession.ts';
export type {
  CaptureSessionOptions,
  CounterSample,
  InterfaceAppeared,
  NodeSpec,
  NodeState,
  NodeStatus,
  SessionDoc,
  SessionWarning,
} from './captureSession.ts';
export type { IfaceCaptureState, IfaceCaptureStatus } from './interfaceCapture.ts';
export { selectInterfaces, type Selected } from './selection.ts';
export {
  captureFileName,
  ifaceFromFileName,
  laneName,
  SESSION_FILE,
  SESSION_SCHEMA,
} from './sessionFolder.ts';
export type { ClockProbe } from './clockProbe.ts';
export type { TcpdumpCounts } from './tcpdumpStderr.ts';
export type { Iface, IfaceKind, NodeInterfaces, Route } from '../discover/model.ts';
export { routeDevFor, ifaceWithAddress } from '../discover/parseIp.ts';
export type { HostKeyInfo } from '../ssh/hostKeys.ts';
