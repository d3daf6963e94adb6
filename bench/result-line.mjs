// The machine-readable last line of a benchmark, which `node bench/run.mjs --all` collects:
//   BENCH-RESULT {"bench":"many-archives","rows":[{"goal":"...","figure":"...","met":true}],...}
// Each row is one goal of an issue: what was measured (a ratio or a figure) and whether it met the goal
// (null when the goal has no threshold). Extra fields carry the raw figures.
export const RESULT_PREFIX = 'BENCH-RESULT ';

export function printResult(bench, rows, extra = {}) {
  console.log(`${RESULT_PREFIX}${JSON.stringify({ bench, rows, ...extra })}`);
}

/** Reads the result line out of a benchmark's stdout (the last one, if it printed several). */
export function parseResult(stdout) {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith(RESULT_PREFIX))
    .pop();
  return line ? JSON.parse(line.slice(RESULT_PREFIX.length)) : undefined;
}
