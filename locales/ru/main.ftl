# Общие строки интерфейса личного кабинета (русский — основной язык).

app-name = Личный кабинет
skip-link = Перейти к основному содержанию
nav-label = Основное меню
nav-home = Главная
nav-api = API для разработчиков
footer-text = Личный кабинет получателя государственных услуг
footer-health = Состояние системы
demo-banner = Демонстрационный режим: данные ненастоящие, письма и SMS выводятся в журнал сервера.

home-title = Личный кабинет
home-lead = Здесь граждане и организации получают государственные услуги онлайн: подают заявления, следят за их рассмотрением, получают уведомления и результаты.
home-features-title = Что можно сделать в кабинете
home-feature-apply = Подать заявление или обращение и сохранить черновик
home-feature-track = Следить за статусом заявления и сроком его рассмотрения
home-feature-notify = Получать уведомления в кабинете, по электронной почте и SMS
home-feature-pay = Оплачивать пошлины и начисления с уникальным идентификатором (УИН)
home-feature-docs = Хранить свои документы и получать справки
home-api-title = Для разработчиков
home-api-text = Всё, что доступно на страницах, доступно и через JSON API.
home-api-link = Описание API

error-404-title = Страница не найдена
error-404-text = Такой страницы нет. Проверьте адрес или перейдите на главную.
error-405-title = Действие недоступно
error-405-text = Этот адрес не поддерживает такое действие.
error-500-title = Что-то пошло не так
error-500-text = На сервере произошла ошибка. Мы уже знаем о ней. Попробуйте повторить позже.
error-request-id = Номер запроса для обращения в поддержку: { $id }
error-home-link = Вернуться на главную

api-docs-title = Описание API
api-docs-lead = Версия 1. Ошибки возвращаются в формате RFC 9457 (application/problem+json).
api-docs-download = Скачать описание OpenAPI (JSON)
api-docs-method = Метод
api-docs-path = Адрес
api-docs-summary = Назначение
api-docs-responses = Ответы

problem-not-found = Ресурс не найден
problem-method-not-allowed = Метод не поддерживается
problem-internal = Внутренняя ошибка сервера
problem-unavailable = Сервис временно недоступен
problem-validation = Проверьте введённые данные
problem-forbidden = Недостаточно прав
problem-conflict = Конфликт состояния
problem-bad-request = Некорректный запрос
problem-unauthorized = Требуется вход
problem-too-many = Слишком много попыток
problem-too-large = Файл слишком большой
problem-unsupported-type = Тип файла не подходит
