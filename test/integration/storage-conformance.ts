/**
 * The storage contract of src/storage/types.ts as one suite every driver must pass (restic's
 * backend/test/suite.go). A driver's test file calls `storageConformance(name, factory)` where the
 * factory returns a fresh, empty storage and, optionally, ways to make and count the leftovers of
 * an interrupted put (temp files, multipart uploads) so that aborts and cleanup can be checked on
 * the server itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../src/storage/types.js';
import { AlreadyExistsError, NotFoundError } from '../../src/storage/types.js';

export interface ConformanceTarget {
  storage: Storage;
  /** How many leftovers of interrupted puts the backend holds (temp files, multipart uploads). */
  leftovers?(): Promise<number>;
  /** Leaves one leftover of an interrupted put of `key`, as a killed run would. */
  makeLeftover?(key: string): Promise<void>;
  cleanup(): Promise<void>;
}

export interface ConformanceOptions {
  /** Keys written to check that list crosses the driver's page boundaries (S3 pages at 1000). */
  manyKeys: number;
  /** Size of the large streamed object; above the S3 part size so that multipart is used. */
  largeBytes: number;
  /** Whether the target can make and count leftovers (makeLeftover/leftovers). */
  cleanup: boolean;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function keysOf(storage: Storage, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of storage.list(prefix)) keys.push(info.key);
  return keys.sort();
}

/** A stream of `total` random bytes in 256 KiB chunks, slowed so that it can be aborted mid-way. */
function slowStream(total: number, delayMs: number, failAfter?: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) {
        this.destroy(new Error('the dump broke mid-way'));
        return;
      }
      if (sent >= total) return void this.push(null);
      const size = Math.min(256 * 1024, total - sent);
      sent += size;
      setTimeout(() => this.push(randomBytes(size)), delayMs);
    },
  });
}

export function storageConformance(name: string, factory: () => Promise<ConformanceTarget>, options: ConformanceOptions): void {
  describe(`storage conformance: ${name}`, () => {
    let target: ConformanceTarget;
    let storage: Storage;
    let n = 0;
    const unique = (label: string) => `t${++n}-${label}`;

    beforeAll(async () => {
      target = await factory();
      storage = target.storage;
    });
    afterAll(async () => {
      await target?.cleanup();
    });

    it('stores a buffer, reads it back whole and as a stream, and reports its size', async () => {
      const key = `${unique('buf')}/src/tenant/a.manifest.json`;
      const data = Buffer.from(JSON.stringify({ hello: 'world', n: 42 }));
      expect(await storage.exists(key)).toBe(false);
      expect(await storage.put(key, data)).toEqual({ size: data.length });
      expect(await storage.exists(key)).toBe(true);
      expect(await storage.getBuffer(key)).toEqual(data);
      expect(await collect(await storage.get(key))).toEqual(data);
    });

    it('streams a large object in and out byte for byte', async () => {
      const key = `${unique('large')}/archive.zip`;
      const data = randomBytes(options.largeBytes);
      expect(await storage.put(key, Readable.from([data.subarray(0, 1000), data.subarray(1000)]))).toEqual({ size: data.length });
      const back = await collect(await storage.get(key));
      expect(back.length).toBe(data.length);
      expect(sha256(back)).toBe(sha256(data));
      const [info] = await Promise.all([keysOf(storage, key)]);
      expect(info).toEqual([key]);
      expect(await target.leftovers?.()).toBe(target.leftovers ? 0 : undefined);
    });

    it('never overwrites: a second put of a key fails and the first object stays intact', async () => {
      const key = `${unique('dup')}/x.zip`;
      await storage.put(key, Buffer.from('first'));
      await expect(storage.put(key, Buffer.from('second'))).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(storage.put(key, Readable.from([Buffer.from('third')]))).rejects.toBeInstanceOf(AlreadyExistsError);
      expect((await storage.getBuffer(key)).toString()).toBe('first');
      expect(await keysOf(storage, key)).toEqual([key]);
    });

    it('reports a missing key as NotFoundError and exists() false', async () => {
      const key = `${unique('missing')}/nothing.zip`;
      expect(await storage.exists(key)).toBe(false);
      await expect(storage.get(key)).rejects.toBeInstanceOf(NotFoundError);
      await expect(storage.getBuffer(key)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists by prefix, each committed key once, directory prefixes and partial names alike', async () => {
      const root = unique('list');
      const keys = [`${root}/a/1.zip`, `${root}/a/2.zip`, `${root}/ab/3.zip`, `${root}/b/4.zip`, `${root}/a/deep/5.zip`];
      for (const key of keys) await storage.put(key, Buffer.from(key));
      expect(await keysOf(storage, `${root}/a/`)).toEqual([`${root}/a/1.zip`, `${root}/a/2.zip`, `${root}/a/deep/5.zip`]);
      expect(await keysOf(storage, `${root}/a`)).toEqual([`${root}/a/1.zip`, `${root}/a/2.zip`, `${root}/a/deep/5.zip`, `${root}/ab/3.zip`]);
      expect(await keysOf(storage, `${root}/`)).toEqual([...keys].sort());
      expect(await keysOf(storage, `${root}/nothing/`)).toEqual([]);
      const sizes = new Map<string, number>();
      for await (const info of storage.list(`${root}/b/`)) {
        sizes.set(info.key, info.size);
        expect(info.modified.getTime()).toBeGreaterThan(Date.now() - 3_600_000);
      }
      expect(sizes.get(`${root}/b/4.zip`)).toBe(Buffer.byteLength(`${root}/b/4.zip`));
    });

    it(`lists ${options.manyKeys} keys across page boundaries, each exactly once`, async () => {
      const root = unique('many');
      const keys = Array.from({ length: options.manyKeys }, (_, i) => `${root}/k${String(i).padStart(5, '0')}.manifest.json`);
      for (let i = 0; i < keys.length; i += 25) await Promise.all(keys.slice(i, i + 25).map((k) => storage.put(k, Buffer.from('{}'))));
      const listed = await keysOf(storage, `${root}/`);
      expect(listed.length).toBe(keys.length);
      expect(new Set(listed).size).toBe(keys.length);
      expect(listed).toEqual(keys);
    });

    it("yields a directory's objects together, never interleaved with another directory's", async () => {
      const root = unique('dirs');
      // Names chosen so that key order and creation order both interleave the directories.
      const dirs = ['t', 't-1', 't.x', 't0', 'u/t'];
      const keys = [1, 2, 3].flatMap((n) => dirs.map((dir) => `${root}/${dir}/${n}.zip`));
      for (const key of keys) await storage.put(key, Buffer.from(key));
      const order: string[] = [];
      for await (const info of storage.list(`${root}/`)) {
        const dir = info.key.slice(0, info.key.lastIndexOf('/'));
        if (order.at(-1) !== dir) order.push(dir);
      }
      expect(order.length).toBe(dirs.length);
      expect([...order].sort()).toEqual(dirs.map((dir) => `${root}/${dir}`).sort());
    });

    it('deletes a key, and deleting a missing key is not an error', async () => {
      const key = `${unique('del')}/gone.zip`;
      await storage.put(key, Buffer.from('bye'));
      await storage.delete(key);
      expect(await storage.exists(key)).toBe(false);
      expect(await keysOf(storage, key)).toEqual([]);
      await expect(storage.delete(key)).resolves.toBeUndefined();
    });

    it('an aborted put (AbortSignal) leaves nothing behind', async () => {
      const key = `${unique('abort')}/cut.zip`;
      const controller = new AbortController();
      const body = slowStream(options.largeBytes, 5);
      let seen = 0;
      body.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        // Past the first part, so that an S3 multipart upload exists and must be aborted.
        if (seen > options.largeBytes * 0.7 && !controller.signal.aborted) controller.abort(new Error('interrupted by the test'));
      });
      await expect(storage.put(key, body, { signal: controller.signal })).rejects.toThrow();
      expect(await storage.exists(key)).toBe(false);
      expect(await keysOf(storage, key.split('/')[0]!)).toEqual([]);
      if (target.leftovers) expect(await target.leftovers()).toBe(0);
    });

    it('a put whose body stream fails mid-way leaves nothing behind', async () => {
      const key = `${unique('broken')}/half.zip`;
      const body = slowStream(options.largeBytes, 1, Math.floor(options.largeBytes / 2));
      await expect(storage.put(key, body)).rejects.toThrow(/broke mid-way/);
      expect(await storage.exists(key)).toBe(false);
      expect(await keysOf(storage, key.split('/')[0]!)).toEqual([]);
      if (target.leftovers) expect(await target.leftovers()).toBe(0);
    });

    it.runIf(options.cleanup)('cleanupIncomplete removes leftovers older than the cut-off and keeps newer ones (skipped for drivers without cleanupIncomplete)', async () => {
      const key = `${unique('leftover')}/killed.zip`;
      await target.makeLeftover!(key);
      expect(await target.leftovers!()).toBe(1);
      expect(await keysOf(storage, key)).toEqual([]);
      expect(await storage.cleanupIncomplete!(new Date(Date.now() - 3_600_000))).toBe(0);
      expect(await target.leftovers!()).toBe(1);
      expect(await storage.cleanupIncomplete!(new Date(Date.now() + 60_000))).toBe(1);
      expect(await target.leftovers!()).toBe(0);
    });
  });
}
