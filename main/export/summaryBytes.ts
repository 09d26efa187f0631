// A journey's first-hop summary written straight into the export's comment bytes: innerSummary's text
// (correlate/hops.ts) without building the string and copying it into the batch a character at a time, for the rows
// whose summary CorrelationResult.rowSummary takes from the columns (summaryFromColumns: IPv4 TCP, UDP but a first
// fragment, ICMP echo or untyped). tests/unit/export-summaryBytes.test.ts compares both on every IPv4 and non-IP row
// of the fixtures, of a snaplen-cut copy and of rows whose header length is cleared, meeting every branch.

import { hopTruncated, withoutL4 } from '../correlate/hops.ts';
import type { ObservationTable } from '../correlate/observations.ts';
import { tcpFlagsString } from '../decode/tcp.ts';
import type { CommentBytes } from './commentBytes.ts';
import { lit } from './textBytes.ts';

const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_SCTP = 132;

const DOT = lit('.');
const MINUS = lit('-');
const GT = lit(' > ');
const IP_PROTO = lit(': ip-proto-');
const ICMP = lit(': ICMP ');
const ECHO_REQUEST = lit('echo request');
const ECHO_REPLY = lit('echo reply');
const TYPE = lit('type ');
const ID = lit(', id ');
const SEQ = lit(', seq ');
const LENGTH = lit(', length ');
const FLAGS = lit(': Flags [');
const FLAGS_END = lit(']');
const CUT_TCP = lit('] [|tcp]');
const UDP_LENGTH = lit(': UDP, length ');
const SCTP = lit(': sctp');

/** The most bytes innerSummaryInto writes (all ASCII): addresses, ports, flags and lengths at their longest. */
export const SUMMARY_BYTES = 128;

/** An integer as `${v}` writes it (the columns' values: integers, -1 when absent). */
function num(cb: CommentBytes, v: number): void {
  if (v < 0) cb.bytes(MINUS).int(-v);
  else cb.int(v);
}

function ipv4(cb: CommentBytes, ip: number): void {
  cb.dotted(ip);
}

/** `A.P > B.Q` (an address, a dot and a port each side). */
function ends(cb: CommentBytes, obs: ObservationTable, r: number): void {
  ipv4(cb, obs.src[r]);
  cb.bytes(DOT);
  num(cb, obs.srcPort(r));
  cb.bytes(GT);
  ipv4(cb, obs.dst[r]);
  cb.bytes(DOT);
  num(cb, obs.dstPort(r));
}

/** innerSummary(obs, r)'s text into cb (room for SUMMARY_BYTES made by the caller). */
export function innerSummaryInto(cb: CommentBytes, obs: ObservationTable, r: number): void {
  const proto = obs.proto(r);
  const headers = obs.headersLen(r);
  const noL4 = withoutL4(obs, r, proto);
  if (noL4 || (proto !== PROTO_ICMP && proto !== PROTO_TCP && proto !== PROTO_UDP && proto !== PROTO_SCTP)) {
    ipv4(cb, obs.src[r]);
    cb.bytes(GT);
    ipv4(cb, obs.dst[r]);
    cb.bytes(IP_PROTO);
    num(cb, proto);
    if (!noL4) {
      cb.bytes(LENGTH);
      num(cb, obs.ipLen(r));
    }
    return;
  }
  if (proto === PROTO_ICMP) {
    const type = obs.icmpType(r);
    ipv4(cb, obs.src[r]);
    cb.bytes(GT);
    ipv4(cb, obs.dst[r]);
    cb.bytes(ICMP);
    if (type === 8 || type === 0) {
      cb.bytes(type === 8 ? ECHO_REQUEST : ECHO_REPLY).bytes(ID);
      num(cb, obs.icmpId(r));
      cb.bytes(SEQ);
      num(cb, obs.icmpSeq(r));
    } else {
      cb.bytes(TYPE);
      num(cb, type);
    }
    cb.bytes(LENGTH);
    num(cb, obs.ipLen(r) - (headers || 20));
    return;
  }
  ends(cb, obs, r);
  if (proto === PROTO_TCP) {
    const f = obs.tcpFlags(r);
    cb.bytes(FLAGS).str(f >= 0 ? tcpFlagsString(f) : 'none');
    if (!headers && hopTruncated(obs, r)) {
      cb.bytes(CUT_TCP);
      return;
    }
    cb.bytes(FLAGS_END).bytes(LENGTH);
    num(cb, Math.max(0, obs.ipLen(r) - (headers || 40)));
    return;
  }
  if (proto === PROTO_UDP) {
    cb.bytes(UDP_LENGTH);
    num(cb, Math.max(0, obs.ipLen(r) - (headers || 28)));
    return;
  }
  cb.bytes(SCTP);
}
