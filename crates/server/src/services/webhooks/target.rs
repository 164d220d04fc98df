//! Where webhooks may be delivered: http(s) URLs whose addresses are public.
//! Loopback, private, shared (CGNAT), link-local (169.254.169.254, the cloud
//! metadata service, included), multicast, broadcast, reserved and
//! unspecified addresses are refused, for IPv4 and IPv6 alike, including
//! IPv4 addresses carried inside IPv6 (mapped `::ffff:a.b.c.d`, compatible,
//! NAT64 `64:ff9b::/96` and 6to4 `2002::/16`), unless
//! `webhooks.allow_private_targets` is set.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Why an address is refused, for messages: `None` when it is public.
pub fn refused_class(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_class(v4),
        IpAddr::V6(v6) => v6_class(v6),
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if a == 100 && (64..128).contains(&b) {
        Some("private (shared address space)")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() || a >= 240 {
        Some("reserved")
    } else {
        None
    }
}

fn v6_class(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    if let Some(v4) = embedded_v4(ip) {
        return v4_class(v4);
    }
    if ip.is_multicast() {
        Some("multicast")
    } else if segments[0] & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if segments[0] & 0xffc0 == 0xfec0 {
        Some("private (site-local)")
    } else if segments[0] & 0xfe00 == 0xfc00 {
        Some("private (unique local)")
    } else {
        None
    }
}

/// The IPv4 address an IPv6 address stands for, where it stands for one.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if s[..6] == [0, 0, 0, 0, 0, 0] {
        // IPv4-compatible (deprecated) `::a.b.c.d`.
        Some(tail())
    } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(tail())
    } else if s[0] == 0x2002 {
        Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ))
    } else {
        None
    }
}

/// Why a URL cannot be a webhook target at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlProblem {
    /// Malformed, or not http(s): a validation error on `url`.
    Invalid(String),
    /// A literal address of a refused class: `webhook_url_not_allowed`.
    NotAllowed(String),
}

/// Parses and checks a webhook URL. Host names are only checked when
/// delivering (what they resolve to can change); a literal address is
/// checked now.
pub fn check_url(text: &str, allow_private: bool) -> Result<Url, UrlProblem> {
    let text = text.trim();
    if text.len() > 2000 {
        return Err(UrlProblem::Invalid(
            "must be at most 2000 characters".into(),
        ));
    }
    let url = Url::parse(text).map_err(|e| UrlProblem::Invalid(format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlProblem::Invalid(
            "must be an http:// or https:// URL".into(),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlProblem::Invalid(
            "must not contain credentials; put a token in the path or query instead".into(),
        ));
    }
    if url.fragment().is_some() {
        return Err(UrlProblem::Invalid("must not have a fragment (#…)".into()));
    }
    let literal = match url.host() {
        None => return Err(UrlProblem::Invalid("must have a host".into())),
        Some(Host::Domain(_)) => None,
        Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
    };
    if let Some(ip) = literal
        && !allow_private
        && let Some(class) = refused_class(ip)
    {
        return Err(UrlProblem::NotAllowed(format!(
            "The webhook URL points at {ip}, a {class} address; this server only delivers to public addresses"
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(text: &str) -> Option<&'static str> {
        refused_class(text.parse().unwrap())
    }

    #[test]
    fn classifies_every_refused_range() {
        for (ip, expected) in [
            ("0.0.0.0", "unspecified"),
            ("127.0.0.1", "loopback"),
            ("127.255.1.2", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "private (shared address space)"),
            ("169.254.169.254", "link-local"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("fc00::1", "private (unique local)"),
            ("fd12:3456::1", "private (unique local)"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::ffff:10.0.0.1", "private"),
            ("::127.0.0.1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:c0a8:0101::1", "private"),
        ] {
            assert_eq!(class(ip), Some(expected), "{ip}");
        }
        for public in [
            "93.184.216.34",
            "172.32.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert_eq!(class(public), None, "{public}");
        }
    }

    #[test]
    fn literal_addresses_are_refused_at_creation() {
        for url in [
            "http://127.0.0.1/hook",
            "http://[::1]:8080/",
            "https://169.254.169.254/latest/meta-data",
            "http://[::ffff:7f00:1]/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://10.0.0.5/",
        ] {
            assert!(
                matches!(check_url(url, false), Err(UrlProblem::NotAllowed(_))),
                "{url}"
            );
            assert!(
                check_url(url, true).is_ok(),
                "{url} with private targets allowed"
            );
        }
        assert!(check_url("https://hooks.example.com/x?token=1", false).is_ok());
        for bad in [
            "ftp://example.com/",
            "not a url",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "file:///etc/passwd",
        ] {
            assert!(
                matches!(check_url(bad, false), Err(UrlProblem::Invalid(_))),
                "{bad}"
            );
        }
    }
}
