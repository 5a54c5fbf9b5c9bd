// Organisations in Chromium (ORG-1, ORG-2): a confirmed person registers a legal
// entity on «Мои организации»; an operator verifies it in the back office; the
// director invites a colleague as operator and another as observer (codes by e-mail
// from a real SMTP server); the colleague accepts, switches to «Войти как
// организация» and files an application for the organisation; the observer sees it
// but can neither comment nor file one. axe-core clean on every page on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKabinet } from '../lib/server.js';
import { launch, axeViolations } from '../lib/browser.js';
import { startMailServer } from '../lib/mail.js';
import { go, staffPage, registered, api } from '../lib/people.js';

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

// The director invites `email` with `role`; the invitee enters the e-mailed code.
async function invite(director, orgUrl, invitee, email, role) {
  await director.goto(orgUrl);
  const count = mail.messages.length;
  await director.fill('#contact', email);
  await director.selectOption('#role', role);
  await go(director, director.click('form[action$="/invite"] button'));
  let message = await mail.next(count);
  for (let n = count + 1; !message.to.includes(email); n += 1) message = await mail.next(n);
  const code = /Код приглашения: ([A-Z0-9]{10})/.exec(message.text)?.[1];
  assert.ok(code, message.text);
  await invitee.goto(server.url + '/organizations');
  await invitee.fill('#code', code);
  await go(invitee, invitee.click('button[value=accept]'));
  assert.equal(invitee.url(), orgUrl);
}

test('an organisation: registered, verified, a colleague files for it, an observer only reads', async () => {
  // The director: registered by e-mail, personal data, identity confirmed by staff.
  const director = await registered(server, browser, mail, 'director@example.ru');
  const profile = await api(director, 'PATCH', '/api/v1/me', {
    last_name: 'Смирнова', first_name: 'Анна', birth_date: '01.02.1985', snils: '112-233-445 95', inn: '500100732259',
    passport: { series: '45 06', number: '654321', issued_on: '15.03.2010', issuer_code: '770-001' },
  });
  assert.equal(profile.status, 200, JSON.stringify(profile.body));
  const op = await staffPage(server, browser, 'operator@kabinet.ru', 'operator');
  const confirmed = await api(op, 'POST', `/api/v1/staff/accounts/${profile.session.account_id}/confirm-identity`, { method: 'in_person' });
  assert.equal(confirmed.status, 200);

  // «Мои организации»: the form refuses an ОГРНИП for a legal entity, with the field named.
  await director.goto(server.url + '/organizations');
  await accessible(director, 'my organisations (empty)');
  await director.check('#kind');
  await director.fill('#inn', '7707083893');
  await director.fill('#ogrn', '304500116000157');
  await director.fill('#kpp', '773601001');
  await director.fill('#full_name', 'Общество с ограниченной ответственностью «Ромашка»');
  await director.fill('#short_name', 'ООО «Ромашка»');
  await director.fill('#legal_address', '123456, г. Москва, ул. Тверская, д. 1');
  await director.fill('#registered_on', '15.03.2012');
  await director.fill('#responsible', 'Смирнова А. В., генеральный директор');
  await director.fill('#contact_email', 'office@romashka.example');
  await go(director, director.click('form[action="/organizations"] button'));
  assert.match(await director.textContent('.error-summary'), /ОГРН/);
  assert.equal(await director.getAttribute('#ogrn', 'aria-invalid'), 'true');
  await accessible(director, 'organisation form with errors');
  await director.fill('#ogrn', '1027700132195');
  await go(director, director.click('form[action="/organizations"] button'));
  assert.equal(await director.textContent('h1'), 'Информация об организации');
  const orgUrl = director.url();
  assert.match(await director.textContent('.summary-list'), /На проверке/);

  // Staff verify it.
  await op.goto(server.url + '/staff/organizations');
  assert.match(await op.textContent('main'), /Ромашка/);
  await accessible(op, 'organisation verification');
  await go(op, op.click('text=Подтвердить организацию'));
  await director.reload();
  assert.match(await director.textContent('.summary-list'), /Подтверждена/);
  await accessible(director, 'the organisation card');

  // The colleague (operator) and the observer join by invitation.
  const colleague = await registered(server, browser, mail, 'colleague@example.ru');
  const observer = await registered(server, browser, mail, 'observer@example.ru');
  await invite(director, orgUrl, colleague, 'colleague@example.ru', 'operator');
  await invite(director, orgUrl, observer, 'observer@example.ru', 'observer');
  await director.goto(orgUrl);
  assert.match(await director.textContent('#members ~ table'), /Оператор/);
  assert.match(await director.textContent('main'), /Приглашение принято/, '«История изменений»');

  // The colleague acts for the organisation and files an appeal for it.
  await colleague.goto(server.url + '/organizations');
  await accessible(colleague, 'my organisations with the switch');
  await go(colleague, colleague.click('form[action$="/act"] button'));
  assert.match(await colleague.textContent('.context-bar'), /Вы действуете от имени организации «ООО «Ромашка»»/);
  await accessible(colleague, 'the organisation\'s applications');
  await colleague.goto(server.url + '/services/appeal-question');
  await go(colleague, colleague.click('main form button[type=submit]'));
  await colleague.selectOption('#topic', 'service');
  await colleague.fill('#question', 'Как получить справку об отсутствии задолженности для организации?');
  await go(colleague, colleague.click('main form button[type=submit]'));
  await go(colleague, colleague.click('#submit'));
  const number = /№ (\d{2}-\d{7}-\d)/.exec(await colleague.textContent('h1'))?.[1];
  assert.ok(number);
  assert.match(await colleague.textContent('main'), /Заявление организации «ООО «Ромашка»»/);
  await accessible(colleague, 'the organisation\'s application');
  const applicationUrl = colleague.url().replace(/\?.*$/, '');

  // As a private person the colleague does not see it; back in the context, yes.
  await go(colleague, colleague.click('.context-bar button'));
  assert.match(await colleague.textContent('.context-bar'), /Вы действуете как частное лицо/);
  assert.doesNotMatch(await colleague.textContent('main'), new RegExp(number));
  assert.equal((await colleague.goto(applicationUrl)).status(), 404);

  // The observer sees it, read only, and cannot file for the organisation.
  await observer.goto(server.url + '/organizations');
  await go(observer, observer.click('form[action$="/act"] button'));
  assert.match(await observer.textContent('main'), new RegExp(number));
  await observer.goto(applicationUrl);
  assert.match(await observer.textContent('main'), /Наблюдатель/);
  assert.equal(await observer.locator('textarea#text').count(), 0, 'no comment form');
  await accessible(observer, 'the application for an observer');
  await observer.goto(server.url + '/services/appeal-question');
  const refused = await Promise.all([observer.waitForNavigation(), observer.click('main form button[type=submit]')]);
  assert.equal(refused[0].status(), 403);
  assert.match(await observer.textContent('main'), /Ваша роль в организации этого не позволяет/);

  // The director asks to change the КПП; staff see current and proposed.
  await director.goto(orgUrl);
  await director.fill('#kpp', '773601002');
  await director.fill('#reason', 'Переезд в другой район');
  await go(director, director.click('form[action$="/change-request"] button'));
  assert.match(await director.textContent('main'), /На рассмотрении/);
  await accessible(director, 'the card with a change request');
  await op.goto(server.url + '/staff/organizations');
  assert.match(await op.textContent('main'), /КПП 773601002/);
  await accessible(op, 'identifier change requests');
});
