import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../../connectors/storage/local.ts';
import type { StorageError } from '../../../../connectors/storage/errors.ts';
import { useTmpDir } from '../../../helpers/tmp-dir.ts';

const tmp = useTmpDir('storage-local');
const fs = new LocalStorage();
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a failure'); }, (e: unknown) => e as StorageError);
const FILE = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) & 0xff);

describe('LocalStorage', () => {
  it('reads plain paths and file:// URLs alike: stat, ranges, whole file', async () => {
    const file = path.join(tmp(), 'a b.bin');
    await writeFile(file, FILE);
    const url = pathToFileURL(file).href; // file:///.../a%20b.bin
    for (const location of [file, url]) {
      const stat = await fs.stat(location);
      expect(stat.size).toBe(1000);
      expect(stat.mtime).toBeInstanceOf(Date);
      expect(await fs.readRange(location, 100, 50)).toEqual(FILE.subarray(100, 150));
      expect(await fs.readRange(location, 0, 0)).toEqual(new Uint8Array(0));
      expect(await fs.readAll(location)).toEqual(FILE);
      expect(await fs.exists(location)).toBe(true);
    }
    expect(await fs.exists(path.join(tmp(), 'none'))).toBe(false);
    expect(await fs.exists(tmp())).toBe(false); // a folder is not a file
  });

  it('a range past the end is a short read stating expected and actual bytes', async () => {
    const file = path.join(tmp(), 'short.bin');
    await writeFile(file, FILE);
    const err = await failure(fs.readRange(file, 990, 20));
    expect(err.code).toBe('STORAGE_SHORT_READ');
    expect(err.message).toContain(`${file}: expected 20 bytes at offset 990 but got 10 (the file is 1000 bytes long)`);
    expect((await failure(fs.readRange(file, 2000, 1))).message).toContain('but got 0');
    expect((await failure(fs.readRange(file, -5, 1))).code).toBe('STORAGE_BAD_REQUEST');
  });

  it('missing files and folders are STORAGE_NOT_FOUND naming the path', async () => {
    const missing = path.join(tmp(), 'nope.parquet');
    for (const attempt of [() => fs.stat(missing), () => fs.readRange(missing, 0, 4), () => fs.readAll(missing), () => fs.list(missing)]) {
      const err = await failure(attempt());
      expect(err.code).toBe('STORAGE_NOT_FOUND');
      expect(err.message).toContain(`${missing} does not exist`);
    }
    expect((await failure(fs.stat(tmp()))).message).toContain('is a directory, not a file');
  });

  it('lists recursively (files only) or one level (with folders), sorted, as absolute paths', async () => {
    const root = tmp();
    for (const rel of ['y=2/b', 'y=1/b', 'y=1/a', 'top', 'y=1/deep/c']) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), rel);
    }
    const j = (rel: string) => path.join(root, rel);
    expect(await fs.list(pathToFileURL(root).href, { recursive: true })).toEqual([
      { path: j('top'), size: 3 },
      { path: j('y=1/a'), size: 5 },
      { path: j('y=1/b'), size: 5 },
      { path: j('y=1/deep/c'), size: 10 },
      { path: j('y=2/b'), size: 5 },
    ]);
    expect(await fs.list(root)).toEqual([
      { path: j('top'), size: 3 },
      { path: j('y=1'), size: 0, directory: true },
      { path: j('y=2'), size: 0, directory: true },
    ]);
    expect(await fs.list(j('top'))).toEqual([{ path: j('top'), size: 3 }]);
  });

  it('writes buffers and streams atomically, creating folders; a failing source leaves nothing behind', async () => {
    const target = path.join(tmp(), 'out', 'deep', 'part-00000.bin');
    expect(await fs.write(target, FILE)).toEqual({ bytes: 1000 });
    expect(new Uint8Array(await readFile(target))).toEqual(FILE);

    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 1000; i += 300) yield FILE.subarray(i, i + 300);
    }
    expect(await fs.write(target, chunks())).toEqual({ bytes: 1000 });
    expect(new Uint8Array(await readFile(target))).toEqual(FILE);

    async function* failing(): AsyncGenerator<Uint8Array> {
      yield FILE;
      throw new Error('the producer broke');
    }
    const other = path.join(tmp(), 'out', 'deep', 'part-00001.bin');
    await expect(fs.write(other, failing())).rejects.toThrow('the producer broke');
    expect(await readdir(path.dirname(other))).toEqual(['part-00000.bin']); // no target, no temp file
  });

  it('renames files and folders (creating the target folder) and replaces a target file', async () => {
    const root = tmp();
    await fs.write(path.join(root, 'a.bin'), Uint8Array.of(1));
    await fs.write(path.join(root, 'b.bin'), Uint8Array.of(2));
    await fs.rename(path.join(root, 'a.bin'), path.join(root, 'b.bin'));
    expect(await fs.readAll(path.join(root, 'b.bin'))).toEqual(Uint8Array.of(1));
    await fs.write(path.join(root, 'dir', 'x.bin'), Uint8Array.of(3));
    await fs.rename(path.join(root, 'dir'), path.join(root, 'new', 'place'));
    expect(await fs.readAll(path.join(root, 'new', 'place', 'x.bin'))).toEqual(Uint8Array.of(3));
    expect((await failure(fs.rename(path.join(root, 'gone'), path.join(root, 'c')))).code).toBe('STORAGE_NOT_FOUND');
  });

  it('deletes files, folders only with recursive, and ignores what is absent', async () => {
    const root = tmp();
    await fs.write(path.join(root, 'dir', 'x.bin'), Uint8Array.of(3));
    await fs.write(path.join(root, 'f.bin'), Uint8Array.of(3));
    await fs.delete(path.join(root, 'f.bin'));
    const refused = await failure(fs.delete(path.join(root, 'dir')));
    expect(refused.code).toBe('STORAGE_BAD_REQUEST');
    expect(refused.message).toContain('pass { recursive: true }');
    await fs.delete(path.join(root, 'dir'), { recursive: true });
    await fs.delete(path.join(root, 'never'));
    expect(await readdir(root)).toEqual([]);
  });
});
