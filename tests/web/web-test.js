// SPDX-License-Identifier: MIT
// tests/web/web-test.js URL SCREENSHOT: crashd's web page in headless
// Chromium (Debian's chromium, driven by playwright-core): the group list
// shows the crash group, a click opens the crash, the crashing frame's
// locals and source are on the screen, and locals collapse. Prints one
// JSON line with what it saw; exits 1 on a failed check.
'use strict';
const path = require('path');
const fs = require('fs');
const os = require('os');
const { chromium } = require(path.join(process.env.NODE_MODULES || path.join(__dirname, '..', 'node_modules'), 'playwright-core'));

const [url, shot] = process.argv.slice(2);
const SIGNATURE = 'charge | checkout | process';

function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'crashd-web-chromium-'));
  // A fresh profile (--user-data-dir, which playwright passes itself).
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    timeout: 60000,
  });
  const result = {};
  try {
    const page = browser.pages()[0] || await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

    await page.goto(url, { waitUntil: 'load', timeout: 30000 });
    // The token left the address bar for sessionStorage.
    check(!page.url().includes('token='), `the token stays in the URL: ${page.url()}`);
    const row = page.locator('tr.group', { hasText: SIGNATURE });
    await row.first().waitFor({ timeout: 20000 });
    result.groups = await page.locator('tr.group').count();
    result.group_row = (await row.first().innerText()).replace(/\s+/g, ' ').trim();
    check(await row.first().locator('svg.chart rect').count() > 0, 'no chart bars in the group row');

    await page.screenshot({ path: shot.replace(/\.png$/, '') + '-groups.png' });
    await row.first().click();
    await page.locator('section.thread.crashed').first().waitFor({ timeout: 20000 });
    const crashed = page.locator('section.thread.crashed').first();
    const frame0 = crashed.locator('details.frame').first();
    result.frame0 = (await frame0.locator('summary').innerText()).trim();
    check(/#0\s*charge at .*crashme\.c:34/.test(result.frame0), `frame #0: ${result.frame0}`);

    const taxRate = frame0.locator('tr.var', { hasText: 'tax_rate' });
    check(await taxRate.isVisible(), 'tax_rate is not on the screen');
    result.tax_rate = (await taxRate.innerText()).replace(/\s+/g, ' ').trim();
    check(result.tax_rate.includes('0.2'), `tax_rate row: ${result.tax_rate}`);
    const currency = crashed.locator('tr.var', { hasText: 'currency' }).first();
    check(await currency.isVisible(), 'currency is not on the screen');
    result.currency = (await currency.innerText()).replace(/\s+/g, ' ').trim();
    check(result.currency.includes('"EUR"'), `currency row: ${result.currency}`);

    const here = frame0.locator('pre.source span.here');
    check(await here.isVisible(), 'no source line for frame #0');
    result.source_line = (await here.innerText()).trim();
    check(result.source_line.includes('o->customer->balance'), `source line: ${result.source_line}`);
    result.signal = (await page.locator('.facts').innerText()).split('\n').slice(0, 2).join(' ');
    check(result.signal.includes('SIGSEGV'), `facts: ${result.signal}`);
    // Where it crashed (issue 12): this machine's name from the dump.
    const facts = await page.locator('.facts').innerText();
    result.host = (facts.split('\n').find((l, i, a) => a[i - 1] === 'Host') || '').trim();
    check(result.host.startsWith(os.hostname()), `the Host fact: ${result.host} (${facts})`);

    // Locals collapse and expand.
    await frame0.locator('summary').click();
    check(!(await taxRate.isVisible()), 'the locals did not collapse');
    await frame0.locator('summary').click();
    check(await taxRate.isVisible(), 'the locals did not expand again');

    // Monospace frames, as a developer expects.
    result.frame_font = await frame0.locator('summary').evaluate((e) => getComputedStyle(e).fontFamily);
    check(/mono/i.test(result.frame_font), `frames are not monospace: ${result.frame_font}`);

    await page.screenshot({ path: shot, fullPage: true });
    result.screenshot = shot;

    check(errors.length === 0, `errors on the page: ${errors.join('; ')}`);
    // Without the session token the API says 401.
    const status = await page.evaluate(async () => (await fetch('/api/groups')).status);
    check(status === 401, `/api/groups without a token: ${status}`);
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
})().catch((e) => {
  console.log(`FAIL: ${e.message}`);
  process.exit(1);
});
