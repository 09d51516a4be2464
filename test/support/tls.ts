/**
 * A self-signed certificate for 127.0.0.1/localhost, made with the openssl CLI
 * once per test process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

const cached = new Map<string, TestCert>();

/** A self-signed certificate for `name` (default localhost, which also covers 127.0.0.1). */
export function testCert(name = 'localhost'): TestCert {
  const hit = cached.get(name);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cert-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}${name === 'localhost' ? ',IP:127.0.0.1' : ''}`, '-keyout', keyPath, '-out', certPath],
    { stdio: 'ignore' },
  );
  const made = { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
  cached.set(name, made);
  return made;
}
