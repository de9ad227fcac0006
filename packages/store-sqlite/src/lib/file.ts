import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

const PRIVATE = 0o600;

/**
 * Creates a missing database file (and its directory) with mode 0600 before SQLite opens it, as SQLite would
 * create it 0644 and its `-wal` / `-shm` files inherit the database file's mode. Returns the permission bits
 * of a file that already existed, `undefined` when it was created here.
 */
async function createPrivateFile(path: string): Promise<number | undefined> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  try {
    const handle = await open(path, 'wx', PRIVATE);
    try {
      await handle.chmod(PRIVATE);
    } finally {
      await handle.close();
    }
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return (await stat(path)).mode & 0o777;
}

/**
 * Prepares the database file at `path` (none for `:memory:`): creates it 0600 when missing, and returns a
 * warning when an existing one grants group or others any access.
 */
export async function prepareFile(path: string | undefined): Promise<string | undefined> {
  if (path === undefined || path.startsWith(':memory:')) return undefined;
  const mode = await createPrivateFile(path);
  if (mode === undefined || (mode & 0o077) === 0) return undefined;
  return (
    `[mcpgate] sqlite store: ${path} is accessible by group or others (mode 0${mode.toString(8)}) and holds sealed ` +
    `credentials; restrict it (and its -wal / -shm files) with chmod 600 ${path}`
  );
}
