import type { Logger } from 'pino';
import { secretFilesChanged } from '../lib/secret-ref.js';
import type { Channel, ChannelLookup } from './channel.js';
import { DeliveryError, type OutgoingMessage } from './message.js';

// The channels a courier worker sends through, rebuilt while it runs: when the email settings
// stored over the admin API change (every process polls one small row for its version) and when a
// secret file the channels were built from changes (checked before every send). A message takes
// the channels in force when its send starts and finishes with them; a replaced set is closed once
// its last message is done.

export interface BuiltChannels {
  channels: Map<string, Channel>;
  /** Secret files read while building, with their stamps. */
  files: ReadonlyMap<string, string>;
}

export interface LiveChannelsDeps {
  /** Builds the channels from the settings in force now; `version` is what it read. */
  build(): Promise<BuiltChannels & { version: number }>;
  /** The stored settings' version, cheap to read; absent when only the file counts. */
  version?(): Promise<number>;
  /** How often the version is read (default 1 s). */
  pollMs?: number;
  logger: Logger;
}

interface Generation extends BuiltChannels {
  version: number;
  inFlight: number;
  retired: boolean;
}

export class LiveChannels implements ChannelLookup {
  private current: Generation | null = null;
  private refreshing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly retiring = new Set<Promise<void>>();
  private readonly proxies = new Map<string, Channel>();

  constructor(private readonly deps: LiveChannelsDeps) {}

  /** Builds the first set and starts watching for changes. */
  async start(): Promise<void> {
    await this.refresh(true);
    if (this.deps.version && this.timer === null) {
      this.timer = setInterval(() => void this.refresh().catch(() => {}), this.deps.pollMs ?? 1000);
      this.timer.unref();
    }
  }

  /** The ids of the channels in force. */
  ids(): string[] {
    return [...(this.current?.channels.keys() ?? [])];
  }

  get(id: string): Channel | undefined {
    const ch = this.current?.channels.get(id);
    if (!ch) return undefined;
    let proxy = this.proxies.get(id);
    if (!proxy) {
      proxy = { id, type: ch.type, send: (m) => this.send(id, m), close: async () => {}, verify: () => this.verify(id) };
      this.proxies.set(id, proxy);
    }
    return proxy;
  }

  /** Rebuilds when the stored settings or a secret file changed (or always, with `force`). */
  refresh(force = false): Promise<void> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = this.doRefresh(force).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.refreshing?.catch(() => {});
    if (this.current) this.retire(this.current);
    this.current = null;
    await Promise.all([...this.retiring]);
  }

  private async doRefresh(force: boolean): Promise<void> {
    const cur = this.current;
    if (!force && cur) {
      const version = this.deps.version ? await this.deps.version() : cur.version;
      if (version === cur.version && !(await secretFilesChanged(cur.files))) return;
    }
    let built: BuiltChannels & { version: number };
    try {
      built = await this.deps.build();
    } catch (err) {
      // Keep delivering with what works; the next poll tries again.
      this.deps.logger.error({ error: err instanceof Error ? err.message : String(err) }, 'courier: could not apply the changed channel settings; the previous ones stay in force');
      if (!cur) throw err;
      return;
    }
    this.current = { ...built, inFlight: 0, retired: false };
    for (const id of this.proxies.keys()) if (!built.channels.has(id)) this.proxies.delete(id);
    if (cur) {
      this.retire(cur);
      this.deps.logger.info({ version: built.version, channels: [...built.channels.keys()] }, 'courier: channel settings changed; new messages use them');
    }
  }

  private retire(g: Generation): void {
    g.retired = true;
    if (g.inFlight === 0) this.closeGeneration(g);
  }

  private closeGeneration(g: Generation): void {
    const p = Promise.all([...g.channels.values()].map((c) => c.close().catch(() => {}))).then(() => {
      this.retiring.delete(p);
    });
    this.retiring.add(p);
  }

  private async use<T>(id: string, fn: (ch: Channel) => Promise<T>): Promise<T> {
    if (this.current && (await secretFilesChanged(this.current.files))) await this.refresh(true).catch(() => {});
    const g = this.current;
    const ch = g?.channels.get(id);
    if (!g || !ch) throw new DeliveryError(`no courier channel "${id}" is configured`, { permanent: true });
    g.inFlight++;
    try {
      return await fn(ch);
    } finally {
      g.inFlight--;
      if (g.retired && g.inFlight === 0) this.closeGeneration(g);
    }
  }

  private send(id: string, m: OutgoingMessage): Promise<void> {
    return this.use(id, (ch) => ch.send(m));
  }

  private verify(id: string): Promise<void> {
    return this.use(id, async (ch) => {
      if (!ch.verify) throw new DeliveryError(`channel "${id}" cannot be tested without sending`);
      await ch.verify();
    });
  }
}
