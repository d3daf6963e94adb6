/**
 * A tiny HTTP proxy on 127.0.0.1 in front of an S3 server that injects faults (the one thing tests
 * may fake): `decide` sees each request and either lets it through, answers it with an S3 error,
 * cuts the connection part-way through its body (`{ cut }`), (`{ body }`) answers a GET with
 * other bytes than the object holds, or (`{ drop }`) forwards the request and loses the server's
 * answer: the request took effect, the client sees the connection reset.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  url: string;
  /** How many requests reached the proxy before this one. */
  index: number;
  headers: IncomingHttpHeaders;
}

/**
 * `cut`: the connection is dropped once the request's first body bytes have arrived. `drop`: the
 * server gets the whole request and answers, and the connection is dropped instead of that answer
 * (once `then`, if given, has run: what another writer does meanwhile).
 */
export type FaultDecision = { status: number; code: string } | { body: Buffer } | { cut: true } | { drop: true; then?: () => Promise<void> } | undefined;

export interface FaultProxy {
  endpoint: string;
  /** Requests answered with an injected fault. */
  injected: ProxiedRequest[];
  seen: ProxiedRequest[];
  stop(): Promise<void>;
}

export async function startFaultProxy(target: string, decide: (request: ProxiedRequest) => FaultDecision): Promise<FaultProxy> {
  const upstream = new URL(target);
  const injected: ProxiedRequest[] = [];
  const seen: ProxiedRequest[] = [];
  const server = http.createServer((req, res) => {
    const request = { method: req.method ?? 'GET', url: req.url ?? '/', index: seen.length, headers: req.headers };
    seen.push(request);
    const fault = decide(request);
    if (fault) {
      injected.push(request);
      if ('drop' in fault) {
        const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          answer.resume();
          answer.once('end', () => void (fault.then?.() ?? Promise.resolve()).finally(() => req.socket.destroy()));
        });
        forward.on('error', () => req.socket.destroy());
        req.pipe(forward);
        return;
      }
      if ('cut' in fault) {
        req.once('data', () => req.socket.destroy());
        req.once('end', () => req.socket.destroy());
        return;
      }
      req.resume();
      if ('body' in fault) {
        req.once('end', () => {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(fault.body.length), 'last-modified': new Date().toUTCString(), etag: '"injected"' });
          res.end(fault.body);
        });
        return;
      }
      req.once('end', () => {
        res.writeHead(fault.status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected by the test proxy</Message></Error>`);
      });
      return;
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    seen,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An UploadPart request (PUT with partNumber and uploadId). */
export function isUploadPart(request: ProxiedRequest): boolean {
  return request.method === 'PUT' && /[?&]partNumber=/.test(request.url) && /[?&]uploadId=/.test(request.url);
}
