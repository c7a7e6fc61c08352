import type { FastifyInstance } from 'fastify';
import type { Registry } from '../registry/registry.js';
import { buildAdminApi } from './admin.js';
import { buildPublicApi } from './public.js';

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
  try {
    const publicUrl = await publicApp.listen({ port: opts.publicPort ?? serve.public.port, host: opts.host ?? serve.public.host ?? '0.0.0.0' });
    const adminUrl = await adminApp.listen({ port: opts.adminPort ?? serve.admin.port, host: opts.host ?? serve.admin.host ?? '0.0.0.0' });
    return {
      publicApp,
      adminApp,
      publicUrl,
      adminUrl,
      close: async () => {
        await Promise.all([publicApp.close(), adminApp.close()]);
      },
    };
  } catch (err) {
    await Promise.allSettled([publicApp.close(), adminApp.close()]);
    throw err;
  }
}
