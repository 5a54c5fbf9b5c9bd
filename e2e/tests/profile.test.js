// «Мои данные» in Chromium: register, fill the personal data, enter a wrong СНИЛС and
// follow the error summary to the field, fix it and reach the standard level; the
// history shows the СНИЛС masked; contacts, «Подтвердить личность» and «Ваши данные»
// open — axe-core clean on every page on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKabinet } from '../lib/server.js';
import { launch, axeViolations } from '../lib/browser.js';
import { startMailServer, codeIn } from '../lib/mail.js';

let server;
let mail;
let browser;

before(async () => {
  mail = await startMailServer();
  server = await startKabinet({
    KABINET_SMTP_URL: mail.url,
    KABINET_WORKER_POLL_MS: '50',
    KABINET_PASSWORD_ARGON2_MEMORY_KIB: '1024',
    KABINET_PASSWORD_ARGON2_ITERATIONS: '1',
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await mail?.close();
});

async function accessible(page, label) {
  assert.deepEqual(await axeViolations(page), [], `axe violations on ${label}`);
}

const EMAIL = 'profile.e2e@example.ru';
const PASSWORD = 'тихая лодка плывёт';

test('fill the profile, fix a wrong СНИЛС from the summary, reach the standard level', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url + '/registration');
  const before = mail.messages.length;
  await page.fill('#contact', EMAIL);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  await page.fill('#code', codeIn((await mail.next(before)).text));
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);

  await Promise.all([page.waitForNavigation(), page.click('header a[href="/profile"]')]);
  assert.equal(await page.textContent('h1'), 'Мои данные');
  assert.match(await page.textContent('.notice'), /Упрощённая/);
  await accessible(page, 'profile');

  await Promise.all([page.waitForNavigation(), page.click('a[href="/profile/personal"]')]);
  await accessible(page, 'personal data form');
  await page.fill('#last_name', 'Иванова');
  await page.fill('#first_name', 'Мария');
  await page.fill('#middle_name', 'Петровна');
  await page.fill('#birth_date', '01.02.1990');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.equal(await page.textContent('h1'), 'Мои данные');
  assert.match(await page.textContent('main'), /Иванова/);

  await Promise.all([page.waitForNavigation(), page.click('a[href="/profile/documents"]')]);
  await page.fill('#passport_series', '45 06');
  await page.fill('#passport_number', '654321');
  await page.fill('#passport_issued_on', '15.03.2010');
  await page.fill('#passport_issuer_code', '770-001');
  await page.fill('#snils', '112-233-445 96');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.equal(await page.textContent('#error-summary-title'), 'Есть ошибки');
  const link = page.locator('.error-summary a[href="#snils"]');
  assert.match(await link.textContent(), /контрольное число СНИЛС/);
  assert.equal(await page.getAttribute('#snils', 'aria-invalid'), 'true');
  assert.equal(await page.inputValue('#passport_number'), '654321', 'the passport typed is kept');
  await accessible(page, 'documents with an error');
  await link.click();
  assert.equal(new URL(page.url()).hash, '#snils');

  await page.fill('#snils', '112-233-445 95');
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.equal(await page.textContent('h1'), 'Мои данные');
  assert.match(await page.textContent('.notice'), /Стандартная/);
  assert.match(await page.textContent('main'), /112-233-445 95/);
  await accessible(page, 'profile at the standard level');

  await Promise.all([page.waitForNavigation(), page.click('a[href="/profile/history"]')]);
  const history = await page.textContent('main');
  assert.match(history, /•••-•••-••5 95/);
  assert.ok(!history.includes('112-233-445 95'), 'the СНИЛС is masked in the history');
  assert.match(history, /Стандартная/);
  await accessible(page, 'history');

  for (const [path, label] of [
    ['/profile/addresses', 'addresses form'],
    ['/profile/contacts', 'contacts'],
    ['/profile/identity', 'identity confirmation'],
    ['/profile/data', 'your data'],
  ]) {
    await page.goto(server.url + path);
    await accessible(page, label);
  }

  // Sign out and in again with the СНИЛС as the login.
  await Promise.all([page.waitForNavigation(), page.click('text=Выйти')]);
  await page.fill('#login', '112 233 445 95');
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  assert.notEqual(await page.textContent('h1'), 'Вход');
  await context.close();
});
