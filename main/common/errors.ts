// Errors that cross process and UI boundaries as data: a stable code plus a human message.

export type ErrorCode =
  | 'USAGE'
  | 'NOT_ROOT'
  | 'NOT_LINUX'
  | 'LAB_FAILED'
  | 'SSH_AUTH_FAILED'
  | 'SSH_UNREACHABLE'
  | 'SSH_CONFIG_INVALID'
  | 'HOSTKEY_UNKNOWN'
  | 'HOSTKEY_CHANGED'
  | 'TCPDUMP_NOT_FOUND'
  | 'SUDO_PASSWORD_REQUIRED'
  | 'SUDO_DENIED'
  | 'CAPTURE_PERMISSION_DENIED'
  | 'CAPTURE_FAILED'
  | 'FILTER_INVALID'
  | 'IFACE_UNKNOWN'
  | 'IFACE_GONE'
  | 'DISCOVERY_FAILED'
  | 'PCAP_BAD_MAGIC'
  | 'PCAP_TRUNCATED'
  | 'PCAP_MALFORMED'
  | 'FILE_NOT_FOUND'
  | 'SESSION_INVALID'
  | 'TOO_MANY_PACKETS'
  | 'WRITE_FAILED'
  /** A filter kept nothing (export --filter): nothing written. */
  | 'NO_MATCH'
  | 'INTERNAL';

export class HopscopeError extends Error {
  override readonly name = 'HopscopeError';
  readonly code: ErrorCode;
  /** Extra plain data for the UI (never secrets). */
  readonly detail?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.detail = detail;
  }
}

/** The plain-data form of an error, as it crosses IPC, WebSocket or JSON. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  detail?: Record<string, unknown>;
}

export function toErrorData(e: unknown): ErrorData {
  if (e instanceof HopscopeError) return { code: e.code, message: e.message, detail: e.detail };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorData };
