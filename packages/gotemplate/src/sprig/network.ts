// Sprig's getHostByName: a synchronous DNS lookup (templates run synchronously), done in a
// worker thread the caller waits on with Atomics.wait, with a time limit.

import { Worker } from 'node:worker_threads';

const WORKER = `
const { workerData } = require('node:worker_threads');
const dns = require('node:dns');
const { sab, name } = workerData;
const state = new Int32Array(sab, 0, 2);
const bytes = new Uint8Array(sab, 8);
dns.lookup(name, { all: true }, (err, addrs) => {
  const text = err ? 'E' + (err.code || err.message) : 'A' + addrs.map((a) => a.address).join(' ');
  const enc = Buffer.from(text, 'utf8').subarray(0, bytes.length);
  bytes.set(enc);
  state[1] = enc.length;
  Atomics.store(state, 0, 1);
  Atomics.notify(state, 0);
});
`;

/** Go's net.LookupHost, synchronously; throws on failure or after timeoutMs. */
export function lookupHostSync(name: string, timeoutMs = 5000): string[] {
  const sab = new SharedArrayBuffer(8 + 4096);
  const state = new Int32Array(sab, 0, 2);
  const worker = new Worker(WORKER, { eval: true, workerData: { sab, name } });
  try {
    const r = Atomics.wait(state, 0, 0, timeoutMs);
    if (r === 'timed-out') throw new Error(`lookup ${name}: i/o timeout`);
    const text = Buffer.from(new Uint8Array(sab, 8, state[1])).toString('utf8');
    if (text.startsWith('E')) throw new Error(`lookup ${name}: ${text.slice(1)}`);
    return text.slice(1).split(' ').filter(Boolean);
  } finally {
    void worker.terminate();
  }
}

/** Sprig's getHostByName: one of the addresses, chosen at random; "" when the lookup fails. */
export function getHostByName(name: string): string {
  let addrs: string[];
  try {
    addrs = lookupHostSync(name);
  } catch {
    addrs = [];
  }
  if (addrs.length === 0) throw new Error('runtime error: index out of range [0] with length 0');
  return addrs[Math.floor(Math.random() * addrs.length)];
}
