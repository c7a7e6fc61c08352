/**
 * The credential identifier a passkey user handle is stored and found under: the handle's bytes as
 * text, as Kratos stores it. A handle that is not printable ASCII (an imported one made of raw
 * bytes) is written as `hex:` and its bytes in hex, so every database can store and compare it.
 */
export function passkeyIdentifierOf(handle: Uint8Array): string {
  const bytes = Buffer.from(handle);
  const printable = bytes.length > 0 && bytes.every((b) => b >= 0x21 && b <= 0x7e);
  return printable ? bytes.toString('ascii') : `hex:${bytes.toString('hex')}`;
}
