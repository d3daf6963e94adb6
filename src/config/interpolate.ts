/**
 * `${VAR}` and `${VAR:-default}` in every string of the raw config; `$${` writes a literal `${`.
 * A missing variable without a default is a problem naming the key, so that a config that
 * silently turned into "" never reaches a database or a bucket.
 */
export type Env = Record<string, string | undefined>;

const PATTERN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolate(value: unknown, env: Env, problems: string[], path: string[] = []): unknown {
  if (typeof value === 'string') return interpolateString(value, env, problems, path);
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, problems, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, env, problems, [...path, key]);
    return out;
  }
  return value;
}

function interpolateString(text: string, env: Env, problems: string[], path: string[]): string {
  return text.replace(PATTERN, (match: string, variable: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const value = env[variable ?? ''];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    if (value === '') return '';
    problems.push(`${path.join('.') || '(root)'}: environment variable ${variable} is not set (use \${${variable}:-default} for a default)`);
    return '';
  });
}
