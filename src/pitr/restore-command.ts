/** One word of a `restore_command`, which PostgreSQL runs through the shell after expanding %f, %p and %%. */
export function restoreCommandWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`).replace(/%/g, '%%')}'`;
}
