/** A webhook receiver and an SMTP server on 127.0.0.1 for notification tests, each recording what it got. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Webhook {
  url: string;
  bodies: any[];
  close(): Promise<void>;
}

export async function startWebhook(pathname = '/hooks/T0K3N-s3cr3t'): Promise<Webhook> {
  const bodies: any[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      if (req.url === pathname) bodies.push(JSON.parse(text));
      res.writeHead(req.url === pathname ? 200 : 404).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}${pathname}`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface Mail {
  from: string;
  to: string[];
  data: string;
  user?: string;
}

export interface Smtp {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

/** Plain SMTP with AUTH (user `backup`, the given password); STARTTLS off so no certificate is needed. */
export async function startSmtp(password: string): Promise<Smtp> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'backup' && auth.password === password) callback(null, { user: auth.username });
      else callback(new Error('535 authentication failed'));
    },
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
          ...(typeof session.user === 'string' ? { user: session.user } : {}),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on: bound once, then closed. */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
