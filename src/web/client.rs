//! Who is asking: the client's address, for the limits kept per address (the website's
//! forms, the ticket status page, admin logins). Only the web room reads it; the rooms
//! below get it as a plain string.

use axum::http::HeaderMap;
use std::net::SocketAddr;

/// The address a request came from: the peer, or, behind a reverse proxy on this
/// machine, the client it names last in `X-Forwarded-For`. Only a loopback peer is
/// believed: anyone else could choose their address by sending the header, and the last
/// entry is the one our own proxy appended.
pub fn client_address(peer: SocketAddr, headers: &HeaderMap) -> String {
    if peer.ip().is_loopback()
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return forwarded.to_string();
    }
    peer.ip().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxy_on_this_machine_names_the_client() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "10.0.0.1, 203.0.113.7".parse().expect("header"),
        );
        let local: SocketAddr = "127.0.0.1:5000".parse().expect("addr");
        let remote: SocketAddr = "198.51.100.2:5000".parse().expect("addr");
        assert_eq!(client_address(local, &headers), "203.0.113.7");
        // Anyone else cannot choose their address by sending the header.
        assert_eq!(client_address(remote, &headers), "198.51.100.2");
    }
}
