//! Which address a request comes from (OWASP: believe forwarding headers only from
//! your own proxies). Rate limits, sign-in history and consent records use it.

use ipnet::IpNet;
use std::net::IpAddr;

/// The client's address: the socket's `peer`, unless `peer` is in `trusted` (a
/// reverse proxy of ours). Then the `X-Forwarded-For` entries are read from the
/// right, since each proxy appends the address it received the request from and only
/// what our proxies appended can be believed: the first entry that is not a trusted
/// proxy is the client. An entry that does not parse ends the walk at the last
/// trusted hop before it; if every entry is trusted, the left-most is the client.
/// IPv4-mapped IPv6 addresses are compared and returned as IPv4.
///
/// `forwarded_for` is every `X-Forwarded-For` header of the request, joined by `,`.
/// Entries may be `IP`, `IP:PORT` or `[IPv6]:PORT`.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(&client) {
        return client;
    }
    let Some(header) = forwarded_for else {
        return client;
    };
    for entry in header.rsplit(',') {
        let Some(hop) = parse_hop(entry) else {
            return client;
        };
        client = hop;
        if !is_trusted(&hop) {
            return hop;
        }
    }
    client
}

/// The key per-IP rate limits count under: an IPv4 address itself, an IPv6
/// address's /64 network (`2001:db8:1:2::/64`), since one subscriber usually holds a
/// whole /64 and could otherwise rotate through its addresses.
pub fn rate_limit_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let net = ipnet::Ipv6Net::new(v6, 64).expect("64 is a valid prefix");
            net.trunc().to_string()
        }
    }
}

/// One `X-Forwarded-For` entry: `IP`, `IP:PORT` or `[IPv6]:PORT`.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    let ip = entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("203.0.113.9"), Some("198.51.100.1"), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), Some("198.51.100.1"), &[]),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8"]);
        // The client forged the first entry; our proxy appended the real address.
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                Some("1.2.3.4, 198.51.100.7, 10.0.0.5"),
                &trusted
            ),
            ip("198.51.100.7")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("10.1.1.1, 10.0.0.5"), &trusted),
            ip("10.1.1.1")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("2001:db8::1"), &trusted),
            ip("2001:db8::1")
        );
    }

    #[test]
    fn junk_left_of_the_client_is_ignored_and_junk_our_proxy_wrote_stops_the_walk() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("junk, 203.0.113.7"), &trusted),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("1.2.3.4, unknown"), &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_ip(
                ip("10.0.0.2"),
                Some("203.0.113.7, unknown, 10.0.0.5"),
                &trusted
            ),
            ip("10.0.0.5")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), None, &trusted), ip("10.0.0.2"));
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some(""), &trusted),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ipv6_is_limited_per_64_and_ipv4_per_address() {
        assert_eq!(rate_limit_key(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(rate_limit_key(ip("::ffff:203.0.113.7")), "203.0.113.7");
        assert_eq!(
            rate_limit_key(ip("2001:db8:1:2:aaaa::1")),
            rate_limit_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_eq!(rate_limit_key(ip("2001:db8:1:2::1")), "2001:db8:1:2::/64");
        assert_ne!(
            rate_limit_key(ip("2001:db8:1:2::1")),
            rate_limit_key(ip("2001:db8:1:3::1"))
        );
    }

    #[test]
    fn ports_and_mapped_addresses_are_understood() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.2"), Some("203.0.113.7:51234"), &trusted),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("[2001:db8::1]:443"), &trusted),
            ip("2001:db8::1")
        );
        assert_eq!(
            client_ip(ip("::ffff:203.0.113.9"), Some("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
    }
}
