//! Applications (APP-1, APP-2): the status machine with the moves each role may make,
//! and the readable application number with its check digit.

use crate::access::StaffRole;

/// Where an application is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Черновик: being filled, only its author sees it.
    Draft,
    /// Принято: submitted, waiting for an operator.
    Submitted,
    /// В работе.
    InProgress,
    /// Требуется уточнение: the applicant must answer.
    NeedsClarification,
    /// Одобрено: a positive decision, the result is being prepared.
    Approved,
    /// Отказано: a negative decision (final).
    Rejected,
    /// Завершено: the result is issued (final).
    Completed,
    /// Отозвано: the applicant withdrew it (final).
    Withdrawn,
}

impl Status {
    /// Every status, in the order of the process.
    pub const ALL: [Status; 8] = [
        Status::Draft,
        Status::Submitted,
        Status::InProgress,
        Status::NeedsClarification,
        Status::Approved,
        Status::Rejected,
        Status::Completed,
        Status::Withdrawn,
    ];

    /// The storage and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::InProgress => "in_progress",
            Status::NeedsClarification => "needs_clarification",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Completed => "completed",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// Parses the storage name.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// No move leaves it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Rejected | Status::Completed | Status::Withdrawn
        )
    }

    /// A decision has been taken (the applicant may no longer withdraw).
    pub fn is_decided(self) -> bool {
        matches!(
            self,
            Status::Approved | Status::Rejected | Status::Completed | Status::Withdrawn
        )
    }
}

/// Who moves an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mover {
    /// Its author.
    Applicant,
    /// Staff with a role.
    Staff(StaffRole),
    /// kabinet itself (an answer to a clarification returns the application to work).
    System,
}

/// Why a move is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveError {
    /// Not a move of the process from this status (`409`).
    NotFromHere,
    /// A move of the process, but not for this actor (`403`).
    NotYours,
    /// This move needs a reason (`422`).
    ReasonRequired,
}

impl MoveError {
    /// The message key.
    pub fn message_key(self) -> &'static str {
        match self {
            MoveError::NotFromHere => "application-move-not-allowed",
            MoveError::NotYours => "application-move-forbidden",
            MoveError::ReasonRequired => "application-reason-required",
        }
    }
}

fn processes(role: StaffRole) -> bool {
    matches!(role, StaffRole::Operator | StaffRole::Supervisor)
}

/// Whether `mover` may move an application from `from` to `to`; `reason` is what they
/// gave (blank counts as none). Rejection and a request for clarification need one.
pub fn check_move(
    from: Status,
    to: Status,
    mover: Mover,
    reason: Option<&str>,
) -> Result<(), MoveError> {
    use Status as S;
    let staff = matches!(mover, Mover::Staff(r) if processes(r));
    let applicant = mover == Mover::Applicant;
    let allowed_for = |ok: bool| if ok { Ok(()) } else { Err(MoveError::NotYours) };
    match (from, to) {
        (S::Draft, S::Submitted) => allowed_for(applicant)?,
        (S::Draft | S::Submitted | S::InProgress | S::NeedsClarification, S::Withdrawn) => {
            allowed_for(applicant)?
        }
        (S::Submitted, S::InProgress) => allowed_for(staff)?,
        (S::Submitted | S::InProgress | S::NeedsClarification, S::Rejected) => allowed_for(staff)?,
        (S::InProgress, S::NeedsClarification) => allowed_for(staff)?,
        (S::NeedsClarification, S::InProgress) => {
            allowed_for(staff || applicant || mover == Mover::System)?
        }
        (S::InProgress, S::Approved) => allowed_for(staff)?,
        (S::Approved, S::Completed) => allowed_for(staff)?,
        _ => return Err(MoveError::NotFromHere),
    }
    let needs_reason = matches!(to, S::Rejected | S::NeedsClarification);
    if needs_reason && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(MoveError::ReasonRequired);
    }
    Ok(())
}

/// The statuses reachable from `from` by `mover` (for showing the buttons).
pub fn moves_for(from: Status, mover: Mover) -> Vec<Status> {
    Status::ALL
        .into_iter()
        .filter(|to| check_move(from, *to, mover, Some("x")).is_ok())
        .collect()
}

/// The Luhn check digit of a string of digits.
fn luhn(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// An application number: `YY-NNNNNNN-C` — the year, a sequence within the year and a
/// Luhn check digit over both, e.g. `26-0000042-7`. Short enough to say on the phone;
/// the check digit catches one wrong digit and most swaps.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number(String);

impl Number {
    /// The number of the `seq`-th application of `year`.
    pub fn new(year: i32, seq: u32) -> Number {
        let body = format!("{:02}{:07}", year.rem_euclid(100), seq % 10_000_000);
        let check = luhn(&body);
        Number(format!("{}-{}-{check}", &body[..2], &body[2..]))
    }

    /// Parses a number as typed (spaces and dashes optional); checks the digit.
    pub fn parse(input: &str) -> Option<Number> {
        let digits: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (body, check) = digits.split_at(9);
        (luhn(body).to_string() == check)
            .then(|| Number(format!("{}-{}-{check}", &body[..2], &body[2..])))
    }

    /// `26-0000042-7`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [StaffRole; 4] = StaffRole::ALL;

    /// Every (from, to, mover) against the process table written out by hand.
    #[test]
    fn the_whole_machine() {
        use Status as S;
        let table: &[(S, S, &str, bool)] = &[
            // (from, to, who may: a=applicant s=operator/supervisor y=system, reason needed)
            (S::Draft, S::Submitted, "a", false),
            (S::Draft, S::Withdrawn, "a", false),
            (S::Submitted, S::Withdrawn, "a", false),
            (S::InProgress, S::Withdrawn, "a", false),
            (S::NeedsClarification, S::Withdrawn, "a", false),
            (S::Submitted, S::InProgress, "s", false),
            (S::Submitted, S::Rejected, "s", true),
            (S::InProgress, S::Rejected, "s", true),
            (S::NeedsClarification, S::Rejected, "s", true),
            (S::InProgress, S::NeedsClarification, "s", true),
            (S::NeedsClarification, S::InProgress, "asy", false),
            (S::InProgress, S::Approved, "s", false),
            (S::Approved, S::Completed, "s", false),
        ];
        let movers: Vec<(Mover, char)> = std::iter::once((Mover::Applicant, 'a'))
            .chain(std::iter::once((Mover::System, 'y')))
            .chain(
                ROLES
                    .into_iter()
                    .map(|r| (Mover::Staff(r), if processes(r) { 's' } else { '-' })),
            )
            .collect();
        for from in S::ALL {
            for to in S::ALL {
                let row = table.iter().find(|(f, t, _, _)| *f == from && *t == to);
                for (mover, letter) in &movers {
                    let got = check_move(from, to, *mover, Some("причина"));
                    let expected = match row {
                        None => Err(MoveError::NotFromHere),
                        Some((_, _, who, _)) if who.contains(*letter) => Ok(()),
                        Some(_) => Err(MoveError::NotYours),
                    };
                    assert_eq!(got, expected, "{from:?} -> {to:?} by {mover:?}");
                    if let (Ok(()), Some((_, _, _, true))) = (got, row) {
                        assert_eq!(
                            check_move(from, to, *mover, Some("  ")),
                            Err(MoveError::ReasonRequired)
                        );
                        assert_eq!(
                            check_move(from, to, *mover, None),
                            Err(MoveError::ReasonRequired)
                        );
                    }
                }
            }
        }
        for s in S::ALL {
            if s.is_final() {
                assert!(
                    movers.iter().all(|(m, _)| moves_for(s, *m).is_empty()),
                    "{s:?} is final"
                );
            }
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            moves_for(S::Submitted, Mover::Staff(StaffRole::Auditor)),
            vec![]
        );
    }

    #[test]
    fn numbers_carry_a_check_digit() {
        let n = Number::new(2026, 42);
        assert_eq!(n.as_str().len(), 12);
        assert!(n.as_str().starts_with("26-0000042-"));
        assert_eq!(Number::parse(n.as_str()), Some(n.clone()));
        assert_eq!(
            Number::parse(&n.as_str().replace('-', " ")),
            Some(n.clone())
        );
        // Every single wrong digit is caught.
        let digits: Vec<char> = n.as_str().chars().filter(char::is_ascii_digit).collect();
        for i in 0..digits.len() {
            for d in '0'..='9' {
                if d == digits[i] {
                    continue;
                }
                let mut other = digits.clone();
                other[i] = d;
                let typed: String = other.into_iter().collect();
                assert_eq!(Number::parse(&typed), None, "{typed}");
            }
        }
        assert_eq!(Number::parse("26-000004"), None);
        assert_ne!(Number::new(2026, 1), Number::new(2027, 1));
    }
}
