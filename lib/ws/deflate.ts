/**
 * permessage-deflate (RFC 7692) negotiation, on top of ws's PerMessageDeflate.
 * Off unless the protocol enables it; an offer we cannot accept is declined
 * (the session runs uncompressed, RFC 7692 §5), a syntactically broken
 * Sec-WebSocket-Extensions header is a 400.
 * @module
 */
import type { PerMessageDeflateConfig } from './protocol-api.js';
import { extension, PerMessageDeflate, PMD_NAME, type PerMessageDeflate as Pmd } from './ws-lib.js';
import { refuse, type HandshakeRefusal } from './handshake.js';

export interface DeflateAgreement {
  /** The negotiated extension, to hand to the Receiver and to compress with. */
  readonly pmd: Pmd;
  /** The Sec-WebSocket-Extensions response value. */
  readonly header: string;
  /** Messages smaller than this go out uncompressed. */
  readonly threshold: number;
}

/** Default threshold (bytes): deflating tiny messages costs more than it saves (ws uses the same). */
export const DEFAULT_DEFLATE_THRESHOLD = 1024;

/**
 * Negotiate permessage-deflate. `config` false/undefined: ignore the offer.
 * Returns null when nothing was agreed.
 */
export function negotiateDeflate(
  offer: string | undefined,
  config: boolean | PerMessageDeflateConfig | undefined,
  maxPayload: number,
): DeflateAgreement | null | HandshakeRefusal {
  if (!config || offer === undefined) return null;
  const opts: PerMessageDeflateConfig = config === true ? {} : config;
  let offers: Record<string, Array<Record<string, unknown>>>;
  try {
    offers = extension.parse(offer);
  } catch (err) {
    return refuse(400, `invalid Sec-WebSocket-Extensions: ${(err as Error).message}`);
  }
  const pmdOffers = offers[PMD_NAME];
  if (pmdOffers === undefined) return null;
  const pmd = new PerMessageDeflate({
    isServer: true,
    maxPayload,
    ...(opts.serverNoContextTakeover !== undefined && { serverNoContextTakeover: opts.serverNoContextTakeover }),
    ...(opts.clientNoContextTakeover !== undefined && { clientNoContextTakeover: opts.clientNoContextTakeover }),
    ...(opts.serverMaxWindowBits !== undefined && { serverMaxWindowBits: opts.serverMaxWindowBits }),
    ...(opts.clientMaxWindowBits !== undefined && { clientMaxWindowBits: opts.clientMaxWindowBits }),
  });
  let params: Record<string, unknown>;
  try {
    params = pmd.accept(pmdOffers);
  } catch {
    // Unacceptable or invalid parameters: decline the extension, keep the session (RFC 7692 §5.1).
    return null;
  }
  return { pmd, header: extension.format({ [PMD_NAME]: [params] }), threshold: opts.threshold ?? DEFAULT_DEFLATE_THRESHOLD };
}

/** Compress one whole message (RFC 7692 §7.2.1: the trailing 0x00 0x00 0xff 0xff is removed by ws). */
export function deflateMessage(pmd: Pmd, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pmd.compress(data, true, (err, result) => {
      if (err || result === undefined) reject(err ?? new Error('permessage-deflate: no output'));
      else resolve(result);
    });
  });
}
