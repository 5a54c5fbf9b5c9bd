//! «Взять в работу» (BO-2): one use case for the page and the API.

use kabinet_domain::access::CaseAction;
use kabinet_domain::application::{Mover, Status, check_move};
use kabinet_store::applications as store;
use serde_json::json;

use super::staff::staff_role;
use super::{corrupt, move_error, record_move};
use crate::audit::audit_event;
use crate::auth::SignedIn;
use crate::{App, AppError, Ctx};

/// «Взять в работу»: assigns the application to `staff` and, when it is submitted,
/// starts processing it («В работе») — in ONE transaction with both audit entries
/// (`application.taken`, `application.moved`) and the applicant's notice. Taking
/// what one already holds only starts it if it is still submitted. Of two staff
/// taking a free application at once exactly one wins; the other gets
/// `Conflict("application-taken")`, as does taking what another holds.
pub async fn take_into_work(
    app: &App,
    ctx: &Ctx,
    staff: &SignedIn,
    id: &str,
) -> Result<(), AppError> {
    let role = staff_role(staff)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let row = store::get(&mut tx, id)
        .await?
        .filter(|r| r.status != Status::Draft.as_str())
        .ok_or(AppError::NotFound)?;
    staff.authorize_case(CaseAction::Take, row.assignee.as_deref())?;
    let me = staff.account.id.as_str();
    if row.assignee.is_none() {
        if !store::assign(&mut tx, id, me, true, now).await? {
            return Err(AppError::Conflict("application-taken"));
        }
        audit_event(
            &mut tx,
            ctx,
            now,
            &staff.actor(),
            "application.taken",
            &format!("application:{id}"),
            json!({ "assignee": format!("account:{me}"), "previous": null }),
        )
        .await?;
    }
    let from = Status::parse(&row.status).ok_or_else(|| corrupt("status"))?;
    if from == Status::Submitted {
        check_move(from, Status::InProgress, Mover::Staff(role), None).map_err(move_error)?;
        record_move(
            app,
            &mut tx,
            ctx,
            &row,
            from,
            Status::InProgress,
            &staff.actor(),
            "staff",
            None,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    app.outbox_wake.notify_one();
    Ok(())
}
