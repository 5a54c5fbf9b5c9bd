// A real SMTP server (nodemailer's smtp-server) that keeps what kabinet sends.
import { SMTPServer } from 'smtp-server';

function decodeBody(raw) {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const body = rest.join('\r\n\r\n');
  if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

export async function startMailServer() {
  const messages = [];
  const waiters = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        messages.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, text: decodeBody(raw) });
        waiters.splice(0).forEach((w) => w());
        callback();
      });
    },
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address();
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    // The next message to `to` after `count` messages, waited for without polling.
    async next(count, timeoutMs = 10000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length <= count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no mail arrived');
        await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, left); });
      }
      return messages[count];
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

export function codeIn(text) {
  const m = /(?<!\d)(\d{6})(?!\d)/.exec(text);
  if (!m) throw new Error(`no code in: ${text}`);
  return m[1];
}
