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

#[cfg(test)]
mod tests {
    use super::*;

    /// The staff table as written in docs/roles.md: O = operator, S = supervisor,
    /// A = auditor, D = administrator.
    const STAFF_TABLE: [(Action, &str); 8] = [
        (Action::StaffArea, "OSAD"),
        (Action::ConfirmIdentity, "OSD"),
        (Action::ProcessApplications, "OS"),
        (Action::ReassignApplications, "S"),
        (Action::ViewOverview, "SD"),
        (Action::ManageAccounts, "D"),
        (Action::ReadAudit, "AD"),
        (Action::HandleSupport, "OS"),
    ];

    fn letter(role: StaffRole) -> char {
        match role {
            StaffRole::Operator => 'O',
            StaffRole::Supervisor => 'S',
            StaffRole::Auditor => 'A',
            StaffRole::Admin => 'D',
        }
    }

    /// Every actor shape × every action.
    #[test]
    fn the_whole_matrix() {
        let staff_options = std::iter::once(None).chain(StaffRole::ALL.into_iter().map(Some));
        for staff in staff_options {
            for must_change_password in [false, true] {
                for has_second_factor in [false, true] {
                    let actor = Actor {
                        staff,
                        must_change_password,
                        has_second_factor,
                    };
                    for action in Action::ALL {
                        let table = STAFF_TABLE.iter().find(|(a, _)| *a == action);
                        let expected = match action {
                            Action::UseOwnSession | Action::ChangeOwnPassword => Decision::Allow,
                            _ if must_change_password => {
                                Decision::Deny("access-password-change-required")
                            }
                            Action::ManageOwnSecurity
                            | Action::ManageOwnProfile
                            | Action::UseSupport
                            | Action::UseOwnNotifications => Decision::Allow,
                            Action::UseOwnApplications if staff.is_none() => Decision::Allow,
                            Action::UseOwnApplications => Decision::Deny("access-applicants-only"),
                            _ if staff.is_none() => Decision::Deny("access-staff-only"),
                            _ if !has_second_factor => Decision::Deny("access-staff-mfa-required"),
                            _ => {
                                let (_, letters) =
                                    table.expect("every staff action is in the table");
                                if staff.is_some_and(|r| letters.contains(letter(r))) {
                                    Decision::Allow
                                } else {
                                    Decision::Deny("access-role-denied")
                                }
                            }
                        };
                        assert_eq!(decide(&actor, action), expected, "{actor:?} {action:?}");
                    }
                }
            }
        }
        assert_eq!(
            STAFF_TABLE.len(),
            Action::ALL
                .iter()
                .filter(|a| a.staff_roles().is_some())
                .count()
        );
    }

    #[test]
    fn roles_round_trip() {
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(StaffRole::parse("root"), None);
    }
}
