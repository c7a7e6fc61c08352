import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';

// The interpreter is loaded with the first template, not at start: most servers never use one.
let interpreter: Promise<typeof import('@tessera/jsonnet')> | undefined;
const jsonnet = () => (interpreter ??= import('@tessera/jsonnet'));
import type { JsonnetWorkerPool, JsonValue, Limits, Program } from '@tessera/jsonnet';
import { DeliveryError } from '../message.js';
import { OutboundRequestError, privateGuardExempt, redactUrl } from './outbound-request.js';
import type { OutboundRequester } from './outbound-request.js';

// A request body template (`request_config.body`): a Jsonnet program found by URI, loaded and
// parsed once, evaluated per message with the message context. The context is bound both as the
// top-level argument `ctx` (Kratos's form: `function(ctx) {...}`) and as the external variable
// `ctx` (`std.extVar('ctx')`), so either style of template works. Other users (OIDC claim mappers:
// `std.extVar('claims')`) name the variable themselves.

export interface JsonnetBodyOptions {
  /** Fetches http(s):// templates. */
  requester: OutboundRequester;
  allowPrivateNetworks: boolean;
  /** Normalised `clients.http.private_ip_exception_urls`. */
  privateIpExceptions?: ReadonlySet<string>;
  /** Deadline for fetching an http(s):// template. */
  fetchTimeoutMs: number;
  /** Largest template accepted (default 1 MiB). */
  maxTemplateBytes?: number;
  /** Base of relative `file://` paths (default: the process's working directory). */
  cwd?: string;
  /** Limits per evaluation (default: 1 s, 1,000,000 steps: templates need a few hundred steps; the time bound is generous so a cold worker on a busy machine is not mistaken for a runaway program). */
  limits?: Partial<Limits>;
  /** When given, templates are evaluated on its threads instead of the calling one. */
  pool?: JsonnetWorkerPool;
}

const DEFAULT_MAX_TEMPLATE_BYTES = 1024 * 1024;
const DEFAULT_LIMITS: Partial<Limits> = { timeoutMs: 1000, maxSteps: 1_000_000 };

interface Loaded {
  source: string;
  filename: string;
  program: Program | null;
  /** A syntax error: the template will never evaluate, every message fails permanently. */
  staticError: Error | null;
}

export class JsonnetBodyTemplate {
  private loading: Promise<Loaded> | null = null;

  constructor(
    readonly uri: string,
    private readonly opts: JsonnetBodyOptions,
  ) {}

  /**
   * Evaluates the template for one message. Throws DeliveryError: permanent for Jsonnet errors
   * (a broken template does not fix itself), retryable when the template could not be loaded or
   * the evaluation ran out of wall-clock time.
   */
  async render(ctx: Record<string, unknown>, name = 'ctx'): Promise<JsonValue> {
    const loaded = await this.load();
    const { JsonnetError, RuntimeError, WorkerEvaluationError } = await jsonnet();
    if (loaded.staticError !== null) {
      throw new DeliveryError(`request body template ${this.describe()}: ${loaded.staticError.message}`, { permanent: true, cause: loaded.staticError });
    }
    const limits = { ...DEFAULT_LIMITS, ...this.opts.limits };
    try {
      if (this.opts.pool !== undefined) {
        return (await this.opts.pool.evaluate({
          code: loaded.source,
          filename: loaded.filename,
          tlaValues: { [name]: ctx },
          extValues: { [name]: ctx },
          limits,
          asValue: true,
        })) as JsonValue;
      }
      return loaded.program!.evaluateToValue({ tlaValues: { [name]: ctx }, extValues: { [name]: ctx }, limits, trace: () => {} });
    } catch (err) {
      const timeLimit =
        (err instanceof RuntimeError && err.limit === 'time') || (err instanceof WorkerEvaluationError && err.limit === 'time');
      if (err instanceof JsonnetError || err instanceof WorkerEvaluationError) {
        throw new DeliveryError(`request body template ${this.describe()}: ${err.message.trim()}`, { permanent: !timeLimit, cause: err });
      }
      throw err;
    }
  }

  /** Loads and parses the template once; a failed load (file missing, server down) is retried next time. */
  load(): Promise<Loaded> {
    if (this.loading === null) {
      this.loading = Promise.all([this.fetchSource(), jsonnet()]).then(
        ([{ source, filename }, { compile, JsonnetError }]) => {
          try {
            return { source, filename, program: compile(source, filename), staticError: null };
          } catch (err) {
            if (err instanceof JsonnetError) return { source, filename, program: null, staticError: err };
            throw err;
          }
        },
        (err: unknown) => {
          this.loading = null;
          throw err;
        },
      );
    }
    return this.loading;
  }

  private describe(): string {
    return this.uri.startsWith('base64://') ? '(base64)' : redactUrl(this.uri);
  }

  private async fetchSource(): Promise<{ source: string; filename: string }> {
    const max = this.opts.maxTemplateBytes ?? DEFAULT_MAX_TEMPLATE_BYTES;
    const uri = this.uri;
    if (uri.startsWith('base64://')) {
      const text = uri.slice('base64://'.length);
      // Standard and URL-safe alphabets, padded or not.
      return { source: Buffer.from(text, 'base64').toString('utf8'), filename: 'body.jsonnet' };
    }
    if (uri.startsWith('http://') || uri.startsWith('https://')) {
      let res;
      const url = new URL(uri);
      try {
        res = await this.opts.requester({
          url,
          method: 'GET',
          headers: { Accept: '*/*' },
          timeoutMs: this.opts.fetchTimeoutMs,
          allowPrivateNetworks: privateGuardExempt(url, this.opts.allowPrivateNetworks, this.opts.privateIpExceptions ?? new Set()),
          maxResponseBytes: max,
          onOverflow: 'error',
        });
      } catch (err) {
        const msg = err instanceof OutboundRequestError ? err.message : String(err);
        throw new DeliveryError(`could not fetch the request body template ${redactUrl(url)}: ${msg}`, { cause: err });
      }
      if (res.status < 200 || res.status > 299) {
        throw new DeliveryError(`could not fetch the request body template ${redactUrl(url)}: status ${res.status}`);
      }
      return { source: res.body.toString('utf8'), filename: redactUrl(url) };
    }
    // file:///abs, file://relative, or (legacy, as Kratos still accepts) a bare path.
    const path = uri.startsWith('file://') ? uri.slice('file://'.length) : uri;
    const full = resolvePath(this.opts.cwd ?? process.cwd(), path);
    let data: Buffer;
    try {
      data = await readFile(full);
    } catch (err) {
      throw new DeliveryError(`could not read the request body template ${uri}: ${(err as Error).message}`, { cause: err });
    }
    if (data.length > max) throw new DeliveryError(`request body template ${uri} exceeds ${max} bytes`, { permanent: true });
    return { source: data.toString('utf8'), filename: uri };
  }
}
