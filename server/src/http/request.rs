//! What a request says about its caller: the client address and the bearer token.

use actix_web::{HttpRequest, http::header};

use crate::config::Settings;

/// The caller's IP: the socket peer, or the last `X-Forwarded-For` hop (the one our proxy
/// appended) when `ZTC_TRUST_PROXY` says a proxy sets it.
pub fn client_ip(req: &HttpRequest, settings: &Settings) -> String {
    if settings.trust_proxy
        && let Some(ip) = last_forwarded_hop(req)
    {
        return ip.to_string();
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The address our own proxy appended to `X-Forwarded-For`: the last hop. Earlier entries are
/// whatever the client chose to send, so trusting them would let anyone pick their address (and
/// escape every per-address limit).
fn last_forwarded_hop(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let hops: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    hops.last()?.parse().ok()
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn only_the_hop_our_proxy_added_counts() {
        let spoofed = TestRequest::default()
            .insert_header(("x-forwarded-for", "6.6.6.6, 203.0.113.7"))
            .to_http_request();
        assert_eq!(
            last_forwarded_hop(&spoofed),
            Some("203.0.113.7".parse().unwrap())
        );
        // Several header lines read as one list.
        let split = TestRequest::default()
            .append_header(("x-forwarded-for", "6.6.6.6"))
            .append_header(("x-forwarded-for", "2001:db8::1"))
            .to_http_request();
        assert_eq!(
            last_forwarded_hop(&split),
            Some("2001:db8::1".parse().unwrap())
        );
        let garbage = TestRequest::default()
            .insert_header(("x-forwarded-for", "1.2.3.4, not-an-ip"))
            .to_http_request();
        assert_eq!(last_forwarded_hop(&garbage), None);
        assert_eq!(
            last_forwarded_hop(&TestRequest::default().to_http_request()),
            None
        );
    }
}
