// The sign-in journey in Chromium: register by e-mail with the code from a real SMTP
// server, sign out, sign in, see the lock after five wrong passwords — axe-core clean
// on every page on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKabinet } from '../lib/server.js';
import { launch, axeViolations } from '../lib/browser.js';
import { startMailServer, codeIn } from '../lib/mail.js';
import { totp } from '../lib/totp.js';

let server;
let mail;
let browser;

before(async () => {
  mail = await startMailServer();
  server = await startKabinet({
    KABINET_SMTP_URL: mail.url,
    KABINET_WORKER_POLL_MS: '50',
    // Cheap hashing for a debug build; bench/ measures the defaults.
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

const EMAIL = 'ivanova.e2e@example.ru';
const PASSWORD = 'тихая лодка плывёт';

test('register, sign out, sign in, turn on TOTP, sign in with it, get locked', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();

  await page.goto(server.url + '/registration');
  assert.equal(await page.textContent('h1'), 'Регистрация');
  await accessible(page, 'registration');

  // Errors first: a summary linked to the fields.
  await page.fill('#contact', 'ivanova@');
  await page.fill('#password', 'коротко');
  await page.click('main button[type=submit]');
  assert.equal(await page.textContent('#error-summary-title'), 'Есть ошибки');
  assert.equal(await page.getAttribute('.error-summary a[href="#password"]', 'href'), '#password');
  assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
  await accessible(page, 'registration with errors');

  const before = mail.messages.length;
  await page.fill('#contact', EMAIL);
  await page.fill('#password', PASSWORD);
  await page.click('main button[type=submit]');
  assert.equal(await page.textContent('h1'), 'Введите код');
  await accessible(page, 'code');
  const message = await mail.next(before);
  assert.deepEqual(message.to, [EMAIL]);
  await page.fill('#code', codeIn(message.text));
  await page.click('main button[type=submit]');

  assert.equal(await page.textContent('h1'), 'Безопасность');
  assert.match(await page.textContent('.summary-list'), /Активен/);
  assert.match(await page.textContent('.summary-list'), /Упрощённая/);
  await accessible(page, 'security');

  await page.click('text=Выйти');
  assert.equal(await page.textContent('h1'), 'Вход');
  assert.match(await page.textContent('.notice'), /Вы вышли/);
  await accessible(page, 'sign-in after sign-out');

  await page.fill('#login', EMAIL.toUpperCase());
  await page.fill('#password', PASSWORD);
  await page.click('main button[type=submit]');
  assert.equal(await page.textContent('h1'), 'Безопасность');

  // Turn on the authenticator app: password again, QR code, first code, recovery codes.
  await page.click('a[href="/security/mfa"]');
  assert.equal(await page.textContent('h1'), 'Приложение-аутентификатор');
  await accessible(page, 'authenticator settings');
  await page.fill('#password', PASSWORD);
  await page.click('main button[type=submit]');
  assert.ok(await page.isVisible('.qr svg'), 'the QR code is drawn on the server');
  await accessible(page, 'authenticator enrolment');
  const secret = (await page.textContent('.secret')).trim();
  await page.fill('#code', totp(secret));
  await page.click('main button[type=submit]');
  assert.equal(await page.locator('.codes li').count(), 10);
  await accessible(page, 'recovery codes');
  await page.click('text=Выйти');

  // Sign in with the second factor (the next 30-second step: a code is accepted once).
  await page.fill('#login', EMAIL);
  await page.fill('#password', PASSWORD);
  await page.click('main button[type=submit]');
  assert.equal(await page.textContent('h1'), 'Двухэтапная проверка');
  await accessible(page, 'second factor');
  await page.fill('#code', '000000');
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('.error-summary'), /Неверный код/);
  await page.fill('#code', totp(secret, Date.now() / 1000 + 30));
  await page.click('main button[type=submit]');
  assert.equal(await page.textContent('h1'), 'Безопасность');
  assert.match(await page.textContent('.summary-list'), /включена/);
  await page.click('text=Выйти');

  for (let i = 0; i < 5; i++) {
    await page.fill('#login', EMAIL);
    await page.fill('#password', 'неправильный пароль');
    await page.click('main button[type=submit]');
    assert.match(await page.textContent('.error-summary'), /Неверный логин или пароль/);
  }
  await page.fill('#login', EMAIL);
  await page.fill('#password', PASSWORD);
  await page.click('main button[type=submit]');
  const summary = await page.textContent('.error-summary');
  assert.match(summary, /временно заблокирован/);
  assert.match(summary, /через 15 мин/);
  await accessible(page, 'locked sign-in');

  // «Разблокировать аккаунт»: a code to the confirmed e-mail lifts the lock.
  await page.click('text=Разблокировать аккаунт');
  assert.equal(await page.textContent('h1'), 'Разблокировать аккаунт');
  await accessible(page, 'unlock');
  const count = mail.messages.length;
  await page.fill('#login', EMAIL);
  await page.click('main button[type=submit]');
  await accessible(page, 'unlock code');
  let unlockMail = await mail.next(count);
  while (!/\d{6}/.test(unlockMail.text)) unlockMail = await mail.next(mail.messages.indexOf(unlockMail) + 1);
  await page.fill('#code', codeIn(unlockMail.text));
  await page.click('main button[type=submit]');
  assert.match(await page.textContent('.notice'), /Блокировка снята/);
  await page.fill('#login', EMAIL);
  await page.fill('#password', PASSWORD);
  await page.click('main button[type=submit]');
  assert.equal(await page.textContent('h1'), 'Двухэтапная проверка');
  await context.close();
});

test('password recovery pages are accessible', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url + '/login');
  await page.click('text=Забыли пароль?');
  assert.equal(await page.textContent('h1'), 'Восстановление пароля');
  await accessible(page, 'recovery');
  await page.fill('#login', 'nobody@example.ru');
  await page.click('main button[type=submit]');
  assert.equal(await page.textContent('h1'), 'Новый пароль');
  await accessible(page, 'recovery confirm');
  await context.close();
});
