import { open } from 'node:fs/promises';

/** fsync of a directory: makes the names created or renamed in it durable, not only their data. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
