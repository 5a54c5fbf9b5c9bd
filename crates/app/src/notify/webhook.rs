//! Where a person's webhook may point (issue 15 F8): only public addresses, checked
//! twice — the address as written when it is set ([`check_url`]), and every address
//! its host resolves to when a notification is delivered ([`PublicOnly`], the webhook
//! client's resolver, which hands the client exactly the addresses it checked, so a
//! DNS answer that changes between the check and the connection cannot slip through).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether an address is on the public internet: not private, loopback, link-local,
/// unspecified, multicast, broadcast, shared (CGNAT), reserved, for documentation or
/// benchmarks, nor an IPv6 form (mapped, compatible, NAT64, 6to4) of such an IPv4
/// address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (b & 0xc0) == 64) // shared address space (CGNAT), 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b & 0xfe) == 18) // benchmarking, 198.18/15
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    // IPv4-compatible (::a.b.c.d, deprecated), :: and ::1 among them.
    if s[..6].iter().all(|&x| x == 0) {
        return false;
    }
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address.
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0) {
        return is_public_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return is_public_v4(embedded(s[1], s[2]));
    }
    !(ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local, fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local, fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated), fec0::/10
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4].iter().all(|&x| x == 0))) // discard-only
}

/// Host names that always mean this machine or the local network.
fn is_local_name(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host.ends_with(".local")
        || host.ends_with(".internal")
        || host == "home.arpa"
        || host.ends_with(".home.arpa")
}

/// Whether a webhook address is acceptable when the person sets it: `https://` to a
/// public host name or address (plain `http://` and loopback or private addresses only
/// with `allow_insecure`). The address is checked as the URL parser reads it, so
/// `2130706433`, `0x7f.1` and `0177.0.0.1` are 127.0.0.1; IPv4-mapped and compatible
/// IPv6 forms (`[::ffff:127.0.0.1]`) are refused whatever they carry, and so is a
/// name with a trailing dot (`localhost.`). The field error key otherwise.
pub fn check_url(url: &str, allow_insecure: bool) -> Result<reqwest::Url, &'static str> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| "notify-webhook-url")?;
    let scheme_ok = parsed.scheme() == "https" || (allow_insecure && parsed.scheme() == "http");
    if !scheme_ok || parsed.host_str().is_none() || !parsed.username().is_empty() {
        return Err("notify-webhook-url");
    }
    if allow_insecure {
        return Ok(parsed);
    }
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let refused = match literal_ip(&host) {
        Some(IpAddr::V6(v6)) if v6.segments()[..5].iter().all(|&x| x == 0) => {
            // ::ffff:a.b.c.d and ::a.b.c.d: an IPv4 address in disguise.
            v6.segments()[5] == 0xffff || v6.segments()[5] == 0 || !is_public_v6(v6)
        }
        Some(ip) => !is_public(ip),
        None => host.ends_with('.') || is_local_name(&host),
    };
    if refused {
        return Err("notify-webhook-private");
    }
    Ok(parsed)
}

/// The address of a host written as one (`127.0.0.1`, `[::1]`).
fn literal_ip(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// The mark of a refusal by [`PublicOnly`] or [`check_target`] in a delivery error.
pub const REFUSED: &str = "refused: not a public address";

/// Why a webhook was not called: its host is (or resolves to) a non-public address.
#[derive(Debug, thiserror::Error)]
#[error("{REFUSED}: {0}")]
pub struct Refused(pub String);

/// A resolver for the webhook client that answers only when every address of a name
/// is public; the client then connects to exactly those addresses.
#[derive(Clone, Copy, Debug, Default)]
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                return Err(
                    Box::new(Refused(format!("{host} resolves to {}", bad.ip())))
                        as Box<dyn std::error::Error + Send + Sync>,
                );
            }
            if addrs.is_empty() {
                return Err(format!("{host}: no address").into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The check at delivery for an address written as an IP (the client does not resolve
/// those, so [`PublicOnly`] never sees them).
pub fn check_target(url: &str) -> Result<(), Refused> {
    let parsed = reqwest::Url::parse(url).map_err(|_| Refused(format!("{url:?}")))?;
    match parsed.host_str().and_then(literal_ip) {
        Some(ip) if !is_public(ip) => Err(Refused(ip.to_string())),
        _ => Ok(()),
    }
}

/// Whether an error of the webhook client came from a refusal of [`PublicOnly`].
pub fn is_refusal(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<Refused>().is_some() || c.to_string().contains(REFUSED) {
            return true;
        }
        cause = c.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_not() {
        for ok in [
            "8.8.8.8",
            "77.88.8.8",
            "2a00:1450:4010:c05::71",
            "100.128.0.1",
        ] {
            assert!(
                is_public(ok.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))),
                "{ok}"
            );
        }
        for bad in [
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "240.0.0.1",
            "192.0.0.8",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "64:ff9b::7f00:1",
            "2002:7f00:1::",
            "100::1",
        ] {
            let ip: IpAddr = bad.parse().unwrap_or(IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)));
            assert!(!is_public(ip), "{bad}");
        }
    }

    #[test]
    fn addresses_as_written() {
        assert!(check_url("https://bot.example.ru/hook", false).is_ok());
        assert!(check_url("https://8.8.8.8/hook", false).is_ok());
        for private in [
            "https://127.0.0.1/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:7f00:1]/",
            "https://[::ffff:8.8.8.8]/",
            "https://[::127.0.0.1]/",
            "https://[::]/",
            "https://0.0.0.0/",
            "https://localhost./",
            "https://LOCALHOST/",
            "https://bot.example.ru./",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://0177.0.0.1/",
            "https://127.1/",
            "https://100.64.0.1/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://[64:ff9b::a9fe:a9fe]/",
            "https://metadata.internal/",
        ] {
            assert_eq!(
                check_url(private, false).err(),
                Some("notify-webhook-private"),
                "{private}"
            );
        }
        assert!(check_url("http://127.0.0.1:8080/hook", true).is_ok());
        assert!(check_target("http://127.0.0.1:8080/").is_err());
        assert!(check_target("http://[::ffff:7f00:1]:8080/").is_err());
        assert!(check_target("https://bot.example.ru/").is_ok());
    }

    #[tokio::test]
    async fn names_resolving_to_private_addresses_are_refused() {
        let name: Name = match "localhost".parse() {
            Ok(n) => n,
            Err(_) => panic!("a name"),
        };
        let err = match PublicOnly.resolve(name).await {
            Ok(_) => panic!("localhost resolved"),
            Err(e) => e,
        };
        assert!(is_refusal(err.as_ref()), "{err}");
    }
}
