//! Which address a request comes from (OWASP: believe forwarding headers only from
//! your own proxies). Rate limits, sign-in history and consent records use it.

use ipnet::IpNet;
use std::net::IpAddr;

/// The client's address: the socket's `peer`, unless `peer` is in `trusted` (a
/// reverse proxy of ours). Then it is the right-most `X-Forwarded-For` entry that is
/// not itself a trusted proxy, since each proxy appends the address it received the
/// request from and only the entries our proxies appended can be believed; if every
/// entry is trusted, the left-most. A header that does not parse gives `peer`.
///
/// `forwarded_for` is every `X-Forwarded-For` header of the request, joined by `,`.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let Some(header) = forwarded_for else {
        return peer;
    };
    let hops: Option<Vec<IpAddr>> = header
        .split(',')
        .map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect();
    let Some(hops) = hops.filter(|h| !h.is_empty()) else {
        return peer;
    };
    hops.iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
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
    fn a_missing_or_malformed_header_gives_the_peer() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(client_ip(ip("10.0.0.2"), None, &trusted), ip("10.0.0.2"));
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some("1.2.3.4, unknown"), &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_ip(ip("10.0.0.2"), Some(""), &trusted),
            ip("10.0.0.2")
        );
    }
}
