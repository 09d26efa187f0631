// The correlation library as the app and the CLI use it. Batch: loadInputs → correlateInputs → result.
// Live: new Correlator(opts, decodeFields) → addCapture → pushFrame… → advance(watermark) → result().

export {
  Correlator,
  DEFAULTS,
  type CaptureInfo,
  type CorrelateOptions,
  type DecodeFn,
} from './correlator.ts';
export { CorrelationResult, type CaptureSummary } from './result.ts';
export type { Hop, HopChange, EncapInfo, EthInfo } from './hops.ts';
export {
  estimateClocks,
  parseOffset,
  ClockBounds,
  type ClockEstimate,
  type ClockMethod,
  type ClockOptions,
  type ClockProbe,
} from './clockSkew.ts';
export type { InterfaceInfo } from './ownership.ts';
export {
  F_ARP,
  F_DUP,
  F_KEYED,
  F_TRUNCATED,
  F_MALFORMED,
  F_ETH,
  F_IP,
  ObservationTable,
} from './observations.ts';
