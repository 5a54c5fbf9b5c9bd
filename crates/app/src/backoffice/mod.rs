//! The back office (BO-1 … BO-3, AUD-2): the work queue and assignment, the
//! supervisor's overview, staff administration and blocking, audit search.

mod audit_search;
mod overview;
mod queue;
mod staff_accounts;

pub use audit_search::audit_search;
pub use overview::{Overview, overview, raise_overdue};
pub use queue::{QueueItem, QueueQuery, assign, assignees, queue};
pub use staff_accounts::{
    StaffMember, create_staff, find_account, set_blocked, set_role, staff_members,
};

use crate::{AppError, FieldError};
use kabinet_domain::access::StaffRole;
use kabinet_store::Conn;
use kabinet_store::accounts::{self, Account};
use time::{Date, Duration};

/// How close an item is to its due date (BO-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Urgency {
    /// Past its due date and still open.
    Overdue,
    /// Due today or tomorrow.
    DueSoon,
    /// Time left.
    OnTime,
    /// Decided or closed: no deadline applies.
    Closed,
}

impl Urgency {
    /// The name used in the API and the message catalog.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Overdue => "overdue",
            Urgency::DueSoon => "due_soon",
            Urgency::OnTime => "on_time",
            Urgency::Closed => "closed",
        }
    }

    /// How urgent an application due on `due` with `status` is on `today`.
    pub fn of(status: &str, due: Option<Date>, today: Date) -> Urgency {
        let open = matches!(
            status,
            "submitted" | "in_progress" | "needs_clarification" | "approved"
        );
        match due {
            _ if !open => Urgency::Closed,
            Some(d) if d < today => Urgency::Overdue,
            Some(d) if d <= today + Duration::days(1) => Urgency::DueSoon,
            _ => Urgency::OnTime,
        }
    }
}

fn field(name: &'static str, key: &'static str) -> AppError {
    AppError::Validation(vec![FieldError::new(name, key)])
}

fn role_of(account: &Account) -> Option<StaffRole> {
    account.staff_role.as_deref().and_then(StaffRole::parse)
}

/// The e-mail of every staff account by id.
async fn staff_emails(conn: &mut Conn) -> Result<Vec<(Account, String)>, AppError> {
    Ok(accounts::staff(conn).await?)
}
