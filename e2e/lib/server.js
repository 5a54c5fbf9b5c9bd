// Starts the real kabinet binary on a free port with a fresh SQLite database and
// resolves when it printed its address (no sleeping).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

function binary() {
  if (process.env.KABINET_BIN) return process.env.KABINET_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.resolve(import.meta.dirname, '..', '..', 'target');
  // The newer of the two builds: a stale release build must not shadow a fresh debug one.
  const found = ['release', 'debug']
    .map((profile) => path.join(target, profile, 'kabinet'))
    .filter((candidate) => existsSync(candidate))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (found.length) return found[0];
  throw new Error('kabinet binary not found: run `cargo build` or set KABINET_BIN');
}

export async function startKabinet(env = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'kabinet-e2e-'));
  const childEnv = {
    PATH: process.env.PATH,
    KABINET_LISTEN: '127.0.0.1:0',
    KABINET_LOG_LEVEL: 'warn',
    ...env,
  };
  const child = spawn(binary(), ['serve'], {
    cwd: dir,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      const match = /^kabinet is running at (\S+)/.exec(line);
      match ? resolve(match[1]) : reject(new Error(`unexpected output: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`kabinet exited with ${code}`)));
  });
  return {
    url: url.replace(/\/$/, ''),
    // Runs a command of the same binary on the same data (e.g. `staff create`);
    // returns its standard output, or throws with its error output.
    command(...args) {
      const out = spawnSync(binary(), args, { cwd: dir, env: childEnv, encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`kabinet ${args.join(' ')}: ${out.stderr}`);
      return out.stdout;
    },
    async stop() {
      // A server that already died must not make the test run hang here.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
