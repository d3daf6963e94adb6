/**
 * The fix for a storage path problem, for the situation found: pure functions of what was seen,
 * so every hint names real ids and paths and can be tested with a table of cases.
 */

export interface PathSituation {
  /** The storage directory as configured (resolved). */
  path: string;
  /** The process's effective ids. */
  uid: number;
  gid: number;
  /** Owner of the directory that refused the write (the storage dir, or its nearest existing parent). */
  ownerUid: number;
  ownerGid: number;
  mode: number;
  /** Whether the directory that refused the write is a mount point (a volume). */
  isMountPoint: boolean;
  /** Whether the storage directory is missing and would have to be created in a parent. */
  missing: boolean;
  /** The directory that refused the write (differs from `path` when `missing`). */
  refusedBy: string;
  /** errno code of the failed step. */
  code: string;
}

/** The Dockerfile line and the Kubernetes setting that give a volume to a non-root user. */
export function volumeOwnershipHint(dir: string, uid: number, gid: number): string {
  return (
    `the volume mounted at ${dir} is owned by root and orgbackup runs as uid ${uid}: ` +
    `in the Dockerfile, before USER, add \`RUN mkdir -p ${dir} && chown ${uid}:${gid} ${dir}\` (a new named volume copies that ownership); ` +
    `in Kubernetes set \`securityContext.fsGroup: ${gid}\` on the pod; ` +
    `for a volume that already exists, once as root: \`chown -R ${uid}:${gid} ${dir}\``
  );
}

/** The fix when the write probe (or creating the directory) was refused. */
export function writeRefusedHint(s: PathSituation): string {
  if (s.code === 'EROFS') return `${s.refusedBy} is on a read-only filesystem: mount it read-write (drop ":ro" / readOnly: true) or point the storage at another path`;
  if (s.code === 'ENOSPC' || s.code === 'EDQUOT')
    return `the filesystem holding ${s.refusedBy} is full${s.code === 'EDQUOT' ? ' (quota)' : ''}: free space, or prune old archives (\`orgbackup prune\`)`;
  const notRoot = s.uid !== 0;
  if (notRoot && s.isMountPoint && s.ownerUid === 0) return volumeOwnershipHint(s.refusedBy, s.uid, s.gid);
  if (s.missing) {
    return `as root: \`mkdir -p ${s.path} && chown -R ${s.uid}:${s.gid} ${s.path}\` (${s.refusedBy} is owned by ${s.ownerUid}:${s.ownerGid}, mode ${octal(s.mode)}, so uid ${s.uid} cannot create it)`;
  }
  if (s.ownerUid === s.uid) return `\`chmod u+rwx ${s.path}\` (the directory belongs to uid ${s.uid} but its mode ${octal(s.mode)} forbids writing)`;
  return `as root: \`chown -R ${s.uid}:${s.gid} ${s.path}\` (it is owned by ${s.ownerUid}:${s.ownerGid}, mode ${octal(s.mode)})`;
}

/** The fix when a file stands where the storage directory (or one of its parents) should be. */
export function notADirectoryHint(blocking: string, storagePath: string, storageKey: string): string {
  const move = `move the file away (\`mv ${blocking} ${blocking}.old\`)`;
  return blocking === storagePath ? `${move}, or set ${storageKey} to a directory` : `${move} so ${storagePath} can be created, or set ${storageKey} to another directory`;
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
