// The applicant's journey through the catalog in Chromium: find a service by a
// misspelt word, open it, fill its form (errors first), check the answers, submit,
// see it in «Мои заявления» — axe-core clean on every page on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKabinet } from '../lib/server.js';
import { launch, axeViolations } from '../lib/browser.js';

let server;
let browser;

before(async () => {
  server = await startKabinet({
    KABINET_DEMO: 'true',
    KABINET_WORKER_POLL_MS: '50',
    KABINET_PASSWORD_ARGON2_MEMORY_KIB: '1024',
    KABINET_PASSWORD_ARGON2_ITERATIONS: '1',
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function accessible(page, label) {
  assert.deepEqual(await axeViolations(page), [], `axe violations on ${label}`);
}

test('find a service by a misspelt word, apply, see it in «Мои заявления»', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();

  // Sign in as the demo applicant.
  await page.goto(server.url + '/login');
  await page.fill('#login', 'demo@example.ru');
  await page.fill('#password', 'демонстрационный вход');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);

  await page.goto(server.url + '/services');
  assert.equal(await page.textContent('h1'), 'Услуги');
  assert.ok((await page.locator('.card').count()) >= 10);
  await accessible(page, 'catalog');

  // «вапрос» for «вопрос»: one wrong letter.
  await page.fill('#q', 'вапрос оператору');
  await Promise.all([page.waitForNavigation(), page.click('form[role=search] button')]);
  const first = page.locator('.cards .card h3 a').first();
  assert.equal(await first.textContent(), 'Вопрос оператору');
  await accessible(page, 'search results');

  await Promise.all([page.waitForNavigation(), first.click()]);
  assert.equal(await page.textContent('h1'), 'Вопрос оператору');
  await accessible(page, 'service page');
  await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
  assert.match(page.url(), /\/applications\/[^/]+\/step\/1$/);
  assert.equal(await page.textContent('h1'), 'Вопрос');
  await accessible(page, 'form step');

  // Errors first: the summary links to the fields, the typed text stays.
  await page.fill('#question', 'кратко');
  await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
  assert.equal(await page.textContent('#error-summary-title'), 'Есть ошибки');
  assert.ok(await page.locator('.error-summary a[href="#topic"]').count());
  assert.ok(await page.locator('.error-summary a[href="#question"]').count());
  assert.equal(await page.inputValue('#question'), 'кратко');
  assert.equal(await page.getAttribute('#topic', 'aria-invalid'), 'true');
  await accessible(page, 'form step with errors');

  await page.selectOption('#topic', 'service');
  await page.fill('#question', 'Когда будет готова справка об обучении?');
  await Promise.all([page.waitForNavigation(), page.click('main form button[type=submit]')]);
  assert.equal(await page.textContent('h1'), 'Проверьте данные');
  assert.ok((await page.textContent('main')).includes('Когда будет готова справка об обучении?'));
  await accessible(page, 'review');

  await Promise.all([page.waitForNavigation(), page.click('#submit')]);
  const heading = await page.textContent('h1');
  const number = /№ (\d{2}-\d{7}-\d)/.exec(heading)?.[1];
  assert.ok(number, heading);
  assert.ok((await page.textContent('.notice')).includes('отправлено'));
  assert.equal(await page.textContent('[data-status]'), 'Принято');
  await accessible(page, 'application');

  await page.goto(server.url + '/applications');
  assert.equal(await page.textContent('h1'), 'Мои заявления');
  assert.equal(await page.textContent('tbody tr td a'), number);
  await accessible(page, 'my applications');
  await page.fill('#number', number.replaceAll('-', ''));
  await Promise.all([page.waitForNavigation(), page.click('form.search-form button')]);
  assert.equal(await page.locator('tbody tr').count(), 1);

  await page.goto(server.url + '/applications/drafts');
  assert.ok((await page.textContent('main')).includes('Черновиков нет'));
  await accessible(page, 'drafts');
  await context.close();
});
