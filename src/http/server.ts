import type { FastifyInstance } from 'fastify';
import type { Registry } from '../registry/registry.js';
import { buildAdminApi } from './admin.js';
import { buildPublicApi } from './public.js';
import { hasBackgroundWebHooks } from '../selfservice/hooks/web-hook/config.js';
import { applySocketPermissions, removeStaleSocket, unixSocketPath } from './unix-socket.js';

export interface RunningServers {
  publicApp: FastifyInstance;
  adminApp: FastifyInstance;
  publicUrl: string;
  adminUrl: string;
  /** Stops accepting connections, lets in-flight requests finish, then returns. */
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Overrides the configured ports (tests pass 0 for a free port). */
  publicPort?: number;
  adminPort?: number;
  host?: string;
}

export async function startServers(r: Registry, opts: ListenOptions = {}): Promise<RunningServers> {
  const serve = r.config.values.serve;
  await r.tracing.start();
  const publicApp = await buildPublicApi(r);
  const adminApp = await buildAdminApi(r);
  const listen = async (app: FastifyInstance, api: 'public' | 'admin', port: number | undefined): Promise<string> => {
    const s = serve[api];
    const path = opts.host === undefined ? unixSocketPath(s.host) : undefined;
    if (path === undefined) return app.listen({ port: port ?? s.port, host: opts.host ?? s.host ?? '0.0.0.0' });
    await removeStaleSocket(path);
    const url = await app.listen({ path });
    await applySocketPermissions(path, s.socket);
    return url;
  };
  try {
    const publicUrl = await listen(publicApp, 'public', opts.publicPort);
    const adminUrl = await listen(adminApp, 'admin', opts.adminPort);
    // Background web hooks are delivered by every running server; the queue hands each to one.
    const deliveries = hasBackgroundWebHooks(r.config.values) ? r.webHooks.worker : null;
    deliveries?.start();
    return {
      publicApp,
      adminApp,
      publicUrl,
      adminUrl,
      close: async () => {
        await Promise.all([publicApp.close(), adminApp.close()]);
        await deliveries?.stop();
      },
    };
  } catch (err) {
    await Promise.allSettled([publicApp.close(), adminApp.close()]);
    throw err;
  }
}
