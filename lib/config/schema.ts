/**
 * The JSON config's schema (zod, every object strict so a misspelt key is an
 * error, not silently ignored), in the spirit of lwsws:
 *
 * ```json
 * { "vhosts": [ { "name": "localhost", "host": "127.0.0.1", "port": 7681,
 *     "tls": { "cert": "cert.pem", "key": "key.pem" },
 *     "headers": { "x-content-type-options": "nosniff" },
 *     "mounts": [ { "mountpoint": "/", "origin": "file://./site" } ],
 *     "ws-protocols": { "lws-minimal": { "default": true } } } ] }
 * ```
 * @module
 */
import { z } from 'zod';

/** RFC 9110 §5.6.2 token: what a header name may be. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 9110 §5.5: no CR, LF or NUL in a field value. */
const FIELD_VALUE = /^[^\r\n\0]*$/;

export const ORIGIN_KINDS = 'file://, >http(s)://, callback://, http(s)://';

/** Why an origin string is not usable, or null when it is. */
export function originProblem(origin: string): string | null {
  const unsupported = `unsupported origin ${JSON.stringify(origin)} (expected ${ORIGIN_KINDS})`;
  const m = /^(>?)(file|callback|https?):\/\/(.*)$/s.exec(origin);
  if (!m) return unsupported;
  const [, redirect, scheme, rest] = m as unknown as [string, string, string, string];
  if (redirect === '>' && scheme !== 'http' && scheme !== 'https') return unsupported;
  if (rest === '') return `origin ${JSON.stringify(origin)} names nothing after "${scheme}://"`;
  if (scheme === 'callback' && !/^[\w.-]+$/.test(rest)) return `callback name ${JSON.stringify(rest)} may only hold letters, digits, "_", "-" and "."`;
  if (scheme === 'http' || scheme === 'https') {
    try {
      new URL(`${scheme}://${rest}`);
    } catch {
      return `origin ${JSON.stringify(origin)} is not a valid URL`;
    }
  }
  return null;
}

const origin = z.string().superRefine((value, ctx) => {
  const problem = originProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const headerName = z.string().regex(FIELD_NAME, { message: 'not a valid header name' });
const headerValue = z.string().regex(FIELD_VALUE, { message: 'header values may not hold CR, LF or NUL' });

/** The keys of a mount (the Mounts contract's MountSpec). */
export const mountSchema = z
  .object({
    mountpoint: z.string().startsWith('/', { message: 'must start with "/"' }),
    origin,
    default: z.string().min(1).optional(),
    'cache-max-age': z.number().int().min(0).optional(),
    'cache-reuse': z.boolean().optional(),
    'cache-revalidate': z.boolean().optional(),
    'cache-intermediaries': z.boolean().optional(),
    'cache-no': z.boolean().optional(),
    'cache-immutable': z.boolean().optional(),
    'extra-mimetypes': z
      .record(
        z.string().regex(/^\.[^./\\]+$/, { message: 'extensions start with "." (".wasm")' }),
        z.string().regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, { message: 'not a media type ("type/subtype")' }),
      )
      .optional(),
    'error-document': z.string().min(1).optional(),
    spa: z.string().min(1).optional(),
    dotfiles: z.enum(['deny', 'allow']).optional(),
    precompressed: z.boolean().optional(),
    'redirect-status': z.union([z.literal(301), z.literal(302), z.literal(307), z.literal(308)], { message: 'expected 301, 302, 307 or 308' }).optional(),
    'redirect-append-path': z.boolean().optional(),
    'proxy-timeout-ms': z.number().int().positive().optional(),
  })
  .strict();

/** Options of one WebSocket protocol; the protocol itself validates the keys beyond `default`. */
const wsProtocolSchema = z.object({ default: z.boolean().optional() }).catchall(z.unknown());

export const vhostSchema = z
  .object({
    name: z.string().min(1),
    /** Extra host names that select this vhost; `*.example.com` wildcards. */
    hostnames: z.array(z.string().min(1)).optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(0, { message: 'expected a port number 0-65535' }).max(65535, { message: 'expected a port number 0-65535' }).optional(),
    tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict().optional(),
    headers: z.record(headerName, headerValue).optional(),
    mounts: z.array(mountSchema).optional(),
    'ws-protocols': z.record(z.string().min(1), wsProtocolSchema).optional(),
    /** `Access-Control-Allow-Origin: *` on every response, and preflight OPTIONS answered with 204. */
    cors: z.boolean().optional(),
    /** Combined-log-format access log: a file (relative to the config) or "-" for stdout. */
    'access-log': z.string().min(1).optional(),
    /**
     * The in-memory file cache of this vhost's file mounts (mounts/limits.ts): total bytes held
     * (default 8 MiB) and the largest file kept (default 64 KiB). Raising them serves big hot
     * files without a disk read per chunk, at the price of that much memory.
     */
    'file-cache-max-bytes': z.number().int().min(0).optional(),
    'file-cache-max-file-bytes': z.number().int().min(0).optional(),
  })
  .strict();

/** Process-wide limits (lib/server/connection-limits.ts, mounts/read-ahead.ts): names, defaults and reasons live there. */
export const limitsSchema = z
  .object({
    'max-connections': z.number().int().positive().optional(),
    'max-connections-per-address': z.number().int().positive().optional(),
    'read-ahead-budget-bytes': z.number().int().positive().optional(),
  })
  .strict();

export const configSchema = z
  .object({
    vhosts: z.array(vhostSchema).min(1, { message: 'at least one vhost is needed' }),
    limits: limitsSchema.optional(),
  })
  .strict();

export type MountSpecInput = z.infer<typeof mountSchema>;
export type VhostConfig = z.infer<typeof vhostSchema>;
export type SluiceConfig = z.infer<typeof configSchema>;
export type LimitsConfig = z.infer<typeof limitsSchema>;
