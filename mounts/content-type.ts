/**
 * Content-Type of a served file: the maintained `mime-types` database, per-mount
 * extra types first, and `charset=utf-8` for text.
 * @module
 */
import path from 'node:path';
import mime from 'mime-types';

const FALLBACK = 'application/octet-stream';

/** Normalise a mount's `extra-mimetypes` keys to lowercase `.ext`. */
export function normaliseExtraTypes(extra: Record<string, string> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [ext, type] of Object.entries(extra ?? {})) out.set((ext.startsWith('.') ? ext : `.${ext}`).toLowerCase(), type);
  return out;
}

/** The Content-Type for `fileName` (its extension decides; unknown is application/octet-stream). */
export function contentTypeFor(fileName: string, extra: Map<string, string> = new Map()): string {
  const ext = path.extname(fileName).toLowerCase();
  const type = extra.get(ext) ?? (mime.lookup(fileName) || FALLBACK);
  if (/;\s*charset=/i.test(type)) return type;
  // mime-types knows which types are text (text/*, JSON, JavaScript...).
  const isText = type.startsWith('text/') || mime.charset(type) !== false;
  return isText ? `${type}; charset=utf-8` : type;
}
