//! Which webhook URLs may be called: http(s) only, and (unless private addresses are allowed)
//! never an address inside the network the service runs in — loopback, private ranges,
//! link-local (cloud metadata), and the like. The gateway checks the URL when it is saved;
//! the worker checks every address the host resolves to when it connects (DNS can change).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a webhook URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    #[error("must be an absolute http or https URL")]
    NotHttp,
    #[error("must not carry a user name or password")]
    Credentials,
    #[error("must not point at a private, loopback or link-local address")]
    Private,
}

/// Checks a webhook URL's form, and its host if it is an IP address (a name is checked when
/// it is resolved); returns it parsed.
pub fn check_webhook_url(raw: &str, allow_private: bool) -> Result<url::Url, UrlRefused> {
    let url = url::Url::parse(raw.trim()).map_err(|_| UrlRefused::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlRefused::NotHttp);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlRefused::Credentials);
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if !allow_private && (name == "localhost" || name.ends_with(".localhost")) {
                return Err(UrlRefused::Private);
            }
            None
        }
        None => return Err(UrlRefused::NotHttp),
    };
    if !allow_private && ip.is_some_and(|ip| !is_public_ip(ip)) {
        return Err(UrlRefused::Private);
    }
    Ok(url)
}

/// True for an address on the public internet.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)) // NAT64 (embeds IPv4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_http_urls_pass_unless_private_is_allowed() {
        let cases = [
            ("https://hooks.example.com/x", Ok(())),
            ("http://93.184.216.34:8080/hook", Ok(())),
            ("ftp://example.com/", Err(UrlRefused::NotHttp)),
            ("file:///etc/passwd", Err(UrlRefused::NotHttp)),
            ("not a url", Err(UrlRefused::NotHttp)),
            ("https://u:p@example.com/", Err(UrlRefused::Credentials)),
            ("http://127.0.0.1:9000/", Err(UrlRefused::Private)),
            ("http://localhost/", Err(UrlRefused::Private)),
            ("http://10.1.2.3/", Err(UrlRefused::Private)),
            (
                "http://169.254.169.254/latest/meta-data",
                Err(UrlRefused::Private),
            ),
            ("http://[::1]/", Err(UrlRefused::Private)),
            ("http://[::ffff:127.0.0.1]/", Err(UrlRefused::Private)),
            ("http://[fd00::1]/", Err(UrlRefused::Private)),
            ("http://100.64.0.1/", Err(UrlRefused::Private)),
        ];
        for (url, expected) in cases {
            assert_eq!(check_webhook_url(url, false).map(|_| ()), expected, "{url}");
        }
        assert!(check_webhook_url("http://127.0.0.1:9000/", true).is_ok());
        assert_eq!(
            check_webhook_url("ftp://127.0.0.1/", true).map(|_| ()),
            Err(UrlRefused::NotHttp)
        );
    }
}
