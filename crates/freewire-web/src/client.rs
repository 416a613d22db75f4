//! Who the client is, by network address, for the rate limits: the connection's peer, or, when
//! the peer is a proxy the operator trusts (`trusted_proxies`), the address that proxy says it
//! forwarded for. `X-Forwarded-For` is read from the right, skipping trusted hops, so a client
//! cannot pick its own address by sending the header itself.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::state::AppState;

/// The client's address as the rate limits count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// The client behind `peer`: the rightmost address in `forwarded_for` that is not a trusted
/// proxy, when `peer` is one; `peer` otherwise.
#[must_use]
pub fn client_behind(peer: IpAddr, forwarded_for: &[&str], trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = forwarded_for.iter().flat_map(|h| h.split(',')).map(str::trim).rev();
    let mut client = peer;
    for hop in hops {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            // An address we cannot read ends the chain: the last trusted hop is all we know.
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        let trusted = &state.config().trusted_proxies;
        if trusted.is_empty() {
            return Ok(ClientAddress(peer));
        }
        let headers: Vec<&str> =
            parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        Ok(ClientAddress(client_behind(peer, &headers, trusted)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxies = nets(&["10.0.0.0/8", "127.0.0.1/32"]);
        // No proxy trusted: the header is the client's own words and is ignored.
        assert_eq!(client_behind(ip("198.51.100.7"), &["203.0.113.9"], &proxies), ip("198.51.100.7"));
        // Through our proxy: the hop it added.
        assert_eq!(client_behind(ip("127.0.0.1"), &["203.0.113.9"], &proxies), ip("203.0.113.9"));
        // A client that sends its own header first cannot hide behind it.
        assert_eq!(client_behind(ip("127.0.0.1"), &["1.2.3.4, 203.0.113.9"], &proxies), ip("203.0.113.9"));
        // Two trusted proxies in a row; several header lines read as one list.
        assert_eq!(client_behind(ip("127.0.0.1"), &["203.0.113.9", "10.1.2.3"], &proxies), ip("203.0.113.9"));
        // Nothing usable: the proxy itself.
        assert_eq!(client_behind(ip("127.0.0.1"), &["unknown"], &proxies), ip("127.0.0.1"));
        assert_eq!(client_behind(ip("127.0.0.1"), &[], &proxies), ip("127.0.0.1"));
    }
}
