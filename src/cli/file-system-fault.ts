// A file-system error (a full or read-only disk, a file where a folder should be, …) is the
// user's to fix, not a bug: one line with the path, what went wrong in plain words and what to do.

const FAULTS: Readonly<Record<string, { words: string; fix: string }>> = {
  EROFS: { words: "read-only file system", fix: "remount it read-write or choose a folder on another disk" },
  EACCES: { words: "permission denied", fix: "check the owner and permissions of the file and its folders" },
  EPERM: { words: "operation not permitted", fix: "check the owner, permissions and attributes (lsattr: an immutable file) of the file and its folders" },
  ENOSPC: { words: "no space left on device", fix: "free some space, then run again" },
  EDQUOT: { words: "disk quota exceeded", fix: "free some space or raise the quota, then run again" },
  EFBIG: { words: "file too large for this file system", fix: "choose a folder on another file system" },
  EISDIR: { words: "is a folder, where a file was expected", fix: "move the folder aside" },
  ENOTDIR: { words: "part of the path is a file, where a folder was expected", fix: "move that file aside or choose another folder" },
  EEXIST: { words: "already exists", fix: "move it aside" },
  ENOTEMPTY: { words: "folder not empty", fix: "move it aside" },
  ENOENT: { words: "no such file or folder", fix: "check the path" },
  EMFILE: { words: "too many open files", fix: "raise the limit (ulimit -n), then run again" },
  ENFILE: { words: "too many open files in the system", fix: "close some programs, then run again" },
  EIO: { words: "input/output error", fix: "check the disk (dmesg)" },
  ELOOP: { words: "too many levels of symbolic links", fix: "check the symbolic links in the path" },
  ENAMETOOLONG: { words: "file name too long", fix: "choose a shorter path" },
  EBUSY: { words: "busy (in use, or a mount point)", fix: "choose another folder" },
  EXDEV: { words: "cannot move across file systems", fix: "keep the folder and its parent on one file system" },
};

/** One line for a Node file-system error; undefined for any other error. */
export function fileSystemFaultMessage(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path, dest, syscall } = error as NodeJS.ErrnoException & { dest?: string };
  const fault = typeof code === "string" ? FAULTS[code] : undefined;
  if (!fault) return undefined;
  const where = path === undefined ? "" : dest === undefined ? `${path}: ` : `${path} → ${dest}: `;
  return `${where}${fault.words} (${code}${syscall ? ` in ${syscall}` : ""}): ${fault.fix}`;
}
