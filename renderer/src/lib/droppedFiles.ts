// What a drop hands the app: the files dropped, and for a folder dropped whole (a session or a lab fixture folder)
// the files in it. The folder itself arrives as a File too, one with no bytes to read, so folders are walked
// through the drop's entries; which of the files open is the back end's choice (main/app/dropped.ts).

/** A dropped thing: a file as the drop gave it, or an entry (a file's or a folder's) to read it through. */
export type DropItem = File | FileSystemEntry;

/** The drop's items, taken while its event lasts (a DataTransfer's items are emptied once it returns). */
export function dropItems(dt: DataTransfer): DropItem[] {
  const items = [...dt.items].filter((i) => i.kind === 'file');
  if (!items.length || typeof items[0].webkitGetAsEntry !== 'function') return [...dt.files];
  return items.flatMap((i): DropItem[] => {
    const entry = i.webkitGetAsEntry();
    const file = entry ? null : i.getAsFile();
    return entry ? [entry] : file ? [file] : [];
  });
}

function isDirectory(e: FileSystemEntry): e is FileSystemDirectoryEntry {
  return e.isDirectory;
}

function isFile(e: FileSystemEntry): e is FileSystemFileEntry {
  return e.isFile;
}

function fileOf(e: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => e.file(resolve, reject));
}

/** A folder's entries: readEntries gives them a batch at a time, an empty batch at the end. */
async function entriesOf(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const out: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (!batch.length) return out;
    out.push(...batch);
  }
}

/** A file to open, with the name of the dropped folder it was in (null: dropped itself). */
export interface DroppedFile {
  file: File;
  folder: string | null;
}

/**
 * The files to open: each dropped file, and each dropped folder's files in name order (not its subfolders': a
 * session folder is flat, and a folder of sessions would mix them into one), each with its folder's name, which
 * tells apart files of one name from two folders (node-1__ens33.pcap of two lab fixtures).
 */
export async function dropFiles(items: readonly DropItem[]): Promise<DroppedFile[]> {
  const out: DroppedFile[] = [];
  for (const it of items) {
    if (it instanceof File) out.push({ file: it, folder: null });
    else if (isFile(it)) out.push({ file: await fileOf(it), folder: null });
    else if (isDirectory(it)) {
      const files = (await entriesOf(it)).filter(isFile).sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const f of files) out.push({ file: await fileOf(f), folder: it.name });
    }
  }
  return out;
}
