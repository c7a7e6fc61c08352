import { JsonnetBodyTemplate, type JsonnetBodyOptions } from '../../../courier/channels/jsonnet-body.js';
import { KratosError } from '../../../errors/kratos-error.js';
import type { OidcClaims } from './claims.js';

/** What a claims mapper produced, as Kratos reads it from `identity.*`. */
export interface MappedIdentity {
  traits: Record<string, unknown>;
  metadataPublic?: unknown;
  metadataAdmin?: unknown;
  verifiedAddresses: Array<{ via: 'email' | 'sms'; value: string }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A mapper that cannot be used is the operator's mistake: a 500 that names the provider, never a half-made identity. */
const mapperError = (provider: string, reason: string, cause?: unknown) =>
  new KratosError(500, { reason: `The OpenID Connect claims mapper of provider ${JSON.stringify(provider)} ${reason}`, cause });

/**
 * A provider's `mapper_url` Jsonnet: `std.extVar('claims')` in, `{identity: {traits, metadata_public?,
 * metadata_admin?, verified_addresses?}}` out. Loaded once (file://, http(s)://, base64://) with the
 * engine web hooks use.
 */
export class ClaimsMapper {
  private readonly template: JsonnetBodyTemplate;

  constructor(
    private readonly providerId: string,
    mapperUrl: string,
    options: Omit<JsonnetBodyOptions, 'pool'>,
  ) {
    this.template = new JsonnetBodyTemplate(mapperUrl, options);
  }

  async map(claims: OidcClaims): Promise<MappedIdentity> {
    let out: unknown;
    try {
      out = await this.template.render(claims, 'claims');
    } catch (err) {
      throw mapperError(this.providerId, `failed: ${(err as Error).message}`, err);
    }
    const identity = isObject(out) ? out.identity : undefined;
    if (!isObject(identity) || !isObject(identity.traits)) throw mapperError(this.providerId, 'did not return an object at identity.traits');
    const verified = identity.verified_addresses ?? [];
    if (!Array.isArray(verified)) throw mapperError(this.providerId, 'did not return an array at identity.verified_addresses');
    const verifiedAddresses = verified.map((a): { via: 'email' | 'sms'; value: string } => {
      if (!isObject(a) || (a.via !== 'email' && a.via !== 'sms') || typeof a.value !== 'string') {
        throw mapperError(this.providerId, 'returned an entry of identity.verified_addresses that is not {via: "email"|"sms", value: string}');
      }
      return { via: a.via, value: a.via === 'email' ? a.value.trim().toLowerCase() : a.value.trim() };
    });
    return {
      traits: identity.traits,
      ...(identity.metadata_public !== undefined ? { metadataPublic: identity.metadata_public } : {}),
      ...(identity.metadata_admin !== undefined ? { metadataAdmin: identity.metadata_admin } : {}),
      verifiedAddresses,
    };
  }
}
