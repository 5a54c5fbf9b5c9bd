// People for the journeys: a member of staff made on the command line (first sign-in
// with a new password and an authenticator app) and an applicant registered by e-mail
// with the code from the real SMTP server.
import assert from 'node:assert/strict';
import { totp } from './totp.js';
import { codeIn } from './mail.js';

export async function go(page, action) {
  await Promise.all([page.waitForNavigation(), action]);
}

// A staff member made on the command line, signed in for the first time: a new
// password, then the authenticator app (staff cannot work without one).
export async function staffPage(server, browser, email, role) {
  const out = server.command('staff', 'create', '--email', email, '--role', role).trim().split('\n');
  const oneTime = out[out.length - 1].trim();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.url + '/login');
  await page.fill('#login', email);
  await page.fill('#password', oneTime);
  await go(page, page.click('main button[type=submit]'));
  await page.goto(server.url + '/security/password');
  const password = 'пароль сотрудника надёжный';
  await page.fill('#current_password', oneTime);
  await page.fill('#new_password', password);
  await go(page, page.click('main button[type=submit]'));
  await page.goto(server.url + '/staff');
  assert.match(await page.textContent('main'), /приложение-аутентификатор/, 'staff need TOTP first');
  await page.goto(server.url + '/security/mfa');
  await page.fill('#password', password);
  await go(page, page.click('main form button[type=submit]'));
  const secret = (await page.textContent('.secret')).trim();
  await page.fill('#code', totp(secret));
  await go(page, page.click('main form button[type=submit]'));
  await page.goto(server.url + '/staff');
  assert.equal(await page.textContent('h1'), 'Рабочее место');
  return page;
}

// An applicant registered on the registration page with the e-mailed code.
export async function registered(server, browser, mail, email) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(server.url + '/registration');
  const count = mail.messages.length;
  await page.fill('#contact', email);
  await page.fill('#password', 'тихая лодка плывёт');
  await go(page, page.click('main form button[type=submit]'));
  await page.fill('#code', codeIn((await mail.next(count)).text));
  await go(page, page.click('main form button[type=submit]'));
  assert.equal(await page.textContent('h1'), 'Безопасность');
  return page;
}

// A JSON API call from a page's session (its cookie and CSRF token).
export async function api(page, method, path, body) {
  const base = new URL(page.url()).origin;
  const session = await (await page.request.get(base + '/api/v1/session')).json();
  const response = await page.request.fetch(base + path, {
    method,
    headers: { 'X-CSRF-Token': session.csrf_token, 'Content-Type': 'application/json' },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status(), body: await response.json().catch(() => null), session };
}
