//! Notification categories and channels (NTF-1 … NTF-3): what a person may turn on or
//! off, what is on by default, and what cannot be turned off.

/// What a notification is about (NTF-1). Every event of the other features maps to one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// An application changed status, got a comment or a result.
    ApplicationStatus,
    /// A due date is near or passed (clarifications, processing, payments).
    Deadlines,
    /// The person's data changed (profile, identity, change requests).
    PersonalData,
    /// Sign-in, password, second factor, contacts, blocking: cannot be turned off.
    Security,
    /// Payments due and made.
    Payments,
    /// News of the service (broadcasts).
    News,
    /// Support tickets.
    Support,
}

impl Category {
    /// Every category, in the order settings show them.
    pub const ALL: [Category; 7] = [
        Category::ApplicationStatus,
        Category::Deadlines,
        Category::PersonalData,
        Category::Security,
        Category::Payments,
        Category::News,
        Category::Support,
    ];

    /// The API and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::ApplicationStatus => "application_status",
            Category::Deadlines => "deadlines",
            Category::PersonalData => "personal_data",
            Category::Security => "security",
            Category::Payments => "payments",
            Category::News => "news",
            Category::Support => "support",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Security notices always reach the person, whatever the settings say.
    pub fn mandatory(self) -> bool {
        self == Category::Security
    }
}

/// Where a notification goes (NTF-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// «Мои сообщения» in the portal.
    Inbox,
    /// E-mail to confirmed addresses.
    Email,
    /// SMS to confirmed phone numbers.
    Sms,
    /// A signed JSON `POST` to the address the person set (a messenger bridge).
    Webhook,
}

impl Channel {
    /// Every channel, in the order settings show them.
    pub const ALL: [Channel; 4] = [
        Channel::Inbox,
        Channel::Email,
        Channel::Sms,
        Channel::Webhook,
    ];

    /// The API and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Inbox => "inbox",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Webhook => "webhook",
        }
    }

    /// Parses the name.
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Whether a channel is on for a category when the person has not chosen: the inbox
/// always, e-mail for everything but news, SMS only for security and deadlines, the
/// webhook (once the person sets one) for everything.
pub fn default_on(category: Category, channel: Channel) -> bool {
    match channel {
        Channel::Inbox | Channel::Webhook => true,
        Channel::Email => category != Category::News,
        Channel::Sms => matches!(category, Category::Security | Category::Deadlines),
    }
}

/// The effective setting: the person's choice, else the default; a mandatory
/// category's inbox and e-mail cannot be off.
pub fn effective(category: Category, channel: Channel, chosen: Option<bool>) -> bool {
    if category.mandatory() && matches!(channel, Channel::Inbox | Channel::Email) {
        return true;
    }
    chosen.unwrap_or_else(|| default_on(category, channel))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Category::parse("spam"), None);
        assert_eq!(Channel::parse("pigeon"), None);
    }

    #[test]
    fn security_cannot_be_turned_off() {
        assert!(effective(Category::Security, Channel::Email, Some(false)));
        assert!(effective(Category::Security, Channel::Inbox, Some(false)));
        assert!(!effective(Category::Security, Channel::Sms, Some(false)));
        assert!(!effective(Category::News, Channel::Email, None));
        assert!(effective(Category::News, Channel::Email, Some(true)));
        assert!(!effective(
            Category::ApplicationStatus,
            Channel::Email,
            Some(false)
        ));
        assert!(effective(Category::ApplicationStatus, Channel::Inbox, None));
    }
}
