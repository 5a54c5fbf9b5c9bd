// The back office in Chromium: an applicant submits; an operator (made on the command
// line, first sign-in with a new password and an authenticator app) takes it and asks
// for clarification; the applicant uploads a document; the operator approves, attaches
// the result and completes; the applicant downloads it and sees the history. An
// administrator opens the overview, staff accounts and the audit log. axe-core clean on
// every staff page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKabinet } from '../lib/server.js';
import { launch, axeViolations } from '../lib/browser.js';
import { go, staffPage as newStaffPage } from '../lib/people.js';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n');
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

const staffPage = (email, role) => newStaffPage(server, browser, email, role);

async function accessible(page, label) {
  assert.deepEqual(await axeViolations(page), [], `axe violations on ${label}`);
}

test('an application through the back office and back to the applicant', async () => {
  // The demo applicant files an appeal.
  const applicant = await (await browser.newContext()).newPage();
  await applicant.goto(server.url + '/login');
  await applicant.fill('#login', 'demo@example.ru');
  await applicant.fill('#password', 'демонстрационный вход');
  await go(applicant, applicant.click('main button[type=submit]'));
  // «Настройки уведомлений»: no e-mail about application statuses (the inbox stays).
  await applicant.goto(server.url + '/settings/notifications');
  await accessible(applicant, 'notification settings');
  assert.ok(await applicant.isDisabled('#security\\.email'), 'security cannot be turned off');
  await applicant.uncheck('#application_status\\.email');
  await go(applicant, applicant.click('main form button[type=submit]'));
  assert.match(await applicant.textContent('.notice'), /сохранены/);
  assert.equal(await applicant.isChecked('#application_status\\.email'), false);
  await applicant.goto(server.url + '/services/appeal-question');
  await go(applicant, applicant.click('main form button[type=submit]'));
  await applicant.selectOption('#topic', 'service');
  await applicant.fill('#question', 'Какие документы нужны для справки о составе семьи?');
  await go(applicant, applicant.click('main form button[type=submit]'));
  await go(applicant, applicant.click('#submit'));
  const number = /№ (\d{2}-\d{7}-\d)/.exec(await applicant.textContent('h1'))?.[1];
  assert.ok(number);
  const applicationUrl = applicant.url().replace(/\?.*$/, '');

  // The operator finds it in the queue and takes it.
  const op = await staffPage('operator@kabinet.ru', 'operator');
  await accessible(op, 'staff home');
  await op.goto(server.url + '/staff/applications');
  assert.equal(await op.textContent('h1'), 'Очередь заявлений');
  await accessible(op, 'work queue');
  await go(op, op.click(`text=${number}`));
  await accessible(op, 'application for staff');
  await go(op, op.click('text=Взять в работу'));
  assert.match(await op.textContent('.summary-list'), /В работе/);
  assert.match(await op.textContent('.summary-list'), /Я/);

  // A clarification without a reason is refused with the field named; then with one.
  await go(op, op.click('button[value=needs_clarification]'));
  assert.match(await op.textContent('.error-summary'), /Укажите причину/);
  assert.equal(await op.getAttribute('#reason', 'aria-invalid'), 'true');
  await accessible(op, 'staff form with errors');
  await op.fill('#reason', 'Приложите, пожалуйста, копию свидетельства о рождении ребёнка');
  await go(op, op.click('button[value=needs_clarification]'));
  assert.match(await op.textContent('.summary-list'), /Требуется уточнение/);

  // «Мои сообщения»: the unread counter in the header and the status change.
  await applicant.goto(server.url + '/messages');
  assert.ok(await applicant.isVisible('header .badge'), 'the unread counter');
  assert.match(await applicant.textContent('main'), /Статус заявления изменился/);
  await accessible(applicant, 'my messages');
  const unread = Number((await applicant.textContent('header .badge')).replace(/\D+/g, ''));
  await go(applicant, applicant.locator('.message', { hasText: 'Статус заявления изменился' }).first().locator('button').click());
  assert.equal(applicant.url().replace(/\?.*$/, ''), applicationUrl, '«Открыть» goes to the application');
  const left = (await applicant.locator('header .badge').count()) ? Number((await applicant.textContent('header .badge')).replace(/\D+/g, '')) : 0;
  assert.equal(left, unread - 1);

  // The applicant answers with a document: the application returns to work by itself.
  await applicant.goto(applicationUrl);
  assert.match(await applicant.textContent('main'), /копию свидетельства/);
  await applicant.setInputFiles('#file', { name: 'Свидетельство.pdf', mimeType: 'application/pdf', buffer: PDF });
  await go(applicant, applicant.click('form[action$="/attach"] button'));
  assert.equal(await applicant.textContent('[data-status]'), 'В работе');

  // The operator approves, attaches the result and completes.
  await op.reload();
  assert.match(await op.textContent('main'), /Свидетельство\.pdf/);
  await op.fill('#reason', 'Документы в порядке');
  await go(op, op.click('button[value=approved]'));
  await op.setInputFiles('#file', { name: 'Ответ.pdf', mimeType: 'application/pdf', buffer: PDF });
  await go(op, op.click('form[action$="/result"] button'));
  await accessible(op, 'approved application for staff');
  await go(op, op.click('button[value=completed]'));
  assert.match(await op.textContent('.summary-list'), /Завершено/);

  // The applicant downloads the result and sees the whole history.
  await applicant.goto(applicationUrl);
  assert.equal(await applicant.textContent('[data-status]'), 'Завершено');
  const href = await applicant.getAttribute('a.button', 'href');
  const res = await applicant.request.get(server.url + href);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-disposition'], /^attachment/);
  assert.ok((await res.body()).subarray(0, 5).equals(Buffer.from('%PDF-')));
  const history = await applicant.locator('table tbody tr').allTextContents();
  assert.ok(history.length >= 6, history.join('\n'));
  assert.ok(history.some((row) => row.includes('Требуется уточнение') && row.includes('свидетельства')));
  await accessible(applicant, 'completed application');

  // «Обратная связь» from the footer: a ticket, the operator answers, the person sees it.
  await go(applicant, applicant.click('footer a[href="/feedback"]'));
  assert.equal(await applicant.textContent('h1'), 'Обратная связь');
  await accessible(applicant, 'feedback');
  await go(applicant, applicant.click('main form button[type=submit]'));
  assert.match(await applicant.textContent('.error-summary'), /Заполните|Слишком/);
  await accessible(applicant, 'feedback with errors');
  await applicant.fill('#subject', 'Справка о составе семьи');
  await applicant.fill('#text', 'Нужна ли справка о составе семьи для субсидии?');
  await go(applicant, applicant.click('main form button[type=submit]'));
  const ticket = /№ (ОБР-\d{2}-\d{6})/.exec(await applicant.textContent('h1'))?.[1];
  assert.ok(ticket);
  const ticketUrl = applicant.url();
  await accessible(applicant, 'ticket');
  await op.goto(server.url + '/staff/support');
  await accessible(op, 'support queue');
  await go(op, op.click(`text=${ticket}`));
  await accessible(op, 'ticket for staff');
  await op.fill('#text', 'Нет, для субсидии справка о составе семьи не нужна.');
  await go(op, op.click('form[action$="/answer"] button[type=submit]'));
  assert.match(await op.textContent('.summary-list'), /Дан ответ/);
  await applicant.goto(server.url + '/support');
  assert.match(await applicant.textContent('table'), /Дан ответ/);
  await accessible(applicant, 'my tickets');
  await applicant.goto(ticketUrl);
  assert.match(await applicant.textContent('main'), /справка о составе семьи не нужна/);

  // An administrator: overview with its chart, staff accounts, the audit log.
  const admin = await staffPage('admin@kabinet.ru', 'admin');
  await admin.goto(server.url + '/staff/overview');
  assert.ok(await admin.isVisible('svg[role=img]'));
  assert.match(await admin.textContent('figcaption'), /исполнено: 1/);
  await accessible(admin, 'overview');
  await admin.goto(server.url + '/staff/accounts');
  assert.match(await admin.textContent('table'), /operator@kabinet\.ru/);
  await accessible(admin, 'staff accounts');
  await admin.goto(server.url + '/staff/audit?action=application.viewed');
  assert.match(await admin.textContent('table'), /application\.viewed/);
  await accessible(admin, 'audit log');
  await admin.goto(server.url + '/staff/broadcasts');
  await admin.fill('#title', 'Новые услуги');
  await admin.fill('#text', 'В каталоге появились услуги нотариата.');
  await go(admin, admin.click('main form button[type=submit]'));
  assert.match(await admin.textContent('table'), /Новые услуги/);
  await accessible(admin, 'broadcasts');
  await admin.goto(server.url + '/staff/organizations');
  await accessible(admin, 'organisation verification');
  await applicant.goto(server.url + '/organizations');
  assert.equal(await applicant.textContent('h1'), 'Мои организации');
  await accessible(applicant, 'my organisations');
  // The operator may not open the administrator's pages.
  const denied = await op.goto(server.url + '/staff/accounts');
  assert.equal(denied.status(), 403);
});
