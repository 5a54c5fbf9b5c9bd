//! Outgoing HTTP(S): every client kabinet builds (SMS gateway, webhooks, the identity
//! registry) starts here, so all of them speak TLS the same way — rustls with the ring
//! provider, the platform's certificate store, and the extra authorities of
//! `tls.ca_file` for private gateways.

use crate::settings::Settings;

/// Installs the process-wide TLS provider (ring) once; later calls do nothing. Every
/// `reqwest` client of the process needs it — kabinet's own (through
/// [`client_builder`]) and any other — so [`crate::App::new`] calls it too.
pub fn install_tls_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may have won the race: either way one provider is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// The extra authorities of `tls.ca_file`, read and parsed (a PEM bundle).
fn extra_roots(settings: &Settings) -> Result<Vec<reqwest::Certificate>, String> {
    let Some(path) = &settings.tls_ca_file else {
        return Ok(Vec::new());
    };
    let pem = std::fs::read(path)
        .map_err(|e| format!("tls.ca_file: cannot read {}: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("tls.ca_file: {}: not a PEM bundle: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "tls.ca_file: {}: no certificate in it",
            path.display()
        ));
    }
    Ok(certs)
}

/// A client builder with kabinet's TLS: the platform's roots plus `tls.ca_file`.
/// Errors name the setting (an unreadable or empty bundle stops start-up).
pub fn client_builder(settings: &Settings) -> Result<reqwest::ClientBuilder, String> {
    install_tls_provider();
    Ok(reqwest::Client::builder().tls_certs_merge(extra_roots(settings)?))
}

/// A request's error with its causes (`error sending request: … invalid peer
/// certificate: UnknownIssuer`), without the URL (it may hold a token).
pub fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(&error);
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    text
}
