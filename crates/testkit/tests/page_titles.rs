//! Every page's `<title>` is short plain text: no markup (escaped or not), no form, no
//! token, no one-time secret — the notification settings page once held the webhook form
//! with its CSRF token and the webhook secret in its title (review D1).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use kabinet_testkit::people::{self, User};
use kabinet_testkit::{MailServer, TestApp, TestOptions, backend_test};

fn title_of(html: &str) -> String {
    let start = html.find("<title>").expect("a title") + "<title>".len();
    let end = html[start..].find("</title>").expect("a closed title") + start;
    html[start..end].to_owned()
}

async fn check(user: &User, path: &str) {
    let res = user.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    let html = res.text().await.unwrap();
    let title = title_of(&html);
    assert!(
        !title.contains('<') && !title.contains("&lt;") && !title.contains('\n'),
        "{path}: markup in the title: {title}"
    );
    assert!(
        !title.contains(&user.csrf),
        "{path}: the CSRF token in the title"
    );
    assert!(
        title.chars().count() <= 120,
        "{path}: a title of {} characters: {title}",
        title.chars().count()
    );
    assert!(
        title.ends_with("Личный кабинет") || title.contains(" — "),
        "{path}: {title}"
    );
}

backend_test! {
    async fn every_page_title_is_short_plain_text(backend) {
        let smtp = MailServer::start();
        let app = TestApp::spawn_with(backend, TestOptions::with_mail(&smtp)).await;
        let person = people::register_user(&app, &smtp, "titles@example.ru").await;
        for path in [
            "/", "/services", "/messages", "/settings/notifications", "/profile",
            "/profile/history", "/profile/data", "/profile/contacts", "/profile/identity",
            "/profile/change-request", "/security", "/security/mfa", "/security/password",
            "/applications", "/applications/drafts", "/organizations", "/support", "/feedback",
        ] {
            check(&person, path).await;
        }
        let visitor = User { c: people::client(), csrf: "-".into(), base: app.url(""), org: None };
        for path in ["/", "/login", "/registration", "/password-recovery", "/unlock", "/services", "/feedback"] {
            check(&visitor, path).await;
        }
        // The icon browsers ask for by themselves is there (no 404 in every page's console).
        for path in ["/favicon.ico", "/static/favicon.svg"] {
            let res = app.get(path).await;
            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(res.headers()["content-type"], "image/svg+xml");
        }
        // Staff pages, each by a role that may open it.
        let admin = people::staff_user(&app, "admin@kabinet.ru", "admin").await;
        let supervisor = people::staff_user(&app, "sup@kabinet.ru", "supervisor").await;
        let auditor = people::staff_user(&app, "auditor@kabinet.ru", "auditor").await;
        for (who, path) in [
            (&admin, "/staff"), (&supervisor, "/staff/applications"), (&supervisor, "/staff/overview"),
            (&admin, "/staff/accounts"), (&admin, "/staff/broadcasts"), (&supervisor, "/staff/organizations"),
            (&supervisor, "/staff/support"), (&auditor, "/staff/audit"),
        ] {
            check(who, path).await;
        }
        app.stop().await;
    }
}
