### Каталог услуг, формы и заявления.

nav-services = Услуги
breadcrumbs = Путь по разделам
page-services-title = Услуги
page-services-search = Найти услугу
page-services-search-hint = Например: справка об обучении, пособие на ребёнка, нотариус
page-services-find = Найти
page-services-results = Найдено по запросу «{ $q }»
page-services-nothing = Ничего не нашлось. Попробуйте другие слова или выберите услугу в разделах ниже.
page-services-all = Все услуги
page-services-empty = Каталог пока пуст.
service-who = Кто может подать
service-level = Нужный уровень учётной записи
service-time = Срок
service-days = { $days } раб. дн.
service-fee = Стоимость
service-result = Результат
service-documents = Что приложить
service-document-required = обязательно
service-document-optional = по желанию
service-document-size = до { $mb } МБ
service-apply = Получить услугу
service-apply-login = Войдите, чтобы получить услугу
service-applicant-individual = физические лица
service-applicant-organisation = организации и ИП

form-required = Заполните это поле
form-checkbox-required = Отметьте, чтобы продолжить
form-too-short = Слишком коротко — добавьте подробностей
form-too-long = Слишком длинно — сократите текст
form-number = Введите число, например 3 или 1500,50
form-number-too-small = Число меньше допустимого
form-number-too-big = Число больше допустимого
form-date = Введите дату в виде ДД.ММ.ГГГГ
form-date-not-real = Такой даты нет в календаре — проверьте день и месяц
form-date-future = Дата не может быть в будущем
form-select = Выберите один из вариантов
form-passport = Серия и номер паспорта — 10 цифр, например 45 06 123456

## Заявления

form-unknown-field = В форме услуги нет такого поля
application-organisations-only = Эту услугу получают только организации
application-individuals-only = Эту услугу получают только граждане: вернитесь в личный кабинет частного лица
application-needs-confirmed = Для этой услуги нужна подтверждённая учётная запись: подтвердите личность в разделе «Мои данные»
application-needs-standard = Для этой услуги нужна стандартная учётная запись: заполните ФИО, дату рождения, СНИЛС и паспорт в разделе «Мои данные»
application-not-draft = Заявление уже отправлено — изменить его нельзя
application-document-required = Приложите этот документ
application-document-kind = Такого документа в услуге нет
application-changed-meanwhile = Заявление только что изменилось. Обновите страницу и повторите
application-no-comments = К этому заявлению нельзя оставить комментарий
application-no-attachments = Файлы можно приложить к черновику или в ответ на запрос уточнения
application-file-too-large = Файл больше допустимого размера для этого документа
application-file-type = Подходят только файлы PDF, JPEG и PNG, разрешённые для этого документа
application-files-too-many = Можно приложить не больше { $limit } файлов к заявлению
application-files-too-big = Файлы заявления вместе могут занимать не больше { $limit } МБ — этот файл уже не поместится
application-status-unknown = Неизвестный статус заявления
application-result-missing = Сначала приложите документ с результатом
application-result-not-now = Результат прикладывается к одобренному заявлению
application-move-not-allowed = Из текущего статуса заявление так перевести нельзя
application-move-forbidden = Вам такой переход не разрешён
application-reason-required = Укажите причину
application-answered = Заявитель ответил на запрос уточнения

status-draft = Черновик
status-submitted = Принято
status-in_progress = В работе
status-needs_clarification = Требуется уточнение
status-approved = Одобрено
status-rejected = Отказано
status-completed = Завершено
status-withdrawn = Отозвано

notice-application-submitted-subject = Заявление принято
notice-application-submitted-message = Ваше заявление № { $number } «{ $title }» принято. Ожидаемый срок решения — { $date }.
notice-application-moved-subject = Статус заявления изменился
notice-application-moved-message = Заявление № { $number }: { $status }.{ $reason }
notice-application-reason = { " " }Причина: { $reason }
notice-application-comment-subject = Комментарий к заявлению
notice-application-comment-message = Сотрудник оставил комментарий к заявлению № { $number }. Откройте заявление в личном кабинете.

## Страницы заявлений

nav-applications = Мои заявления
form-optional = (необязательно)
page-apply-steps = Шаги заявления
page-apply-step-of = Шаг { $n } из { $total }
page-apply-next = Продолжить
page-apply-choose = — выберите —
page-apply-saved-note = Черновик сохраняется на каждом шаге: можно вернуться к нему позже в разделе «Черновики».
page-apply-documents = Документы
page-apply-documents-lead = Приложите сканы или фотографии документов. Подходят PDF, JPEG и PNG.
page-apply-nothing-attached = Пока ничего не приложено.
page-apply-file = Файл
page-apply-upload = Приложить
page-apply-review = Проверьте данные
page-apply-submit = Отправить заявление
page-apply-submit-note = После отправки изменить заявление нельзя. Срок рассмотрения — { $days } раб. дн.
page-applications-title = Мои заявления
page-drafts-title = Черновики
page-applications-tabs = Заявления и черновики
page-applications-number = Номер
page-applications-status = Статус
page-applications-service = Услуга
page-applications-any = Любой
page-applications-from = Подано с
page-applications-to = Подано по
page-applications-filter = Показать
page-applications-created = Дата
page-applications-due = Срок решения
page-applications-empty = У вас пока нет заявлений.
page-drafts-empty = Черновиков нет.
page-applications-total = Найдено заявлений: { $n }
page-applications-pages = Страницы
page-applications-prev = Назад
page-applications-next = Дальше
page-applications-page = Страница { $page } из { $pages }
page-applications-no-number = черновик
page-application-title = Заявление № { $number }
page-application-submitted = Заявление № { $number } отправлено. Ожидаемый срок решения — { $date }. Уведомления о ходе рассмотрения придут на почту и в этот раздел.
page-application-live = статус обновлён
page-application-clarify = Требуется уточнение
page-application-clarify-lead = Ответьте комментарием ниже и при необходимости приложите документы — заявление вернётся в работу.
page-application-result = Скачать результат
page-application-history = История статуса
page-application-reason = Комментарий
page-application-comments = Переписка
page-application-no-comments = Комментариев пока нет.
page-application-comment = Комментарий
page-application-answer = Ваш ответ
page-application-send = Отправить
page-application-attach = Приложить документ к ответу
page-application-files = Файлы
page-application-answers = Ваши ответы
page-application-withdraw = Отозвать заявление
page-application-withdraw-reason = Причина (необязательно)
actor-applicant = Вы
actor-staff = Сотрудник
actor-system = Автоматически

# kabinet catalog import: how many problems a catalog has.
catalog-import-problems = { $count ->
    [one] { $count } проблема
    [few] { $count } проблемы
   *[many] { $count } проблем
}; ничего не импортировано
