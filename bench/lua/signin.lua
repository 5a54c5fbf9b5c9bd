-- wrk script: successful sign-ins with the demo account, as fast as the server answers.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"login": "demo@example.ru", "password": "демонстрационный вход"}'
