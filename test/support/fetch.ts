/**
 * One request with a real client over a chosen protocol, so response tests
 * can run the same case on HTTP/1.1 and HTTP/2.
 */
import http from 'node:http';
import http2 from 'node:http2';

export type Proto = 'h1' | 'h2';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** How the response ended: 'end', or the error that cut it. */
  ending: 'end' | string;
}

export interface Ask {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export function fetchOver(proto: Proto, port: number, ask: Ask = {}): Promise<Reply> {
  return proto === 'h2' ? viaHttp2(port, ask) : viaHttp1(port, ask);
}

function viaHttp2(port: number, ask: Ask): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    const req = session.request({ ':method': ask.method ?? 'GET', ':path': ask.path ?? '/', ...ask.headers }, { endStream: ask.body === undefined });
    const parts: Buffer[] = [];
    let status = 0;
    let headers: Record<string, string | string[] | undefined> = {};
    const done = (ending: string): void => {
      session.close();
      resolve({ status, headers, body: Buffer.concat(parts), ending });
    };
    req.on('response', (h) => {
      status = Number(h[':status']);
      headers = { ...h };
      delete headers[':status'];
    });
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => done('end'));
    req.on('error', (e: Error & { code?: string }) => (status ? done(e.code ?? e.message) : reject(e)));
    if (ask.body !== undefined) req.end(ask.body);
  });
}

function viaHttp1(port: number, ask: Ask): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: ask.method ?? 'GET', path: ask.path ?? '/', headers: ask.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      const headers: Record<string, string | string[] | undefined> = { ...res.headers };
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(parts), ending: 'end' }));
      res.on('error', (e: Error & { code?: string }) => resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(parts), ending: e.code ?? e.message }));
      res.on('aborted', () => resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(parts), ending: 'aborted' }));
    });
    req.on('error', reject);
    req.end(ask.body);
  });
}
