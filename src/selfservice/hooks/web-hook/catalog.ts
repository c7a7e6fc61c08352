import { createHash } from 'node:crypto';

import { resolveWebHook } from './config.js';
import type { ResolvedWebHook, WebHookConfig } from './config.js';

/**
 * The web hooks this process knows, by reference. The delivery worker finds a queued delivery's
 * URL, headers and credentials here, so the queue never stores secrets. Two hooks whose reference
 * collides (same URL, method, header names and auth kind, no `id`) but whose secrets differ are
 * told apart by a digest of their full configuration.
 */
export class WebHookCatalog {
  private readonly byRef = new Map<string, ResolvedWebHook>();
  private readonly byConfig = new WeakMap<WebHookConfig, ResolvedWebHook>();

  /** Resolves (once per config object) and registers a hook. Throws WebHookConfigError. */
  resolve(cfg: WebHookConfig): ResolvedWebHook {
    const known = this.byConfig.get(cfg);
    if (known !== undefined) return known;
    let hook = resolveWebHook(cfg);
    const other = this.byRef.get(hook.ref);
    if (other !== undefined && !sameRequest(other, hook)) {
      hook = { ...hook, ref: `${hook.ref}+${createHash('sha256').update(JSON.stringify(cfg)).digest('hex').slice(0, 16)}` };
    }
    if (!this.byRef.has(hook.ref)) this.byRef.set(hook.ref, hook);
    this.byConfig.set(cfg, hook);
    return hook;
  }

  get(ref: string): ResolvedWebHook | undefined {
    return this.byRef.get(ref);
  }
}

function sameRequest(a: ResolvedWebHook, b: ResolvedWebHook): boolean {
  return a.url.href === b.url.href && a.method === b.method && a.body === b.body && JSON.stringify(a.headers) === JSON.stringify(b.headers);
}
