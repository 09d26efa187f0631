// pppAuth.ts — PPP's authentication protocols, CHAP (RFC 1994 §4) and PAP (RFC 1334 §2.2), as a PPTP call's link
// setup carries them inside enhanced GRE: what tcpdump -n says of a message (print-ppp.c's handle_chap and
// handle_pap, without -v). Never on the decodeFields hot path.
//  0 |     Code      |  Identifier   |            Length             |
//  4 | CHAP Challenge, Response: Value-Size | Value … | Name …          Success, Failure: Message …
//  4 | PAP Authenticate-Request: Peer-ID Length | Peer-ID … | Passwd-Length | Password …
//  4 | PAP Authenticate-Ack, -Nak: Msg-Length | Message …
import { printable } from './format.ts';
import { u16 } from './result.ts';

export const PPP_CHAP = 0xc223;
export const PPP_PAP = 0xc023;
const CODE = 0;
const ID = 1;
const LENGTH = 2;
const HEADER_LEN = 4;
const CHAP_CHALLENGE = 1;
const CHAP_RESPONSE = 2;
const CHAP_SUCCESS = 3;
const CHAP_FAILURE = 4;
const PAP_REQUEST = 1;
const PAP_ACK = 2;
const PAP_NAK = 3;
/** The smallest Authenticate-Request (both lengths, no peer id nor password) and Ack or Nak (RFC 1334 §2.2). */
const PAP_REQUEST_MIN = 6;
const PAP_REPLY_MIN = 5;
const CHAP_CODES = ['', 'Challenge', 'Response', 'Success', 'Fail'];
const PAP_CODES = ['', 'Auth-Req', 'Auth-ACK', 'Auth-NACK'];

const hex2 = (v: number) => v.toString(16).padStart(2, '0');

/**
 * What tcpdump says of a CHAP or PAP message (`proto`) of `length` bytes at `at`, captured up to `cap`: "CHAP,
 * Challenge (0x01), id 1, Value 0a0b, Name pptpd", "PAP, Auth-Req (0x01), id 1, Peer user, Name secret" (print-ppp.c
 * calls a PAP password "Name"), each part read as far as the lengths let it; a message the snaplen cut ends where
 * its printer stops, with " [|ppp]".
 */
export function pppAuthText(b: Uint8Array, at: number, length: number, cap: number, proto: number): string {
  const chap = proto === PPP_CHAP;
  const name = chap ? 'chap' : 'pap';
  if (length < 1) return `[|${name}]`;
  if (at >= cap) return ' [|ppp]';
  if (length < HEADER_LEN) return `[|${name} 0x${hex2(b[at + CODE])}]`;
  const code = b[at + CODE];
  let s = `${chap ? 'CHAP' : 'PAP'}, ${(chap ? CHAP_CODES : PAP_CODES)[code] || 'unknown'} (0x${hex2(code)})`;
  const cut = () => `${s} [|ppp]`;
  if (at + ID >= cap) return cut();
  s += `, id ${b[at + ID]}`;
  if (at + LENGTH + 2 > cap) return cut();
  const len = u16(b, at + LENGTH);
  /** `label` and `n` characters from `from`; false when the capture ends first (what it has is in `s`). */
  const text = (label: string, from: number, n: number): boolean => {
    s += `, ${label} `;
    // A size past the message (CHAP's unsigned arithmetic wraps) reads on to the capture's end.
    const have = n < 0 ? cap - from : Math.min(n, cap - from);
    s += printable(b, from, Math.max(0, have));
    return n >= 0 && have === n;
  };
  let p = at + HEADER_LEN;
  if (chap) {
    if (code === CHAP_CHALLENGE || code === CHAP_RESPONSE) {
      if (length - HEADER_LEN < 1) return s;
      if (p >= cap) return cut();
      const valueSize = b[p++];
      if (length - (p - at) < valueSize) return s;
      s += ', Value ';
      for (let i = 0; i < valueSize; i++, p++) {
        if (p >= cap) return cut();
        s += hex2(b[p]);
      }
      if (!text('Name', p, len - (p - at))) return cut();
    } else if (code === CHAP_SUCCESS || code === CHAP_FAILURE) {
      if (!text('Msg', p, len - HEADER_LEN)) return cut();
    }
    return s;
  }
  if (len > length) return `${s}, length ${len} > packet size`;
  if (len < HEADER_LEN) return `${s}, length ${len} < PAP header length`;
  /** A length byte at `p` and the text after it; false when the message or the capture ends first. */
  const counted = (label: string): boolean | 'cut' => {
    if (len - (p - at) < 1) return false;
    if (p >= cap) return 'cut';
    const n = b[p++];
    if (len - (p - at) < n) return false;
    if (!text(label, p, n)) return 'cut';
    p += n;
    return true;
  };
  let r: boolean | 'cut' = false;
  if (code === PAP_REQUEST) {
    if (len < PAP_REQUEST_MIN) return `${s}[|pap]`;
    r = counted('Peer');
    if (r === true) r = counted('Name');
  } else if (code === PAP_ACK || code === PAP_NAK) {
    if (len < PAP_REPLY_MIN) return `${s}[|pap]`;
    r = counted('Msg');
  }
  return r === 'cut' ? cut() : s;
}
