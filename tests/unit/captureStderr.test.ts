// tcpdump's stderr (counts, "listening on", error classes) as real tcpdump 4.99 prints it, and session file names.

import { spawnSync } from 'node:child_process';

import { describe, expect, it } from 'vitest';

import { captureFileName, ifaceFromFileName } from '../../main/capture/sessionFolder.ts';
import {
  classifyTcpdumpError,
  parseCounts,
  parseInfoLine,
  parseListening,
  tcpdumpFailureText,
} from '../../main/capture/tcpdumpStderr.ts';

describe('tcpdump stderr', () => {
  it('reads the final counts, singular and plural', () => {
    const text =
      'tcpdump: listening on ens33, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n12 packets captured\n1 packet received by filter\n0 packets dropped by kernel\n';
    expect(parseCounts(text)).toEqual({
      captured: 12,
      receivedByFilter: 1,
      droppedByKernel: 0,
      droppedByInterface: null,
    });
    expect(
      parseCounts(
        '3 packets captured\n5 packets received by filter\n2 packets dropped by kernel\n7 packets dropped by interface\n',
      ),
    ).toEqual({
      captured: 3,
      receivedByFilter: 5,
      droppedByKernel: 2,
      droppedByInterface: 7,
    });
    expect(parseCounts('')).toEqual({
      captured: null,
      receivedByFilter: null,
      droppedByKernel: null,
      droppedByInterface: null,
    });
  });

  it('reads the one-line counts tcpdump prints on SIGUSR1, and nothing else', () => {
    // As tcpdump 4.99.3 printed it on a lab veth (kill -USR1 after "listening on").
    expect(
      parseInfoLine('tcpdump: 0 packets captured, 0 packets received by filter, 0 packets dropped by kernel'),
    ).toEqual({ captured: 0, receivedByFilter: 0, droppedByKernel: 0, droppedByInterface: null });
    expect(
      parseInfoLine(
        'tcpdump: 1 packet captured, 1 packet received by filter, 1 packet dropped by kernel, 4 packets dropped by interface',
      ),
    ).toEqual({ captured: 1, receivedByFilter: 1, droppedByKernel: 1, droppedByInterface: 4 });
    expect(
      parseInfoLine(
        'tcpdump: 70412 packets captured, 73001 packets received by filter, 2589 packets dropped by kernel\r',
      )?.droppedByKernel,
    ).toBe(2589);
    // The final counts (one per line) and anything else are not live counts.
    expect(parseInfoLine('12 packets captured')).toBeNull();
    expect(
      parseInfoLine('tcpdump: listening on ens33, link-type EN10MB (Ethernet), snapshot length 262144 bytes'),
    ).toBeNull();
    expect(
      parseInfoLine(
        'x tcpdump: 1 packets captured, 1 packets received by filter, 0 packets dropped by kernel',
      ),
    ).toBeNull();
  });

  it('reads the listening line, RAW included', () => {
    expect(
      parseListening('tcpdump: listening on tunl0, link-type RAW (Raw IP), snapshot length 262144 bytes'),
    ).toEqual({
      iface: 'tunl0',
      linkType: 'RAW',
      linkTypeDescription: 'Raw IP',
      snaplen: 262144,
    });
    expect(
      parseListening(
        'tcpdump: listening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot length 96 bytes',
      )?.linkType,
    ).toBe('LINUX_SLL2');
    expect(parseListening('nothing')).toBeNull();
  });

  it('classifies the real tcpdump errors', () => {
    // The real tcpdump, so wording changes across versions are caught.
    const bad = spawnSync('tcpdump', ['-d', '-y', 'EN10MB', '--', 'icmp andd'], { encoding: 'utf8' });
    expect(classifyTcpdumpError(bad.stderr)).toBe('FILTER_INVALID');
    const nodev = spawnSync('tcpdump', ['-d', '-i', 'hs-no-such-if0', 'icmp'], { encoding: 'utf8' });
    expect(nodev.status).not.toBe(0);
    expect(classifyTcpdumpError(nodev.stderr)).toBe('IFACE_UNKNOWN');
    expect(
      classifyTcpdumpError(
        "tcpdump: ens33: You don't have permission to capture on that device\n(socket: Operation not permitted)",
      ),
    ).toBe('CAPTURE_PERMISSION_DENIED');
    expect(classifyTcpdumpError('sh: 1: /usr/sbin/tcpdump: not found')).toBe('TCPDUMP_NOT_FOUND');
    expect(classifyTcpdumpError('something else')).toBe('CAPTURE_FAILED');
  });

  it("a failure's text leaves out the wrapper shell's 'Killed' and 'Terminated'", () => {
    expect(tcpdumpFailureText('tcpdump: invalid snaplen 300000 (must be >= 0 and <= 262144)\nKilled\n')).toBe(
      'tcpdump: invalid snaplen 300000 (must be >= 0 and <= 262144)',
    );
    expect(tcpdumpFailureText('a\nb\nsh: line 1: 4242 Terminated  tcpdump -i x\nc\nd\n')).toBe('b | c | d');
    // Nothing else said: that much is kept.
    expect(tcpdumpFailureText('Killed\n')).toBe('Killed');
  });
});

describe('session file names', () => {
  it('<node>__<iface>.pcap, %-encoding anything outside a safe set, reversibly', () => {
    expect(captureFileName('node-1', 'ens33')).toBe('node-1__ens33.pcap');
    expect(captureFileName('node-1', 'flannel.1')).toBe('node-1__flannel.1.pcap');
    for (const name of ['eth0;touch', '$(id)', '-wpasswd', 'a%b', 'é', 'x y']) {
      const f = captureFileName('node-2', name);
      expect(f).toMatch(/^node-2__[A-Za-z0-9._@+%-]+\.pcap$/);
      expect(ifaceFromFileName(f)).toEqual({ node: 'node-2', iface: name });
    }
  });
});
