//! Redirect targets: one check that a path taken from a request stays on this site.

/// The longest redirect target accepted.
pub const MAX_LEN: usize = 2048;

/// `s` when it is a path on this site, else `None`.
///
/// It must start with exactly one `/` (not `//` or `/\`, which browsers read as another
/// host), hold no backslash, no whitespace and no control character anywhere
/// (Chromium drops a tab or a newline and would then see `//`), and be at most
/// [`MAX_LEN`] bytes. Percent-encoded forms are checked too: `/%2F/evil` or `/%0d%0a`
/// are refused.
pub fn local_path(s: &str) -> Option<&str> {
    if s.len() > MAX_LEN || !plain_local(s) {
        return None;
    }
    if s.contains('%') {
        let decoded = percent_decode(s);
        if !plain_local(&decoded) {
            return None;
        }
    }
    Some(s)
}

fn plain_local(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !s
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
}

/// Decodes `%XX` escapes (invalid ones stay as they are; invalid UTF-8 is replaced).
pub(crate) fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(s)).into_owned()
}

/// Decodes `%XX` escapes into bytes (invalid escapes stay as they are).
pub(crate) fn percent_decode_bytes(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(Some(h)), Some(Some(l))) = (
                bytes.get(i + 1).map(|b| hex(*b)),
                bytes.get(i + 2).map(|b| hex(*b)),
            )
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn local_paths_pass() {
        for ok in [
            "/",
            "/messages",
            "/applications/0190-ab?submitted=1",
            "/profile/contacts/confirm?contact=%2B79161234567",
            "/услуги",
        ] {
            assert_eq!(local_path(ok), Some(ok), "{ok}");
        }
    }

    #[test]
    fn other_sites_and_broken_paths_are_refused() {
        for bad in [
            "",
            "messages",
            "//evil.example",
            "/\\evil.example/",
            "/\t/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/a\nb",
            "/a b",
            "/a\\b",
            "/%0d%0a",
            "/%0D%0ASet-Cookie:%20x=1",
            "/%2F%2Fevil.example",
            "/%5Cevil.example",
            "/%09/evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\u{0}",
            "/\u{85}x",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
        assert_eq!(
            local_path(&format!("/{}", "a".repeat(super::MAX_LEN))),
            None
        );
    }
}
