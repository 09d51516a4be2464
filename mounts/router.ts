/**
 * Choosing the mount for a request path, as lws does: a mountpoint matches
 * its own path exactly or as a prefix ending at a `/`; an exact match beats
 * any prefix, and the longest prefix wins. Pure.
 * @module
 */

export interface Match<T> {
  mount: T;
  /** The still-encoded pathname below the mountpoint: '' for the mountpoint itself, else starting with '/'. */
  rest: string;
}

/** A mountpoint without its trailing slash ('/' stays '/'). */
export function normaliseMountpoint(mountpoint: string): string {
  return mountpoint.length > 1 && mountpoint.endsWith('/') ? mountpoint.replace(/\/+$/, '') || '/' : mountpoint;
}

/** The mount for `pathname`, or null when none matches. Mountpoints must be normalised. */
export function selectMount<T extends { mountpoint: string }>(mounts: readonly T[], pathname: string): Match<T> | null {
  let best: T | null = null;
  for (const m of mounts) {
    const mp = m.mountpoint;
    if (pathname === mp) return { mount: m, rest: mp === '/' ? '/' : '' };
    const prefix = mp === '/' ? pathname.startsWith('/') : pathname.startsWith(mp) && pathname[mp.length] === '/';
    if (prefix && (!best || mp.length > best.mountpoint.length)) best = m;
  }
  if (!best) return null;
  return { mount: best, rest: best.mountpoint === '/' ? pathname : pathname.slice(best.mountpoint.length) };
}
