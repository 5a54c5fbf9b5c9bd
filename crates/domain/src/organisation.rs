//! Organisations (ORG-1, ORG-2): the identifiers of a legal entity or a sole
//! proprietor checked each on its own and together, and what each member role may do.

use crate::ids::{Inn, Kpp, Ogrn, Ogrnip};

/// What kind of organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A legal entity: ИНН of 10 digits, ОГРН of 13, КПП.
    LegalEntity,
    /// A sole proprietor: the person's own ИНН of 12 digits, ОГРНИП of 15, no КПП.
    SoleProprietor,
}

impl Kind {
    /// The API and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LegalEntity => "legal_entity",
            Kind::SoleProprietor => "sole_proprietor",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::LegalEntity, Kind::SoleProprietor]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Checked identifiers, normalised (digits only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identifiers {
    /// The kind they belong to.
    pub kind: Kind,
    /// ИНН.
    pub inn: String,
    /// ОГРН (legal entity) or ОГРНИП (sole proprietor).
    pub ogrn: String,
    /// КПП (legal entities only).
    pub kpp: Option<String>,
}

/// The message keys [`check`] may give besides the identifiers' own.
pub const MESSAGE_KEYS: [&str; 5] = [
    "org-ogrnip-for-legal-entity",
    "org-ogrn-for-sole-proprietor",
    "org-inn-not-yours",
    "org-inn-not-in-profile",
    "org-kpp-not-for-sole-proprietor",
];

/// A problem with one field: `(field, message key)`.
pub type Problem = (&'static str, &'static str);

/// Checks an organisation's identifiers, each by its own rules (check digits) and
/// together: a legal entity has a 10-digit ИНН, an ОГРН (not an ОГРНИП) and a КПП; a
/// sole proprietor has a 12-digit ИНН that is the person's own (`person_inn`), an
/// ОГРНИП and no КПП. Every problem is reported, each on its field.
pub fn check(
    kind: Kind,
    inn: &str,
    ogrn: &str,
    kpp: &str,
    person_inn: Option<&str>,
) -> Result<Identifiers, Vec<Problem>> {
    let mut problems: Vec<Problem> = Vec::new();
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).count();
    let (inn_ok, ogrn_ok, kpp_ok) = match kind {
        Kind::LegalEntity => {
            let inn_ok = match Inn::parse_legal(inn) {
                Ok(i) => Some(i.to_string()),
                Err(e) => {
                    problems.push(("inn", e.message_key()));
                    None
                }
            };
            let ogrn_ok = match Ogrn::parse(ogrn) {
                Ok(o) => Some(o.to_string()),
                Err(e) => {
                    // A valid ОГРНИП where an ОГРН belongs: say so plainly.
                    let key = if digits(ogrn) == 15 && Ogrnip::parse(ogrn).is_ok() {
                        "org-ogrnip-for-legal-entity"
                    } else {
                        e.message_key()
                    };
                    problems.push(("ogrn", key));
                    None
                }
            };
            let kpp_ok = match Kpp::parse(kpp) {
                Ok(k) => Some(Some(k.to_string())),
                Err(e) => {
                    problems.push(("kpp", e.message_key()));
                    None
                }
            };
            (inn_ok, ogrn_ok, kpp_ok)
        }
        Kind::SoleProprietor => {
            let inn_ok = match Inn::parse_person(inn) {
                Ok(i) => {
                    let i = i.to_string();
                    match person_inn {
                        Some(own) if own == i => Some(i),
                        Some(_) => {
                            problems.push(("inn", "org-inn-not-yours"));
                            None
                        }
                        None => {
                            problems.push(("inn", "org-inn-not-in-profile"));
                            None
                        }
                    }
                }
                Err(e) => {
                    problems.push(("inn", e.message_key()));
                    None
                }
            };
            let ogrn_ok = match Ogrnip::parse(ogrn) {
                Ok(o) => Some(o.to_string()),
                Err(e) => {
                    let key = if digits(ogrn) == 13 && Ogrn::parse(ogrn).is_ok() {
                        "org-ogrn-for-sole-proprietor"
                    } else {
                        e.message_key()
                    };
                    problems.push(("ogrn", key));
                    None
                }
            };
            let kpp_ok = if kpp.trim().is_empty() {
                Some(None)
            } else {
                problems.push(("kpp", "org-kpp-not-for-sole-proprietor"));
                None
            };
            (inn_ok, ogrn_ok, kpp_ok)
        }
    };
    match (inn_ok, ogrn_ok, kpp_ok) {
        (Some(inn), Some(ogrn), Some(kpp)) if problems.is_empty() => Ok(Identifiers {
            kind,
            inn,
            ogrn,
            kpp,
        }),
        _ => Err(problems),
    }
}

/// A member's role in an organisation (ORG-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Everything an operator may, and members, settings and the organisation's data.
    Administrator,
    /// Creates and submits the organisation's applications, and reads them.
    Operator,
    /// Reads the organisation's applications and documents.
    Observer,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Administrator, Role::Operator, Role::Observer];

    /// The API and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Operator => "operator",
            Role::Observer => "observer",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Whether removing or demoting a member leaves the organisation without an
/// administrator: `administrators` is how many it has now.
pub fn leaves_no_administrator(current: Role, next: Option<Role>, administrators: usize) -> bool {
    current == Role::Administrator && next != Some(Role::Administrator) && administrators <= 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::OrgAction;

    // Valid identifiers (check digits computed by the rules).
    const LEGAL_INN: &str = "7707083893";
    const OGRN: &str = "1027700132195";
    const KPP: &str = "773601001";
    const PERSON_INN: &str = "500100732259";
    const OGRNIP: &str = "304500116000157";

    #[test]
    fn a_legal_entity_is_checked_field_by_field_and_together() {
        let ok = check(Kind::LegalEntity, LEGAL_INN, OGRN, KPP, None).unwrap();
        assert_eq!(
            (ok.inn.as_str(), ok.ogrn.as_str(), ok.kpp.as_deref()),
            (LEGAL_INN, OGRN, Some(KPP))
        );
        let fields = |r: Result<Identifiers, Vec<Problem>>| -> Vec<&'static str> {
            r.unwrap_err().into_iter().map(|(f, _)| f).collect()
        };
        assert_eq!(
            fields(check(Kind::LegalEntity, PERSON_INN, OGRN, KPP, None)),
            ["inn"]
        );
        assert_eq!(
            fields(check(Kind::LegalEntity, "7707083894", OGRN, KPP, None)),
            ["inn"]
        );
        assert_eq!(
            fields(check(Kind::LegalEntity, LEGAL_INN, OGRN, "", None)),
            ["kpp"]
        );
        let e = check(Kind::LegalEntity, LEGAL_INN, OGRNIP, KPP, None).unwrap_err();
        assert_eq!(e, vec![("ogrn", "org-ogrnip-for-legal-entity")]);
        assert_eq!(
            fields(check(Kind::LegalEntity, "1", "2", "3", None)),
            ["inn", "ogrn", "kpp"]
        );
    }

    #[test]
    fn a_sole_proprietor_uses_the_persons_own_inn() {
        let ok = check(
            Kind::SoleProprietor,
            PERSON_INN,
            OGRNIP,
            "",
            Some(PERSON_INN),
        )
        .unwrap();
        assert_eq!(
            (ok.inn.as_str(), ok.ogrn.as_str(), ok.kpp),
            (PERSON_INN, OGRNIP, None)
        );
        assert_eq!(
            check(
                Kind::SoleProprietor,
                PERSON_INN,
                OGRNIP,
                "",
                Some("773173084809")
            )
            .unwrap_err(),
            vec![("inn", "org-inn-not-yours")]
        );
        assert_eq!(
            check(Kind::SoleProprietor, PERSON_INN, OGRNIP, "", None).unwrap_err(),
            vec![("inn", "org-inn-not-in-profile")]
        );
        assert_eq!(
            check(Kind::SoleProprietor, PERSON_INN, OGRN, "", Some(PERSON_INN)).unwrap_err(),
            vec![("ogrn", "org-ogrn-for-sole-proprietor")]
        );
        assert_eq!(
            check(
                Kind::SoleProprietor,
                PERSON_INN,
                OGRNIP,
                KPP,
                Some(PERSON_INN)
            )
            .unwrap_err(),
            vec![("kpp", "org-kpp-not-for-sole-proprietor")]
        );
        assert!(check(Kind::SoleProprietor, LEGAL_INN, OGRNIP, "", Some(LEGAL_INN)).is_err());
    }

    #[test]
    fn the_role_table() {
        let table = [
            (Role::Administrator, [true, true, true, true]),
            (Role::Operator, [true, true, false, false]),
            (Role::Observer, [true, false, false, false]),
        ];
        for (role, allowed) in table {
            for (act, expected) in OrgAction::ALL.into_iter().zip(allowed) {
                assert_eq!(act.allows(role), expected, "{role:?} {act:?}");
            }
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Kind::parse("legal_entity"), Some(Kind::LegalEntity));
        assert_eq!(Kind::parse("ooo"), None);
    }

    #[test]
    fn the_last_administrator_stays() {
        assert!(leaves_no_administrator(Role::Administrator, None, 1));
        assert!(leaves_no_administrator(
            Role::Administrator,
            Some(Role::Operator),
            1
        ));
        assert!(!leaves_no_administrator(
            Role::Administrator,
            Some(Role::Operator),
            2
        ));
        assert!(!leaves_no_administrator(Role::Operator, None, 1));
        assert!(!leaves_no_administrator(
            Role::Administrator,
            Some(Role::Administrator),
            1
        ));
    }
}
