//! The kabinet domain: identifiers, money, statuses, roles and the access matrix.
//!
//! Pure code: no I/O, no async, no clock reads. A value of a domain type is valid
//! by construction ("parse, don't validate").
#![forbid(unsafe_code)]

pub mod access;
pub mod account;
pub mod application;
pub mod calendar;
pub mod form;
pub mod ids;
pub mod login;
pub mod notify;
pub mod organisation;
pub mod password;
pub mod profile;
