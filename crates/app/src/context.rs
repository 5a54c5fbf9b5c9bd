//! Who is acting and from where: filled by the web layer or the CLI, written to audit.

/// The acting party and the request's provenance.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// `system`, `cli`, `account:<id>`, `staff:<id>`.
    pub actor: String,
    /// Client address, for requests.
    pub source: Option<String>,
    /// Request id, for requests.
    pub request_id: Option<String>,
    /// The device cookie the request carried (a browser that signed in before), if any.
    pub device: Option<String>,
}

impl Ctx {
    /// The command line (an operator at the console).
    pub fn cli() -> Ctx {
        Ctx {
            actor: "cli".to_owned(),
            source: None,
            request_id: None,
            device: None,
        }
    }

    /// kabinet itself (scheduled work, start-up).
    pub fn system() -> Ctx {
        Ctx {
            actor: "system".to_owned(),
            source: None,
            request_id: None,
            device: None,
        }
    }
}
