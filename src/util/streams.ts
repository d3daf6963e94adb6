import type { Writable } from 'node:stream';

/** Resolves when a writable drains or closes, removing both listeners (no listener build-up). */
export function drainOrClose(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const settle = () => {
      stream.off('drain', settle).off('close', settle);
      resolve();
    };
    stream.on('drain', settle).on('close', settle);
  });
}
