//! Account status and level (ID-11, ID-12).
//!
//! The storage and API names are the `snake_case` variant names (`"active"`,
//! `"standard"` …): [`AccountStatus::as_str`] / [`AccountLevel::as_str`], `Display` and
//! `serde` all write the same text, and `parse` reads only those names.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where an account stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// In use.
    Active,
    /// Waiting for a confirmation.
    Pending,
    /// Blocked by staff (with a reason); no sign-in.
    Blocked,
    /// The password expired: only the change-password page opens.
    Expired,
}

impl AccountStatus {
    /// The API and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Pending => "pending",
            AccountStatus::Blocked => "blocked",
            AccountStatus::Expired => "expired",
        }
    }

    /// Parses the storage name.
    pub fn parse(s: &str) -> Option<AccountStatus> {
        Some(match s {
            "active" => AccountStatus::Active,
            "pending" => AccountStatus::Pending,
            "blocked" => AccountStatus::Blocked,
            "expired" => AccountStatus::Expired,
            _ => return None,
        })
    }
}

/// How well the account holder's identity is established, as on the national portal.
///
/// Ordered by trust in declaration order: `Simplified < Standard < Confirmed`, so a
/// requirement reads `level >= required`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AccountLevel {
    /// A contact is confirmed: where every new account starts (the `Default`).
    #[default]
    Simplified,
    /// СНИЛС and passport entered and checked.
    Standard,
    /// Identity confirmed by an operator, a signature or the external provider.
    Confirmed,
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AccountLevel {
    /// Every level, lowest first.
    pub const ALL: [AccountLevel; 3] = [
        AccountLevel::Simplified,
        AccountLevel::Standard,
        AccountLevel::Confirmed,
    ];

    /// The API and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountLevel::Simplified => "simplified",
            AccountLevel::Standard => "standard",
            AccountLevel::Confirmed => "confirmed",
        }
    }

    /// Parses the storage name.
    pub fn parse(s: &str) -> Option<AccountLevel> {
        Some(match s {
            "simplified" => AccountLevel::Simplified,
            "standard" => AccountLevel::Standard,
            "confirmed" => AccountLevel::Confirmed,
            _ => return None,
        })
    }
}

impl fmt::Display for AccountLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_rank_simplified_standard_confirmed() {
        assert!(AccountLevel::Simplified < AccountLevel::Standard);
        assert!(AccountLevel::Standard < AccountLevel::Confirmed);
        let mut shuffled = [
            AccountLevel::Confirmed,
            AccountLevel::Simplified,
            AccountLevel::Standard,
        ];
        shuffled.sort();
        assert_eq!(shuffled, AccountLevel::ALL);
    }

    #[test]
    fn names_round_trip_through_as_str_display_and_parse() {
        for (level, name) in [
            (AccountLevel::Simplified, "simplified"),
            (AccountLevel::Standard, "standard"),
            (AccountLevel::Confirmed, "confirmed"),
        ] {
            assert_eq!(level.as_str(), name);
            assert_eq!(level.to_string(), name);
            assert_eq!(AccountLevel::parse(name), Some(level));
        }
        for (status, name) in [
            (AccountStatus::Active, "active"),
            (AccountStatus::Pending, "pending"),
            (AccountStatus::Blocked, "blocked"),
            (AccountStatus::Expired, "expired"),
        ] {
            assert_eq!(status.as_str(), name);
            assert_eq!(status.to_string(), name);
            assert_eq!(AccountStatus::parse(name), Some(status));
        }
    }

    #[test]
    fn unknown_names_are_refused() {
        for bad in ["", "Active", "ACTIVE", "closed", " active", "standard"] {
            assert_eq!(AccountStatus::parse(bad), None, "{bad:?}");
        }
        for bad in ["", "Confirmed", "basic", "full", "confirmed ", "active"] {
            assert_eq!(AccountLevel::parse(bad), None, "{bad:?}");
        }
    }
}
