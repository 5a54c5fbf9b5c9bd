//! «Ваши данные» (PR-6): everything held about a person as one ZIP (a JSON document,
//! a readable HTML page of the same, and the uploaded files), and closing the account:
//! it stops signing in at once and its personal data is erased after
//! `privacy.retention_days` by `kabinet maintenance`. What the law requires to keep
//! (the audit log) is kept; docs/privacy.md lists it.

use std::io::Write as _;

use kabinet_domain::access::Action;
use kabinet_store::requests::{self, Kind};
use kabinet_store::{accounts, privacy, profiles, sessions};
use serde_json::{Value, json};
use time::Duration;

use crate::audit::audit_event;
use crate::auth::{SignedIn, notices};
use crate::{App, AppError, Ctx, files, profile};

fn ts(t: time::OffsetDateTime) -> String {
    kabinet_store::ts::format(t)
}

/// The JSON document of everything held about the signed-in person.
pub async fn document(
    app: &App,
    who: &SignedIn,
) -> Result<(Value, Vec<kabinet_store::requests::FileRecord>), AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    let id = &who.account.id;
    let mut conn = app
        .store
        .pool()
        .acquire()
        .await
        .map_err(kabinet_store::StoreError::from)?;
    let account = accounts::get(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = profile::load(app, &mut conn, id).await?;
    let contacts = accounts::contacts(&mut conn, id).await?;
    let contact_values: Vec<String> = contacts.iter().map(|(_, v)| v.clone()).collect();
    let history = profiles::changes(&mut conn, id, 10_000).await?;
    let sessions = sessions::for_account(&mut conn, id).await?;
    let identity = requests::of_account(&mut conn, Kind::Identity, id).await?;
    let changes = requests::of_account(&mut conn, Kind::Change, id).await?;
    let file_list = requests::files_of(&mut conn, id).await?;
    let messages = privacy::messages_to(&mut conn, &contact_values, 10_000).await?;
    let audit = privacy::audit_about(&mut conn, id, 100_000).await?;
    let applications = crate::applications::all_for_export(app, &mut conn, id).await?;
    let request = |r: &kabinet_store::requests::Request| {
        json!({
            "id": r.id, "what": r.what, "status": r.status, "text": r.text, "file_id": r.file_id,
            "created_at": ts(r.created_at), "decided_at": r.decided_at.map(ts), "decision": r.decision,
        })
    };
    let address = |a: &Option<profile::Address>| {
        a.as_ref()
            .map(|a| serde_json::to_value(a).unwrap_or(Value::Null))
    };
    let doc = json!({
        "generated_at": ts(app.clock.now()),
        "account": {
            "id": account.id, "kind": account.kind, "status": account.status.as_str(), "level": account.level.as_str(),
            "created_at": ts(account.created_at), "last_sign_in_at": account.last_sign_in_at.map(ts),
            "previous_sign_in_at": account.previous_sign_in_at.map(ts),
            "password_changed_at": ts(account.password_changed_at),
        },
        "profile": {
            "last_name": p.last_name, "first_name": p.first_name, "middle_name": p.middle_name,
            "birth_date": p.birth_date.map(|d| d.to_string()), "snils": p.snils, "inn": p.inn,
            "passport": p.passport, "registration_address": address(&p.registration_address),
            "postal_address": address(&p.postal_address), "level_note": p.level_note,
        },
        "contacts": contacts.iter().map(|(k, v)| json!({ "kind": k, "value": v })).collect::<Vec<_>>(),
        "history": history.iter().map(|c| json!({
            "at": ts(c.at), "field": c.field, "old_value": c.old_value, "new_value": c.new_value, "by": c.actor_kind,
        })).collect::<Vec<_>>(),
        "sessions": sessions.iter().map(|s| json!({
            "created_at": ts(s.created_at), "last_seen_at": ts(s.last_seen_at), "user_agent": s.user_agent, "address": s.address,
        })).collect::<Vec<_>>(),
        "messages": messages.iter().map(|m| json!({
            "kind": m.kind, "status": m.status, "created_at": m.created_at, "sent_at": m.sent_at,
            "content": serde_json::from_str::<Value>(&m.payload).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
        "identity_requests": identity.iter().map(request).collect::<Vec<_>>(),
        "change_requests": changes.iter().map(request).collect::<Vec<_>>(),
        "files": file_list.iter().map(|f| json!({
            "id": f.id, "file_name": f.file_name, "content_type": f.content_type, "size": f.size,
            "sha256": f.sha256, "created_at": ts(f.created_at), "in_archive": archive_name(f),
        })).collect::<Vec<_>>(),
        "applications": applications.iter().map(|d| {
            let a = &d.application;
            json!({
                "id": a.id, "number": a.number, "service": a.service.def.title, "service_id": a.service.def.id,
                "service_version": a.service.version, "status": a.status.as_str(), "created_at": ts(a.created_at),
                "submitted_at": a.submitted_at.map(ts), "due_on": a.due_on.map(|d| d.to_string()), "answers": a.answers,
                "history": d.history.iter().map(|e| json!({ "status": e.to_status, "at": ts(e.at), "by": e.actor_kind, "reason": e.reason })).collect::<Vec<_>>(),
                "comments": d.comments.iter().map(|c| json!({ "by": c.author_kind, "at": ts(c.at), "text": c.text })).collect::<Vec<_>>(),
                "files": d.files.iter().map(|f| json!({ "id": f.file.id, "kind": f.kind, "file_name": f.file.file_name })).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
        "audit": audit.iter().map(|a| json!({
            "at": a.at, "actor": a.actor, "action": a.action, "object": a.object, "source": a.source,
            "details": serde_json::from_str::<Value>(&a.details).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
    });
    Ok((doc, file_list))
}

fn archive_name(f: &kabinet_store::requests::FileRecord) -> String {
    let safe: String = f
        .file_name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("files/{}-{safe}", f.id)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html_value(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push('—'),
        Value::Bool(b) => out.push_str(if *b { "да" } else { "нет" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&escape(s)),
        Value::Array(items) if items.is_empty() => out.push_str("нет"),
        Value::Array(items) => {
            out.push_str("<ol>");
            for item in items {
                out.push_str("<li>");
                html_value(item, out);
                out.push_str("</li>");
            }
            out.push_str("</ol>");
        }
        Value::Object(map) => {
            out.push_str("<dl>");
            for (k, item) in map {
                out.push_str(&format!("<dt>{}</dt><dd>", escape(k)));
                html_value(item, out);
                out.push_str("</dd>");
            }
            out.push_str("</dl>");
        }
    }
}

const SECTIONS: &[(&str, &str)] = &[
    ("account", "Учётная запись"),
    ("profile", "Личные данные"),
    ("contacts", "Телефоны и почта"),
    ("history", "История изменений"),
    ("sessions", "Активные сеансы"),
    ("identity_requests", "Заявки на подтверждение личности"),
    ("change_requests", "Заявления на изменение данных"),
    ("files", "Файлы"),
    ("applications", "Заявления на услуги"),
    ("messages", "Отправленные вам сообщения"),
    ("audit", "Журнал действий"),
];

/// The readable page of the same document.
pub fn html(doc: &Value) -> String {
    let mut out = String::from(
        "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\"><title>Мои данные в личном кабинете</title></head><body><main><h1>Мои данные в личном кабинете</h1>",
    );
    out.push_str(&format!(
        "<p>Выгрузка от {} (UTC). Те же данные — в файле kabinet-data.json.</p>",
        escape(doc["generated_at"].as_str().unwrap_or_default())
    ));
    for (key, title) in SECTIONS {
        out.push_str(&format!("<section><h2>{title}</h2>"));
        html_value(&doc[*key], &mut out);
        out.push_str("</section>");
    }
    out.push_str("</main></body></html>");
    out
}

/// «Скачать мои данные»: the ZIP (stored, not compressed: scans are compressed
/// already). Like closing the account, it needs a recent password entry (the whole
/// of one's personal data leaves with it): otherwise
/// `Refused("auth-reauth-required")`. The export is audited.
pub async fn export(app: &App, ctx: &Ctx, who: &SignedIn) -> Result<Vec<u8>, AppError> {
    {
        let mut conn = app.store.acquire().await?;
        crate::auth::require_recent_password_in(&mut conn, who, app.clock.now()).await?;
    }
    let (doc, file_list) = document(app, who).await?;
    let corrupt = |e: String| AppError::internal(format!("export: {e}"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let json = serde_json::to_vec_pretty(&doc).map_err(|e| corrupt(e.to_string()))?;
    for (name, bytes) in [
        ("kabinet-data.json", json),
        ("kabinet-data.html", html(&doc).into_bytes()),
    ] {
        zip.start_file(name, options)
            .map_err(|e| corrupt(e.to_string()))?;
        zip.write_all(&bytes).map_err(|e| corrupt(e.to_string()))?;
    }
    for f in &file_list {
        let bytes = files::read(app, f).await?;
        zip.start_file(archive_name(f), options)
            .map_err(|e| corrupt(e.to_string()))?;
        zip.write_all(&bytes).map_err(|e| corrupt(e.to_string()))?;
    }
    let bytes = zip
        .finish()
        .map_err(|e| corrupt(e.to_string()))?
        .into_inner();
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "privacy.exported",
        &who.actor(),
        json!({ "bytes": bytes.len() }),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}

/// «Удалить учётную запись»: after a recent password entry, the account stops signing
/// in, every session ends, and its personal data is erased after the retention period.
pub async fn close_account(app: &App, ctx: &Ctx, who: &SignedIn) -> Result<(), AppError> {
    who.authorize(Action::ManageOwnProfile)?;
    if who.account.kind != "person" {
        return Err(AppError::Refused("privacy-staff-close"));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    crate::auth::require_recent_password_in(&mut tx, who, now).await?;
    // The person leaves their organisations (the last administrator of one with other
    // members must hand it over first).
    crate::organisations::leave_all(&mut tx, ctx, now, who).await?;
    let days = app.settings.retention_days.to_string();
    // Told first: the contacts are gone once the account is closed.
    notices::security_notice(
        &mut tx,
        app,
        now,
        &who.account.id,
        "notice-closed-subject",
        "notice-closed-message",
        &[("days", &days)],
    )
    .await?;
    privacy::close(&mut tx, &who.account.id, now).await?;
    audit_event(
        &mut tx,
        ctx,
        now,
        &who.actor(),
        "privacy.account_closed",
        &who.actor(),
        json!({ "retention_days": app.settings.retention_days }),
    )
    .await?;
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}

/// What a maintenance run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Maintenance {
    /// Closed accounts erased.
    pub erased: usize,
    /// Delivered or dead messages deleted.
    pub messages_pruned: u64,
}

/// `kabinet maintenance`: erases closed accounts past the retention period and
/// deletes old delivered messages. Safe to run from several places at once.
pub async fn maintenance(app: &App) -> Result<Maintenance, AppError> {
    let now = app.clock.now();
    let before = now - Duration::days(i64::from(app.settings.retention_days));
    let mut done = Maintenance::default();
    loop {
        let mut conn = app
            .store
            .pool()
            .acquire()
            .await
            .map_err(kabinet_store::StoreError::from)?;
        let due = privacy::due_for_erasure(&mut conn, before, 100).await?;
        drop(conn);
        if due.is_empty() {
            break;
        }
        for id in due {
            let mut tx = app.store.begin().await?;
            let removed = privacy::erase(&mut tx, &id, now).await?;
            audit_event(
                &mut tx,
                &Ctx::system(),
                now,
                "system",
                "privacy.erased",
                &format!("account:{id}"),
                json!({ "files": removed.len() }),
            )
            .await?;
            tx.commit().await?;
            for file in removed {
                files::erase(app, &file).await;
            }
            done.erased += 1;
        }
    }
    let mut tx = app.store.begin().await?;
    done.messages_pruned = privacy::prune_messages(&mut tx, before).await?;
    privacy::prune_throttle(&mut tx, now - Duration::days(2), now).await?;
    tx.commit().await?;
    Ok(done)
}
