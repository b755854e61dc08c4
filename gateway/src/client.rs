//! Who the client is when the gateway sits behind reverse proxies: the peer's address, or,
//! when the peer is a proxy named in `TRUSTED_PROXIES`, the address that proxy saw
//! (`X-Forwarded-For`, read from the right, skipping trusted proxies). Per-address limits
//! (sign-in, sign-up) key on it; without it everyone behind a proxy would share one budget.

use std::net::IpAddr;

use ipnet::IpNet;
use poem::{Request, http::HeaderMap};

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses and networks (`10.0.0.0/8`, `127.0.0.1`, `::1`); blanks are skipped.
    pub fn parse(list: &[String]) -> Result<Self, String> {
        let nets = list
            .iter()
            .map(|entry| entry.trim())
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("TRUSTED_PROXIES: `{entry}` is not an address or network"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self(nets))
    }

    /// True when `ip` is a trusted proxy.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address, if the connection has one (see the module docs).
    pub fn client_ip(&self, req: &Request) -> Option<IpAddr> {
        let peer = req.remote_addr().as_socket_addr()?.ip();
        Some(self.client_behind(peer, req.headers()))
    }

    /// The client of a connection from `peer` whose request carries `headers`.
    fn client_behind(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        let mut nearest = peer;
        for hop in forwarded.iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                // A proxy we trust wrote something we cannot read: stop at what we know.
                return nearest;
            };
            if !self.trusts(ip) {
                return ip;
            }
            nearest = ip;
        }
        nearest
    }

    /// [`Self::client_ip`] as text, `unknown` when there is none.
    pub fn client_key(&self, req: &Request) -> String {
        self.client_ip(req)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    }
}

#[cfg(test)]
mod tests {
    use poem::http::HeaderValue;

    use super::*;

    #[test]
    fn only_a_trusted_proxys_forwarding_is_believed() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).expect("parses");
        let ip = |peer: &str, forwarded: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(value) = forwarded {
                headers.insert(
                    "x-forwarded-for",
                    HeaderValue::from_str(value).expect("value"),
                );
            }
            let peer = peer.parse().expect("peer");
            proxies.client_behind(peer, &headers).to_string()
        };
        assert_eq!(ip("203.0.113.9", Some("1.2.3.4")), "203.0.113.9");
        assert_eq!(ip("10.1.2.3", Some("1.2.3.4")), "1.2.3.4");
        // A client that writes its own header is not believed past the first untrusted hop.
        assert_eq!(
            ip("10.1.2.3", Some("6.6.6.6, 198.51.100.7, 10.9.9.9")),
            "198.51.100.7"
        );
        assert_eq!(ip("10.1.2.3", Some("garbage")), "10.1.2.3");
        assert_eq!(ip("10.1.2.3", None), "10.1.2.3");
        assert!(TrustedProxies::parse(&["nonsense".into()]).is_err());
    }
}
