import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForUrl } from './server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin/tessera.js');

/** A `tessera serve` process started as a user starts it. */
export interface ServeProcess {
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Sends SIGTERM (SIGKILL after 10 s) and answers its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs `tessera serve -c <configFile>` (the built CLI, with nothing but PATH in its environment)
 * until `readyUrl` answers 2xx. A process that exits first (a refused configuration) fails at once
 * with its output; one not ready within `ms` is stopped and fails with its output.
 */
export async function startServeProcess(configFile: string, readyUrl: string, ms = 120_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [bin, 'serve', '-c', configFile], { cwd: root, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    child.kill('SIGTERM');
    // A server that does not finish its shutdown must not hold the test run forever.
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try {
      return await exited;
    } finally {
      clearTimeout(kill);
    }
  };
  try {
    await Promise.race([waitForUrl(readyUrl, ms), exited.then((code) => Promise.reject(new Error(`serve exited with ${code}:\n${out}`)))]);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- serve's output:\n${out}`, { cause: err });
  }
  return { output: () => out, stop };
}
