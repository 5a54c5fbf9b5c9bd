//! Account status and level (ID-11, ID-12).

/// Where an account stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccountLevel {
    /// A contact is confirmed.
    Simplified,
    /// СНИЛС and passport entered and checked.
    Standard,
    /// Identity confirmed by an operator, a signature or the external provider.
    Confirmed,
}

impl AccountLevel {
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
