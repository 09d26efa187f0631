// A summary line pasted into the journey filter finds its journey: the journey list's line, and a pane's line
// (`tcpdump -e` style, with the link fields), of every ICMP message of the recorded fixtures with ICMP errors,
// whose text has pcap's keywords (`udp port 53 unreachable`, `host 10.98.2.2 unreachable`, `address mask`), on
// every hop (an error past a NAT quotes the rewritten port: nat-icmp, nat6).

import { describe, expect, it } from 'vitest';

import { summaryOf } from '../../main/app/describe.ts';
import { parseJourneyFilter } from '../../main/app/journeyFilter.ts';
import { LoadedSession } from '../../main/app/loadedSession.ts';
import { openInputs } from '../../main/app/sessionBuild.ts';
import { correlateInputs } from '../../main/session/ingest.ts';

function open(name: string): LoadedSession {
  const c = correlateInputs(openInputs([`tests/fixtures/${name}`]), { threads: 1 });
  return new LoadedSession(name, name, null, c.correlator, c.result, []);
}

const listed = (s: LoadedSession, filter: string): number[] => {
  const p = s.findJourneys(filter, 0, 1e9);
  expect(p.error, filter).toBeUndefined();
  return p.items.map((j) => j.id);
};

describe('a pasted summary line', () => {
  it('of an ICMP message, from the journey list or a pane, finds its journey (pcap’s keywords in it are words)', () => {
    let errors = 0;
    let keywords = 0;
    for (const name of [
      'router-errors',
      'nat-icmp',
      'nat6',
      'vxlan-pmtu',
      'geneve-pmtu',
      'any-calico-ipip',
    ]) {
      const s = open(name);
      const res = s.result;
      for (let r = 0; r < res.rows.length; r++) {
        const k = s.journeyCol[r];
        if (k < 0) continue;
        const pane = summaryOf(
          s.frames.frame(r),
          res.captures[res.rows.capture[r]].linkType,
          res.rows.origLen[r],
        );
        // ICMP messages (a tunnelled line's outer header has words the index has not: OTV, Geneve's options).
        if (!/: ICMP6?[ ,]/.test(pane) || /OTV|Geneve|VXLAN/.test(pane)) continue;
        if (/unreachable|exceeded|too big/.test(pane)) errors++;
        if (/ (udp|tcp) port |ICMP host |mask /.test(pane)) keywords++;
        expect({ name, pane, found: listed(s, pane).includes(k) }).toEqual({ name, pane, found: true });
        const line = s.journeySummary(k).summary;
        expect({ name, line, found: listed(s, line).includes(k) }).toEqual({ name, line, found: true });
      }
    }
    expect(errors).toBeGreaterThan(15);
    expect(keywords).toBeGreaterThan(5);
  });

  it('is read as words after its A > B:, its link fields as ether src and dst', () => {
    const w = (word: string) => ({ op: 'word', word });
    expect(
      parseJourneyFilter('10.98.2.2 > 10.98.1.2: ICMP 10.98.2.2 udp port 53 unreachable, length 77'),
    ).toEqual(
      ['icmp', '10.98.2.2', 'udp', 'port', '53', 'unreachable', 'length', '77'].reduce(
        (a: object, x) => ({ op: 'and', a, b: w(x) }),
        w('10.98.2.2>10.98.1.2'),
      ),
    );
    const mac = (m: string) => parseJourneyFilter(`ether host ${m}`) as { mac: number };
    expect(
      parseJourneyFilter(
        '02:20:e1:3e:c2:bf > b2:da:52:ee:97:41, ethertype IPv4 (0x0800), length 46: 10.98.1.2 > 10.98.2.2: ICMP ' +
          'address mask request, length 12',
      ),
    ).toEqual(
      ['icmp', 'address', 'mask', 'request', 'length', '12'].reduce(
        (a: object, x) => ({ op: 'and', a, b: w(x) }),
        {
          op: 'and',
          a: {
            op: 'and',
            a: { op: 'ether', dir: 'src', mac: mac('02:20:e1:3e:c2:bf').mac },
            b: { op: 'ether', dir: 'dst', mac: mac('b2:da:52:ee:97:41').mac },
          },
          b: w('10.98.1.2>10.98.2.2'),
        },
      ),
    );
    // Without the colon it is pcap's: `A > B` then primitives.
    expect(parseJourneyFilter('10.98.2.2 > 10.98.1.2 and udp port 53')).toMatchObject({
      op: 'and',
      b: { op: 'port', lo: 53 },
    });
  });
});
