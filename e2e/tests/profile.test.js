// «Мои данные» in Chromium: register by e-mail (the code from a real SMTP server), open
// «Мои данные» from the header, fill the personal data, enter a wrong СНИЛС and follow
// the error summary to the field, fix it and reach the standard level; the history
// shows the СНИЛС masked and the level change; addresses round-trip (errors first);
// sign out and sign in by СНИЛС — axe-core clean on every page on the way.
//
// The tests run in order and share one signed-in page: each is a step of one journey.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKabinet } from '../lib/server.js';
import { launch, axeViolations } from '../lib/browser.js';
import { startMailServer, codeIn } from '../lib/mail.js';

let server;
let mail;
let browser;
let context;
let page;

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
  context = await browser.newContext();
  page = await context.newPage();
});

after(async () => {
  await context?.close();
  await browser?.close();
  await server?.stop();
  await mail?.close();
});

async function accessible(label) {
  assert.deepEqual(await axeViolations(page), [], `axe violations on ${label}`);
}

// Does what navigates (a click, a submit) and waits for the new page; resolves to the
// response of the page that was loaded (after redirects).
async function navigate(action) {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

// «Изменить» of one section of the overview.
const editLink = (section) => page.getByRole('link', { name: new RegExp(`^Изменить\\s*:\\s*${section}$`) });

const submit = () => navigate(() => page.click('main form button[type=submit]'));

// The overview's summary lists as { 'Фамилия': 'Иванова', … }.
async function summary() {
  return page.$$eval('main .summary-list > div', (rows) =>
    Object.fromEntries(rows.map((r) => [r.querySelector('dt').textContent.trim(), r.querySelector('dd').textContent.trim()])));
}

// «История изменений» as rows of [Когда, Что изменилось, Было, Стало, Кто изменил].
async function historyRows() {
  return page.$$eval('main table tbody tr', (rows) =>
    rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent.trim())));
}

const EMAIL = 'profile.e2e@example.ru';
const PASSWORD = 'тихая лодка плывёт';
const WRONG_SNILS = '112-233-445 96';
const SNILS = '112-233-445 95';
const PASSPORT = {
  passport_series: '45 06',
  passport_number: '123456',
  passport_issued_on: '15.03.2010',
  passport_issuer_code: '770-001',
};

test('register by e-mail and open «Мои данные» from the header: the simplified level', async () => {
  await page.goto(server.url + '/registration');
  const count = mail.messages.length;
  await page.fill('#contact', EMAIL);
  await page.fill('#password', PASSWORD);
  await submit();
  assert.equal(await page.textContent('h1'), 'Введите код');
  const message = await mail.next(count);
  assert.deepEqual(message.to, [EMAIL]);
  await page.fill('#code', codeIn(message.text));
  await submit();
  assert.equal(await page.textContent('h1'), 'Безопасность');

  const response = await navigate(() =>
    page.getByRole('banner').getByRole('link', { name: 'Мои данные', exact: true }).click());
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/profile');
  assert.equal(await page.textContent('h1'), 'Мои данные');
  const status = await page.textContent('main .notice');
  assert.match(status, /Уровень учётной записи:\s*Упрощённая/);
  assert.match(status, /укажите: фамилию и имя, дату рождения, СНИЛС, паспорт\./);
  for (const heading of ['Личные данные', 'Документы', 'Адреса']) {
    assert.equal(await page.getByRole('heading', { level: 2, name: heading, exact: true }).count(), 1, heading);
    // «Изменить» carries the section in a visually hidden part of its name (Chromium
    // puts a space before the colon: the hidden span is absolutely positioned).
    assert.equal(await editLink(heading).count(), 1, `Изменить: ${heading}`);
  }
  assert.equal(await page.getByRole('link', { name: 'История изменений', exact: true }).count(), 1);
  assert.equal((await summary())['Фамилия'], '—');
  await accessible('profile (simplified)');
});

test('personal data: saved and shown on «Мои данные», still simplified', async () => {
  await navigate(() => editLink('Личные данные').click());
  assert.equal(new URL(page.url()).pathname, '/profile/personal');
  assert.equal(await page.textContent('h1'), 'Личные данные');
  for (const [id, label] of [['last_name', 'Фамилия'], ['first_name', 'Имя'], ['middle_name', 'Отчество'], ['birth_date', 'Дата рождения']]) {
    assert.equal(await page.getByLabel(label, { exact: true }).getAttribute('id'), id);
  }
  await accessible('personal data form');

  await page.getByLabel('Фамилия', { exact: true }).fill('Иванова');
  await page.getByLabel('Имя', { exact: true }).fill('Мария');
  await page.getByLabel('Отчество', { exact: true }).fill('Петровна');
  await page.getByLabel('Дата рождения', { exact: true }).fill('01.02.1990');
  const response = await submit();
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/profile');
  const shown = await summary();
  assert.equal(shown['Фамилия'], 'Иванова');
  assert.equal(shown['Имя'], 'Мария');
  assert.equal(shown['Отчество'], 'Петровна');
  assert.equal(shown['Дата рождения'], '01.02.1990');
  const status = await page.textContent('main .notice');
  assert.match(status, /Упрощённая/);
  assert.match(status, /укажите: СНИЛС, паспорт\./);

  // The form shows what was saved.
  await navigate(() => editLink('Личные данные').click());
  assert.equal(await page.inputValue('#last_name'), 'Иванова');
  assert.equal(await page.inputValue('#birth_date'), '01.02.1990');
  await navigate(() => page.click('main a[href="/profile"]'));
  assert.equal(await page.textContent('h1'), 'Мои данные');
});

test('documents: a wrong СНИЛС comes back with a linked summary and everything typed kept', async () => {
  await navigate(() => editLink('Документы').click());
  assert.equal(new URL(page.url()).pathname, '/profile/documents');
  assert.equal(await page.textContent('h1'), 'Документы');
  assert.equal(await page.textContent('main fieldset legend'), 'Паспорт гражданина РФ');
  for (const id of Object.keys(PASSPORT)) assert.equal(await page.locator(`main fieldset #${id}`).count(), 1, id);
  assert.equal(await page.getByLabel('СНИЛС', { exact: true }).getAttribute('id'), 'snils');
  assert.equal(await page.getByLabel('ИНН', { exact: true }).getAttribute('id'), 'inn');
  await accessible('documents form');

  for (const [id, value] of Object.entries(PASSPORT)) await page.fill(`#${id}`, value);
  await page.fill('#snils', WRONG_SNILS);
  const response = await submit();
  assert.equal(response.status(), 422);
  assert.equal(new URL(page.url()).pathname, '/profile/documents');

  const box = page.locator('div#error-summary');
  assert.equal(await box.getAttribute('role'), 'alert');
  assert.equal(await page.textContent('#error-summary-title'), 'Есть ошибки');
  const links = box.locator('a');
  assert.equal(await links.count(), 1, 'only the СНИЛС is wrong');
  assert.equal(await links.first().getAttribute('href'), '#snils');
  assert.match(await links.first().textContent(), /контрольное число СНИЛС/);
  // The message next to the field, tied to it, and the field marked invalid.
  assert.match(await page.textContent('#snils-error'), /контрольное число СНИЛС/);
  assert.equal(await page.getAttribute('#snils', 'aria-invalid'), 'true');
  assert.match(await page.getAttribute('#snils', 'aria-describedby'), /\bsnils-error\b/);
  assert.equal(await page.getAttribute('#passport_number', 'aria-invalid'), null);
  // Everything typed is kept.
  for (const [id, value] of Object.entries(PASSPORT)) assert.equal(await page.inputValue(`#${id}`), value, id);
  assert.equal(await page.inputValue('#snils'), WRONG_SNILS);
  await accessible('documents with an error');

  // The summary link takes the keyboard to the field.
  await links.first().click();
  await page.waitForURL((url) => url.hash === '#snils');
  assert.equal(new URL(page.url()).hash, '#snils');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'snils');
});

test('documents: the fixed СНИЛС gives the standard level', async () => {
  await page.fill('#snils', SNILS);
  const response = await submit();
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/profile');
  const status = await page.textContent('main .notice');
  assert.match(status, /Уровень учётной записи:\s*Стандартная/);
  assert.doesNotMatch(status, /укажите:/);
  const shown = await summary();
  assert.equal(shown['Паспорт гражданина РФ'], 'серия 45 06 № 123456, выдан 15.03.2010, код подразделения 770-001');
  assert.equal(shown['СНИЛС'], SNILS);
  assert.equal(shown['ИНН'], '—');
  assert.equal(shown['Фамилия'], 'Иванова');
  assert.equal(await page.getByRole('link', { name: 'Подтвердить личность' }).count(), 1);
  await accessible('profile (standard)');
});

test('«История изменений» shows the СНИЛС masked and the level change', async () => {
  const response = await navigate(() => page.getByRole('link', { name: 'История изменений', exact: true }).click());
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/profile/history');
  assert.equal(await page.textContent('h1'), 'История изменений');
  const headers = await page.$$eval('main table thead th', (ths) => ths.map((th) => th.textContent.trim()));
  assert.deepEqual(headers, ['Когда', 'Что изменилось', 'Было', 'Стало', 'Кто изменил']);

  const rows = await historyRows();
  const byField = (field) => rows.filter((r) => r[1] === field);
  for (const [field, value] of [['Фамилия', 'Иванова'], ['Имя', 'Мария'], ['Отчество', 'Петровна'], ['Дата рождения', '01.02.1990']]) {
    assert.deepEqual(byField(field).map((r) => r.slice(2)), [['—', value, 'Вы']], field);
  }
  const snils = byField('СНИЛС');
  assert.equal(snils.length, 1, 'one СНИЛС row: the wrong one was never saved');
  assert.equal(snils[0][2], '—');
  assert.match(snils[0][3], /5 95$/);
  assert.match(snils[0][3], /•/);
  assert.equal(snils[0][4], 'Вы');
  const passport = byField('Паспорт');
  assert.equal(passport.length, 1);
  assert.match(passport[0][3], /3456$/);
  assert.doesNotMatch(passport[0][3], /123456/);
  assert.deepEqual(byField('Уровень учётной записи').map((r) => r.slice(2)), [['Упрощённая', 'Стандартная', 'Проверка в реестре']]);

  const text = await page.textContent('main');
  for (const secret of [SNILS, '11223344595', '112-233-445', '123456']) {
    assert.ok(!text.includes(secret), `the history does not show ${secret}`);
  }
  await accessible('history');
});

test('addresses: a wrong postal code comes back linked, then the address is saved', async () => {
  await page.goto(server.url + '/profile');
  await navigate(() => editLink('Адреса').click());
  assert.equal(new URL(page.url()).pathname, '/profile/addresses');
  assert.equal(await page.textContent('h1'), 'Адреса');
  assert.deepEqual(await page.$$eval('main fieldset legend', (ls) => ls.map((l) => l.textContent)), ['Адрес регистрации', 'Почтовый адрес']);
  for (const prefix of ['registration_address', 'postal_address']) {
    for (const part of ['postal_code', 'region', 'city', 'street', 'house', 'flat', 'line']) {
      assert.equal(await page.locator(`#${prefix}_${part}`).count(), 1, `${prefix}_${part}`);
    }
  }
  await accessible('addresses form');

  await page.fill('#registration_address_postal_code', '1010');
  await page.fill('#registration_address_region', 'г. Москва');
  await page.fill('#registration_address_city', 'Москва');
  await page.fill('#registration_address_street', 'ул. Тверская');
  await page.fill('#registration_address_house', '1');
  await page.fill('#registration_address_flat', '10');
  let response = await submit();
  assert.equal(response.status(), 422);
  const link = page.locator('#error-summary a');
  assert.equal(await link.count(), 1);
  assert.equal(await link.getAttribute('href'), '#registration_address_postal_code');
  assert.match(await link.textContent(), /6 цифр/);
  assert.equal(await page.getAttribute('#registration_address_postal_code', 'aria-invalid'), 'true');
  assert.equal(await page.inputValue('#registration_address_street'), 'ул. Тверская');
  await accessible('addresses with an error');

  await page.fill('#registration_address_postal_code', '101000');
  response = await submit();
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/profile');
  const shown = await summary();
  assert.equal(shown['Адрес регистрации'], '101000, г. Москва, Москва, ул. Тверская, д. 1, кв. 10');
  assert.equal(shown['Почтовый адрес'], '—');
  assert.match(await page.textContent('main .notice'), /Стандартная/);
});

test('the other «Мои данные» pages are accessible', async () => {
  for (const [path, label] of [
    ['/profile/contacts', 'contacts'],
    ['/profile/identity', 'identity confirmation'],
    ['/profile/data', 'your data'],
  ]) {
    const response = await page.goto(server.url + path);
    assert.equal(response.status(), 200, path);
    await accessible(label);
  }
});

test('sign out, sign in with the СНИЛС as the login', async () => {
  await page.goto(server.url + '/profile');
  await navigate(() => page.getByRole('button', { name: 'Выйти' }).click());
  assert.equal(await page.textContent('h1'), 'Вход');

  await page.fill('#login', SNILS);
  await page.fill('#password', PASSWORD);
  await submit();
  assert.equal(await page.textContent('h1'), 'Безопасность');
  await navigate(() => page.getByRole('banner').getByRole('link', { name: 'Мои данные', exact: true }).click());
  assert.equal((await summary())['СНИЛС'], SNILS);
  assert.match(await page.textContent('main .notice'), /Стандартная/);
});
