// The renderer's reading of a drop: dropped folders' files carry their folder's name, which is what tells apart
// two files of one name from two folders dropped together (main/app/dropped.ts keeps both).

import { describe, expect, it } from 'vitest';

import { dropFiles, type DropItem } from '../../renderer/src/lib/droppedFiles.ts';

/** A file entry as a drop's webkitGetAsEntry gives it. */
function fileEntry(name: string, text: string): FileSystemFileEntry {
  const file = new File([text], name);
  return {
    name,
    isFile: true,
    isDirectory: false,
    file: (ok: (f: File) => void) => ok(file),
  } as unknown as FileSystemFileEntry;
}

/** A folder entry whose reader gives its entries in one batch, then an empty one. */
function folderEntry(name: string, entries: FileSystemEntry[]): FileSystemDirectoryEntry {
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let batches = [entries, []];
      return {
        readEntries: (ok: (e: FileSystemEntry[]) => void) => {
          const [first, ...rest] = batches;
          batches = rest;
          ok(first ?? []);
        },
      };
    },
  } as unknown as FileSystemDirectoryEntry;
}

describe('dropFiles', () => {
  it("gives each file of a dropped folder with the folder's name, a file dropped itself with none", async () => {
    const items: DropItem[] = [
      folderEntry('flannel-vxlan', [
        fileEntry('node-1__ens33.pcap', 'a'),
        fileEntry('node-1__cni0.pcap', 'b'),
      ]),
      folderEntry('flannel-hostgw', [fileEntry('node-1__ens33.pcap', 'c')]),
      fileEntry('trace.pcap', 'd'),
      new File(['e'], 'loose.pcap'),
    ];
    const got = await dropFiles(items);
    expect(await Promise.all(got.map(async (d) => [d.folder, d.file.name, await d.file.text()]))).toEqual([
      ['flannel-vxlan', 'node-1__cni0.pcap', 'b'],
      ['flannel-vxlan', 'node-1__ens33.pcap', 'a'],
      ['flannel-hostgw', 'node-1__ens33.pcap', 'c'],
      [null, 'trace.pcap', 'd'],
      [null, 'loose.pcap', 'e'],
    ]);
  });
});
