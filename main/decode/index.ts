// Packet decoding: the allocation-free fast path (decodeFields), the layer tree for the detail view
// (decodeLayers), tcpdump-style summaries (summarize) and address formatting.
export * from './fields.ts';
export { decodeFields, decodeFieldsAt, decodeRecord, resetFields } from './fast.ts';
export { ipv4ToString, ipv6ToString, macToString } from './format.ts';
export { summarize, type SummaryOptions } from './summary.ts';
export { walk, type Chain, type ChainNode, type ChainProblem } from './chain.ts';
export { decodeLayers, type Layer, type LayerField } from './layers.ts';
