// Loading inputs (files, NODE:IFACE=FILE, session folders) and correlating them; frame bytes on demand.

export { loadInputs, type Inputs } from './inputs.ts';
export { correlateInputs, type Correlated, type InputProblem } from './ingest.ts';
export { FrameSource } from './frames.ts';
export { parseLabelledArg, splitInterfaceName, type LabelledPath } from './labels.ts';
export { fromDiscovery, readIpJsonFiles, parseMac, parseIpv4 } from './interfaces.ts';
