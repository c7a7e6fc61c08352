import { chmod, chown, lstat, readFile, unlink } from 'node:fs/promises';
import type { SocketConfig } from '../config/config.js';

/** `serve.<api>.host: unix:/path/to.sock` listens on a Unix socket, as in Kratos. */
export function unixSocketPath(host: string | undefined): string | undefined {
  return host?.startsWith('unix:') ? host.slice('unix:'.length) : undefined;
}

/** A socket file left behind by a process that died is removed; any other file is left alone (listen then fails). */
export async function removeStaleSocket(path: string): Promise<void> {
  const st = await lstat(path).catch(() => null);
  if (st?.isSocket()) await unlink(path);
}

async function idOf(name: string, file: '/etc/passwd' | '/etc/group'): Promise<number> {
  if (/^\d+$/.test(name)) return Number(name);
  const text = await readFile(file, 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.split(':')[0] === name);
  const id = line?.split(':')[2];
  if (id === undefined || !/^\d+$/.test(id)) throw new Error(`unknown ${file === '/etc/passwd' ? 'user' : 'group'} "${name}"`);
  return Number(id);
}

/** Applies `serve.<api>.socket` (owner, group, mode) to a socket file just created. */
export async function applySocketPermissions(path: string, socket: SocketConfig | undefined): Promise<void> {
  await chmod(path, socket?.mode ?? 0o755);
  if (socket?.owner || socket?.group) {
    const uid = socket.owner ? await idOf(socket.owner, '/etc/passwd') : -1;
    const gid = socket.group ? await idOf(socket.group, '/etc/group') : -1;
    await chown(path, uid, gid);
  }
}
