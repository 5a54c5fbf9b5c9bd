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
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 8] = [
        Action::UseOwnSession,
        Action::ChangeOwnPassword,
        Action::ManageOwnSecurity,
        Action::StaffArea,
        Action::ManageOwnProfile,
        Action::ConfirmIdentity,
        Action::UseOwnApplications,
        Action::ProcessApplications,
    ];
}

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
        Action::UseOwnSession | Action::ChangeOwnPassword => Decision::Allow,
        _ if actor.must_change_password => Decision::Deny("access-password-change-required"),
        Action::ManageOwnSecurity | Action::ManageOwnProfile => Decision::Allow,
        Action::UseOwnApplications => match actor.staff {
            None => Decision::Allow,
            Some(_) => Decision::Deny("access-applicants-only"),
        },
        Action::ProcessApplications => match actor.staff {
            None => Decision::Deny("access-staff-only"),
            Some(_) if !actor.has_second_factor => Decision::Deny("access-staff-mfa-required"),
            Some(StaffRole::Operator | StaffRole::Supervisor) => Decision::Allow,
            Some(_) => Decision::Deny("access-role-denied"),
        },
        Action::StaffArea | Action::ConfirmIdentity => match actor.staff {
            None => Decision::Deny("access-staff-only"),
            Some(_) if !actor.has_second_factor => Decision::Deny("access-staff-mfa-required"),
            Some(StaffRole::Auditor) if action == Action::ConfirmIdentity => {
                Decision::Deny("access-role-denied")
            }
            Some(_) => Decision::Allow,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                        let expected = match action {
                            Action::UseOwnSession | Action::ChangeOwnPassword => Decision::Allow,
                            _ if must_change_password => {
                                Decision::Deny("access-password-change-required")
                            }
                            Action::ManageOwnSecurity | Action::ManageOwnProfile => Decision::Allow,
                            Action::UseOwnApplications if staff.is_none() => Decision::Allow,
                            Action::UseOwnApplications => Decision::Deny("access-applicants-only"),
                            Action::ProcessApplications if staff.is_none() => {
                                Decision::Deny("access-staff-only")
                            }
                            Action::ProcessApplications if !has_second_factor => {
                                Decision::Deny("access-staff-mfa-required")
                            }
                            Action::ProcessApplications
                                if matches!(
                                    staff,
                                    Some(StaffRole::Operator | StaffRole::Supervisor)
                                ) =>
                            {
                                Decision::Allow
                            }
                            Action::ProcessApplications => Decision::Deny("access-role-denied"),
                            Action::StaffArea | Action::ConfirmIdentity if staff.is_none() => {
                                Decision::Deny("access-staff-only")
                            }
                            Action::StaffArea | Action::ConfirmIdentity if !has_second_factor => {
                                Decision::Deny("access-staff-mfa-required")
                            }
                            Action::ConfirmIdentity if staff == Some(StaffRole::Auditor) => {
                                Decision::Deny("access-role-denied")
                            }
                            Action::StaffArea | Action::ConfirmIdentity => Decision::Allow,
                        };
                        assert_eq!(decide(&actor, action), expected, "{actor:?} {action:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn roles_round_trip() {
        for r in StaffRole::ALL {
            assert_eq!(StaffRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(StaffRole::parse("root"), None);
    }
}
