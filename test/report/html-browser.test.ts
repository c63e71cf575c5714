import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderHtml } from '../../src/report/html-report.ts';
import { hostileRun, sampleRun } from './fixtures.ts';

/** Debian's chromium (ARCHITECTURE.md); without it these tests are skipped, saying so. */
const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium)`;

interface Shot {
  readonly png: Buffer;
  /** Chromium's log: console messages, CSP violations among them. */
  readonly log: string;
}

/** Loads the file in headless Chromium, logging the console, and takes a screenshot. */
async function screenshot(file: string, png: string): Promise<Shot> {
  const child = spawn(
    CHROMIUM,
    ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--hide-scrollbars', '--enable-logging=stderr', '--v=0', '--window-size=1200,2400', `--screenshot=${png}`, pathToFileURL(file).href],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (log += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (log += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    await once(child, 'close');
  } finally {
    clearTimeout(timer);
  }
  assert.equal(child.exitCode, 0, log);
  return { png: readFileSync(png), log };
}

describe('HTML report in a browser', { skip }, () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kw-report-browser-'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('notices a blocked load: the check below can fail', async () => {
    const file = join(dir, 'control.html');
    const csp = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`;
    writeFileSync(file, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">${csp}<title>c</title></head><body><img src="http://127.0.0.1:9/x.png" alt=""></body></html>`);
    const { log } = await screenshot(file, join(dir, 'control.png'));
    assert.match(log, /Content Security Policy/);
  });

  it('renders the report, hostile names included, without trying to load or run anything', async () => {
    for (const [name, run] of [
      ['sample', sampleRun()],
      ['hostile', hostileRun()],
    ] as const) {
      const file = join(dir, `${name}.html`);
      writeFileSync(file, renderHtml(run));
      const { png, log } = await screenshot(file, join(dir, `${name}.png`));
      assert.deepEqual(png.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'a PNG');
      assert.equal(png.readUInt32BE(16), 1200, 'as wide as the window');
      assert.ok(png.length > 50_000, `a page with content, not a blank one (${png.length} bytes)`);
      assert.doesNotMatch(log, /Content Security Policy|Uncaught|CONSOLE/, `${name}: nothing blocked, nothing logged`);
    }
  });
});
