/**
 * A throw-away static site for the file-mount tests, built in os.tmpdir():
 * pages, a directory without an index, precompressed siblings, a file larger
 * than the file cache's limit, dotfiles, and symlinks inside and out of the root.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { Test } from 'tap';

export interface Site {
  /** The folder that holds `root` and `outside`. */
  base: string;
  /** The mount directory. */
  root: string;
  /** A folder next to the root that must never be served. */
  outside: string;
  /** 200 KiB of random bytes at /big.bin (above the 64 KiB cache limit: streamed). */
  big: Buffer;
  /** The uncompressed /style.css. */
  css: string;
}

export function makeSite(t: Test): Site {
  const base = mkdtempSync(path.join(os.tmpdir(), 'sluice-site-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  const put = (rel: string, data: string | Buffer): void => {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, data);
  };
  mkdirSync(outside, { recursive: true });
  writeFileSync(path.join(outside, 'secret.txt'), 'TOP SECRET\n');
  const css = 'body { color: rebeccapurple; }\n'.repeat(40);
  const big = randomBytes(200 * 1024);
  put('index.html', '<h1>home</h1>\n');
  put('hello.txt', 'hello world\n');
  put('a b.txt', 'spaced\n');
  put('docs/index.html', '<h1>docs</h1>\n');
  put('docs/guide.html', '<h1>guide</h1>\n');
  mkdirSync(path.join(root, 'empty'), { recursive: true });
  put('data.json', '{"ok":true}\n');
  put('logo.png', Buffer.from('89504e470d0a1a0a', 'hex'));
  put('notes.md', '# notes\n');
  put('style.css', css);
  put('style.css.br', brotliCompressSync(css));
  put('style.css.gz', gzipSync(css));
  put('style.css.zst', Buffer.from('not really zstd, only chosen by name'));
  put('app.js', 'console.log(1);\n'.repeat(50));
  put('app.js.gz', gzipSync('console.log(1);\n'.repeat(50)));
  put('big.bin', big);
  put('empty.txt', '');
  put('.env', 'SECRET=1\n');
  put('.git/config', '[core]\n');
  put('.well-known/security.txt', 'Contact: mailto:security@example.com\n');
  put('404.html', '<h1>not here</h1>\n');
  put('spa.html', '<div id=app></div>\n');
  symlinkSync('hello.txt', path.join(root, 'link-inside.txt'));
  symlinkSync('../outside/secret.txt', path.join(root, 'link-outside.txt'));
  symlinkSync('../outside', path.join(root, 'dir-outside'));
  symlinkSync('/etc/passwd', path.join(root, 'passwd'));
  return { base, root, outside, big, css };
}
