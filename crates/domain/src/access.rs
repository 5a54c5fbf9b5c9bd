//! Authorization in one place: may this actor do this action? Every use case asks
//! here before touching data. The matrix grows with each capability; the tests walk
//! all of it.

/// A staff role (BO-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffRole {
    /// Processes applications.
    Operator,
    /// Oversees operators, reassigns, sees deadlines.
    Supervisor,
    /// Reads the audit log.
    Auditor,
    /// Manages staff and settings.
    Admin,
}

impl StaffRole {
    /// Every role.
    pub const ALL: [StaffRole; 4] = [
        StaffRole::Operator,
        StaffRole::Supervisor,
        StaffRole::Auditor,
        StaffRole::Admin,
    ];

    /// The command-line and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Operator => "operator",
            StaffRole::Supervisor => "supervisor",
            StaffRole::Auditor => "auditor",
            StaffRole::Admin => "admin",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<StaffRole> {
        StaffRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Does the role carry the right to `action` (the table in
    /// [`Action::staff_roles`])? Says nothing about the account's state.
    pub fn carries(self, action: Action) -> bool {
        action
            .staff_roles()
            .is_some_and(|roles| roles.contains(&self))
    }
}

/// Who is acting, as far as authorization cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    /// `None` for an applicant, the role for staff.
    pub staff: Option<StaffRole>,
    /// The password must be changed before anything else (first staff sign-in, expiry).
    pub must_change_password: bool,
    /// A second factor is enrolled.
    pub has_second_factor: bool,
}

/// What the actor wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// See who is signed in, sign out.
    UseOwnSession,
    /// Change the own password.
    ChangeOwnPassword,
    /// Manage the own second factor and sessions.
    ManageOwnSecurity,
    /// Anything in the staff area.
    StaffArea,
    /// Read and edit the own personal data (PR-1).
    ManageOwnProfile,
    /// Confirm an applicant's identity (ID-11): operators, supervisors, administrators.
    ConfirmIdentity,
    /// File and follow the own applications (APP-1): applicants, not staff accounts.
    UseOwnApplications,
    /// Move applications through the process and attach results (BO-2): operators
    /// and supervisors.
    ProcessApplications,
    /// Give an application to another member of staff (BO-2): supervisors.
    ReassignApplications,
    /// The overview of deadlines and workload (BO-3): supervisors and administrators.
    ViewOverview,
    /// Create staff accounts, change roles, block and unblock accounts (BO-1):
    /// administrators.
    ManageAccounts,
    /// Search and export the audit log (AUD-2): auditors and administrators.
    ReadAudit,
    /// Write to support and follow the own tickets (BO-5): everyone signed in.
    UseSupport,
    /// Read the own notifications and choose their channels (NTF-2, NTF-3).
    UseOwnNotifications,
    /// Answer support tickets (BO-5): operators and supervisors (escalated tickets go
    /// to supervisors).
    HandleSupport,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 15] = [
        Action::UseOwnSession,
        Action::ChangeOwnPassword,
        Action::ManageOwnSecurity,
        Action::StaffArea,
        Action::ManageOwnProfile,
        Action::ConfirmIdentity,
        Action::UseOwnApplications,
        Action::ProcessApplications,
        Action::ReassignApplications,
        Action::ViewOverview,
        Action::ManageAccounts,
        Action::ReadAudit,
        Action::HandleSupport,
        Action::UseSupport,
        Action::UseOwnNotifications,
    ];

    /// The staff roles that may do a staff action (`None` for actions that are not
    /// staff actions). This table is what `docs/roles.md` shows.
    pub fn staff_roles(self) -> Option<&'static [StaffRole]> {
        use StaffRole::*;
        Some(match self {
            Action::StaffArea => &[Operator, Supervisor, Auditor, Admin],
            Action::ConfirmIdentity => &[Operator, Supervisor, Admin],
            Action::ProcessApplications | Action::HandleSupport => &[Operator, Supervisor],
            Action::ReassignApplications => &[Supervisor],
            Action::ViewOverview => &[Supervisor, Admin],
            Action::ManageAccounts => &[Admin],
            Action::ReadAudit => &[Auditor, Admin],
            Action::UseOwnSession
            | Action::ChangeOwnPassword
            | Action::ManageOwnSecurity
            | Action::ManageOwnProfile
            | Action::UseSupport
            | Action::UseOwnNotifications
            | Action::UseOwnApplications => return None,
        })
    }
}

/// What a member does for an organisation while acting for it (ORG-2). Checked on
/// top of the account's own [`Action`]: the member must also be an applicant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgAction {
    /// Read the organisation's applications and documents.
    ReadApplications,
    /// Create, fill, submit, withdraw and answer the organisation's applications.
    FileApplications,
    /// Invite, change roles, remove members.
    ManageMembers,
    /// Change the organisation's data, documents and identifiers (by request).
    ManageData,
}

impl OrgAction {
    /// Every action.
    pub const ALL: [OrgAction; 4] = [
        OrgAction::ReadApplications,
        OrgAction::FileApplications,
        OrgAction::ManageMembers,
        OrgAction::ManageData,
    ];

    /// The organisation roles that may do it. This table is what `docs/roles.md`
    /// shows.
    pub fn roles(self) -> &'static [OrgRole] {
        use OrgRole::*;
        match self {
            OrgAction::ReadApplications => &[Administrator, Operator, Observer],
            OrgAction::FileApplications => &[Administrator, Operator],
            OrgAction::ManageMembers | OrgAction::ManageData => &[Administrator],
        }
    }

    /// May a member with `role` do it?
    pub fn allows(self, role: OrgRole) -> bool {
        self.roles().contains(&role)
    }
}

pub use crate::organisation::Role as OrgRole;

/// The answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// Refused; the message key says why.
    Deny(&'static str),
    /// The actor may do it in general, but another member of staff holds the object
    /// (or took it a moment ago): a conflict, not a missing right. The key says why.
    Held(&'static str),
}

/// May `actor` do `action`?
pub fn decide(actor: &Actor, action: Action) -> Decision {
    match action {
        Action::UseOwnSession | Action::ChangeOwnPassword => return Decision::Allow,
        _ if actor.must_change_password => {
            return Decision::Deny("access-password-change-required");
        }
        Action::ManageOwnSecurity
        | Action::ManageOwnProfile
        | Action::UseSupport
        | Action::UseOwnNotifications => {
            return Decision::Allow;
        }
        Action::UseOwnApplications => {
            return match actor.staff {
                None => Decision::Allow,
                Some(_) => Decision::Deny("access-applicants-only"),
            };
        }
        _ => {}
    }
    let (Some(role), Some(roles)) = (actor.staff, action.staff_roles()) else {
        return Decision::Deny("access-staff-only");
    };
    if !actor.has_second_factor {
        Decision::Deny("access-staff-mfa-required")
    } else if roles.contains(&role) {
        Decision::Allow
    } else {
        Decision::Deny("access-role-denied")
    }
}

/// Who holds an application, as seen by the member of staff asking (BO-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// Nobody has taken it yet.
    Nobody,
    /// The actor has it.
    Actor,
    /// Another member of staff has it.
    Other,
}

impl Holder {
    /// Every holder.
    pub const ALL: [Holder; 3] = [Holder::Nobody, Holder::Actor, Holder::Other];

    /// The holder of an application assigned to `assignee`, seen by `actor_id`.
    pub fn of(assignee: Option<&str>, actor_id: &str) -> Holder {
        match assignee {
            None => Holder::Nobody,
            Some(a) if a == actor_id => Holder::Actor,
            Some(_) => Holder::Other,
        }
    }
}

/// What a member of staff does to one application (BO-2), on top of the role's
/// [`Action`]: the answer also depends on who holds the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseAction {
    /// «Взять в работу»: take it for oneself (and start processing).
    Take,
    /// Move it through the process (and thereby take it if nobody has it).
    Move,
    /// Attach the result document of an approved application.
    AttachResult,
    /// Give it to another member of staff.
    Reassign,
}

impl CaseAction {
    /// Every case action.
    pub const ALL: [CaseAction; 4] = [
        CaseAction::Take,
        CaseAction::Move,
        CaseAction::AttachResult,
        CaseAction::Reassign,
    ];

    /// The role-level right it needs first.
    pub fn action(self) -> Action {
        match self {
            CaseAction::Take | CaseAction::Move | CaseAction::AttachResult => {
                Action::ProcessApplications
            }
            CaseAction::Reassign => Action::ReassignApplications,
        }
    }
}

/// May `actor` do `act` to an application held by `holder`? First the role's right
/// ([`decide`] on [`CaseAction::action`]); then the holder: an operator works only on
/// what is theirs or nobody's; whoever may reassign (a supervisor) works on anything,
/// but takes only what is free.
pub fn decide_case(actor: &Actor, act: CaseAction, holder: Holder) -> Decision {
    let by_role = decide(actor, act.action());
    if by_role != Decision::Allow {
        return by_role;
    }
    let oversees = actor
        .staff
        .is_some_and(|r| r.carries(Action::ReassignApplications));
    match (act, holder) {
        (CaseAction::Reassign, _) | (_, Holder::Nobody | Holder::Actor) => Decision::Allow,
        // Taking is only ever of a free application, even for a supervisor (who
        // reassigns instead): of two taking at once exactly one wins.
        (CaseAction::Take, Holder::Other) => Decision::Held("application-taken"),
        (_, Holder::Other) if oversees => Decision::Allow,
        (_, Holder::Other) => Decision::Held("application-assigned-to-other"),
    }
}

/// Whom the system tells when something needs a senior eye (no one acts on it by
/// this: it picks recipients).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duty {
    /// An application went past its deadline.
    OverdueApplications,
    /// A support ticket was escalated.
    EscalatedTickets,
}

impl Duty {
    /// The staff roles told.
    pub fn roles(self) -> &'static [StaffRole] {
        match self {
            Duty::OverdueApplications | Duty::EscalatedTickets => &[StaffRole::Supervisor],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected answers, written out. Columns are the actor shapes in this
    /// order: applicant, operator, supervisor, auditor, administrator — each first
    /// with a second factor, then without, then (with a factor) when the password
    /// must be changed, then without a factor and a password to change. Letters:
    /// `Y` allowed, `p` password change required, `a` applicants only, `s` staff
    /// only, `m` second factor required, `r` the role may not.
    const MATRIX: [(Action, &str); 15] = [
        (Action::UseOwnSession, "YYYY YYYY YYYY YYYY YYYY"),
        (Action::ChangeOwnPassword, "YYYY YYYY YYYY YYYY YYYY"),
        (Action::ManageOwnSecurity, "YYpp YYpp YYpp YYpp YYpp"),
        (Action::StaffArea, "sspp Ympp Ympp Ympp Ympp"),
        (Action::ManageOwnProfile, "YYpp YYpp YYpp YYpp YYpp"),
        (Action::ConfirmIdentity, "sspp Ympp Ympp rmpp Ympp"),
        (Action::UseOwnApplications, "YYpp aapp aapp aapp aapp"),
        (Action::ProcessApplications, "sspp Ympp Ympp rmpp rmpp"),
        (Action::ReassignApplications, "sspp rmpp Ympp rmpp rmpp"),
        (Action::ViewOverview, "sspp rmpp Ympp rmpp Ympp"),
        (Action::ManageAccounts, "sspp rmpp rmpp rmpp Ympp"),
        (Action::ReadAudit, "sspp rmpp rmpp Ympp Ympp"),
        (Action::HandleSupport, "sspp Ympp Ympp rmpp rmpp"),
        (Action::UseSupport, "YYpp YYpp YYpp YYpp YYpp"),
        (Action::UseOwnNotifications, "YYpp YYpp YYpp YYpp YYpp"),
    ];

    fn shapes() -> Vec<Actor> {
        let mut out = Vec::new();
        for staff in [
            None,
            Some(StaffRole::Operator),
            Some(StaffRole::Supervisor),
            Some(StaffRole::Auditor),
            Some(StaffRole::Admin),
        ] {
            for (must_change_password, has_second_factor) in
                [(false, true), (false, false), (true, true), (true, false)]
            {
                out.push(Actor {
                    staff,
                    must_change_password,
                    has_second_factor,
                });
            }
        }
        out
    }

    fn letter(d: Decision) -> char {
        match d {
            Decision::Allow => 'Y',
            Decision::Deny("access-password-change-required") => 'p',
            Decision::Deny("access-applicants-only") => 'a',
            Decision::Deny("access-staff-only") => 's',
            Decision::Deny("access-staff-mfa-required") => 'm',
            Decision::Deny("access-role-denied") => 'r',
            other => panic!("an answer the table has no letter for: {other:?}"),
        }
    }

    /// Every actor shape × every action, against the written table.
    #[test]
    fn the_whole_matrix() {
        assert_eq!(MATRIX.len(), Action::ALL.len());
        for action in Action::ALL {
            let (_, row) = MATRIX
                .iter()
                .find(|(a, _)| *a == action)
                .expect("every action has a row");
            let expected: Vec<char> = row.chars().filter(|c| *c != ' ').collect();
            let got: Vec<char> = shapes()
                .iter()
                .map(|actor| letter(decide(actor, action)))
                .collect();
            assert_eq!(got, expected, "{action:?}");
        }
    }

    /// Case actions by an enrolled member of staff × who holds the application.
    /// Columns: nobody, the actor, another. `Y` allowed, `t` held («уже взято»),
    /// `o` held (in work with another), `r` the role may not.
    const CASES: [(StaffRole, CaseAction, &str); 16] = [
        (StaffRole::Operator, CaseAction::Take, "YYt"),
        (StaffRole::Operator, CaseAction::Move, "YYo"),
        (StaffRole::Operator, CaseAction::AttachResult, "YYo"),
        (StaffRole::Operator, CaseAction::Reassign, "rrr"),
        (StaffRole::Supervisor, CaseAction::Take, "YYt"),
        (StaffRole::Supervisor, CaseAction::Move, "YYY"),
        (StaffRole::Supervisor, CaseAction::AttachResult, "YYY"),
        (StaffRole::Supervisor, CaseAction::Reassign, "YYY"),
        (StaffRole::Auditor, CaseAction::Take, "rrr"),
        (StaffRole::Auditor, CaseAction::Move, "rrr"),
        (StaffRole::Auditor, CaseAction::AttachResult, "rrr"),
        (StaffRole::Auditor, CaseAction::Reassign, "rrr"),
        (StaffRole::Admin, CaseAction::Take, "rrr"),
        (StaffRole::Admin, CaseAction::Move, "rrr"),
        (StaffRole::Admin, CaseAction::AttachResult, "rrr"),
        (StaffRole::Admin, CaseAction::Reassign, "rrr"),
    ];

    #[test]
    fn the_case_matrix() {
        assert_eq!(CASES.len(), StaffRole::ALL.len() * CaseAction::ALL.len());
        for (role, act, row) in CASES {
            let actor = Actor {
                staff: Some(role),
                must_change_password: false,
                has_second_factor: true,
            };
            let got: String = Holder::ALL
                .into_iter()
                .map(|h| match decide_case(&actor, act, h) {
                    Decision::Allow => 'Y',
                    Decision::Held("application-taken") => 't',
                    Decision::Held("application-assigned-to-other") => 'o',
                    Decision::Deny("access-role-denied") => 'r',
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(got, row, "{role:?} {act:?}");
        }
    }

    /// Whatever the holder, the role-level refusals come first.
    #[test]
    fn case_actions_need_the_account_in_order() {
        let applicant = Actor {
            staff: None,
            must_change_password: false,
            has_second_factor: false,
        };
        let unenrolled = Actor {
            staff: Some(StaffRole::Supervisor),
            must_change_password: false,
            has_second_factor: false,
        };
        for h in Holder::ALL {
            assert_eq!(
                decide_case(&applicant, CaseAction::Take, h),
                Decision::Deny("access-staff-only")
            );
            assert_eq!(
                decide_case(&unenrolled, CaseAction::Move, h),
                Decision::Deny("access-staff-mfa-required")
            );
        }
    }

    #[test]
    fn holders() {
        assert_eq!(Holder::of(None, "me"), Holder::Nobody);
        assert_eq!(Holder::of(Some("me"), "me"), Holder::Actor);
        assert_eq!(Holder::of(Some("you"), "me"), Holder::Other);
    }

    #[test]
    fn duties() {
        assert_eq!(Duty::OverdueApplications.roles(), &[StaffRole::Supervisor]);
        assert_eq!(Duty::EscalatedTickets.roles(), &[StaffRole::Supervisor]);
    }

    #[test]
    fn roles_round_trip() {
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(StaffRole::parse("root"), None);
    }
}
