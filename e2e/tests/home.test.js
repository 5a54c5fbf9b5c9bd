// The first journey: the home page in Russian, keyboard navigation, and axe-core clean
// on every page that exists so far.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKabinet } from '../lib/server.js';
import { launch, axeViolations } from '../lib/browser.js';

let server;
let browser;

// axe-core needs pages made from an explicit context.
async function newPage(options = {}) {
  const context = await browser.newContext(options);
  return context.newPage();
}

before(async () => {
  server = await startKabinet({ KABINET_DEMO: 'true' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the home page is in Russian and accessible', async () => {
  const page = await newPage();
  const response = await page.goto(server.url + '/');
  assert.equal(response.status(), 200);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.equal(await page.textContent('h1'), 'Личный кабинет');
  assert.match(await page.title(), /Личный кабинет/);
  assert.deepEqual(await axeViolations(page), []);
  await page.context().close();
});

test('the skip link is the first stop and moves focus to the content', async () => {
  const page = await newPage();
  await page.goto(server.url + '/');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
  assert.equal(focused, 'Перейти к основному содержанию');
  assert.ok(await page.isVisible('.skip-link'), 'the focused skip link is visible');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => location.hash), '#main');
  await page.context().close();
});

test('the page fits a 360 px screen without horizontal scrolling', async () => {
  const page = await newPage({ viewport: { width: 360, height: 740 } });
  await page.goto(server.url + '/api/docs');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page overflows by ${overflow}px`);
  await page.context().close();
});

for (const [name, path, status] of [
  ['the API documentation page', '/api/docs', 200],
  ['the not-found page', '/no/such/page', 404],
]) {
  test(`${name} is accessible`, async () => {
    const page = await newPage();
    const response = await page.goto(server.url + path);
    assert.equal(response.status(), status);
    assert.equal(await page.getAttribute('html', 'lang'), 'ru');
    assert.deepEqual(await axeViolations(page), []);
    await page.context().close();
  });
}
