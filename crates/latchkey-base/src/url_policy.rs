//! Which URLs Latchkey talks to, and the canonical form of an MCP server's resource URI.
//!
//! Plain `http://` is accepted only for loopback hosts (development servers); everything else
//! must be https. When the MCP server is https, its authorization server must be https too.

use std::net::IpAddr;

use url::{Host, Url};

use crate::{Error, Result};

/// True for `localhost`, 127.0.0.0/8 and ::1.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Whether an address belongs to the public internet. Everything a public MCP server must not
/// point Latchkey at is not: loopback, private (RFC 1918, IPv6 unique local), link-local (the
/// cloud metadata address 169.254.169.254 among them), shared (CGNAT), unspecified,
/// documentation, benchmarking, reserved, multicast and broadcast ranges, and those same
/// addresses written as IPv4-mapped or NAT64 IPv6.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
                || (a == 192 && b == 0 && v4.octets()[2] == 0) // IETF protocol assignments
                || (a == 198 && (18..20).contains(&b)) // benchmarking (RFC 2544)
                || a >= 240) // reserved
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_address(IpAddr::V4(v4));
            }
            let seg = v6.segments();
            if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                // NAT64: the IPv4 address it carries decides.
                let [h, l] = [seg[6], seg[7]];
                let v4 = std::net::Ipv4Addr::new((h >> 8) as u8, h as u8, (l >> 8) as u8, l as u8);
                return is_public_address(IpAddr::V4(v4));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                || (seg[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (seg[0] == 0x2001 && seg[1] == 0x0db8)) // documentation
        }
    }
}

/// Parse a URL the user gave for an MCP server and check its scheme.
pub fn parse_server_url(input: &str) -> Result<Url> {
    let url = Url::parse(input.trim())
        .map_err(|e| Error::InvalidInput(format!("'{input}' is not a URL: {e}")))?;
    check_transport(&url, None)?;
    if url.host().is_none() {
        return Err(Error::InvalidInput(format!("'{input}' has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::InvalidInput(
            "server URLs must not contain a user name or password".into(),
        ));
    }
    Ok(url)
}

/// Check that `url` may be used: https, or http on a loopback host. When `mcp_server` is given and
/// is https, `url` must be https as well (an https server's tokens never travel in clear text).
pub fn check_transport(url: &Url, mcp_server: Option<&Url>) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if mcp_server.is_some_and(|s| s.scheme() == "https") => Err(Error::Insecure {
            url: url.to_string(),
            reason: "the MCP server uses https, so its authorization server must too".into(),
        }),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::Insecure {
            url: url.to_string(),
            reason: "plain http is allowed only on a loopback address (127.0.0.1, ::1, localhost); use https"
                .into(),
        }),
        other => Err(Error::Insecure {
            url: url.to_string(),
            reason: format!("unsupported scheme '{other}': use https"),
        }),
    }
}

/// The canonical resource URI of an MCP server (RFC 8707 / MCP spec): the URL as the `url`
/// crate (WHATWG) reads it, so it always names the host the HTTP client will connect to
/// (scheme and host lower case, default port dropped, no fragment), except that no trailing
/// slash is *added*: `https://x` stays `https://x` (the parser would write `https://x/`, which
/// strict servers treat as another resource). Inputs without `scheme://` are refused.
pub fn canonical_resource(input: &str) -> Result<String> {
    let input = input.trim();
    let parsed = parse_server_url(input)?;
    let after_scheme = input
        .split_once("://")
        .map(|(scheme, rest)| (scheme.eq_ignore_ascii_case(parsed.scheme()), rest))
        .filter(|(same, _)| *same)
        .map(|(_, rest)| rest)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "'{input}' is not a URL: it needs {}://",
                parsed.scheme()
            ))
        })?;
    // Did the input itself have a path? (The parser adds "/" when it did not.)
    let had_path = after_scheme
        .find(['/', '\\', '?', '#'])
        .is_some_and(|i| matches!(after_scheme.as_bytes()[i], b'/' | b'\\'));
    let mut url = parsed;
    url.set_fragment(None);
    let mut text = url.to_string();
    if !had_path && url.path() == "/" {
        let origin_len = url.origin().ascii_serialization().len();
        if text.as_bytes().get(origin_len) == Some(&b'/') {
            text.remove(origin_len);
        }
    }
    Ok(text)
}

/// Origin of a URL as `scheme://host[:port]`, for same-origin checks.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_resource_rows() {
        let rows = [
            (
                "keeps a missing slash",
                "https://mcp.example.com",
                "https://mcp.example.com",
            ),
            (
                "keeps a trailing slash",
                "https://mcp.example.com/",
                "https://mcp.example.com/",
            ),
            (
                "lowercases host",
                "https://MCP.Example.COM/Mcp",
                "https://mcp.example.com/Mcp",
            ),
            (
                "drops fragment",
                "https://x.test/mcp#frag",
                "https://x.test/mcp",
            ),
            (
                "drops default port",
                "https://x.test:443/mcp",
                "https://x.test/mcp",
            ),
            (
                "keeps other port",
                "http://127.0.0.1:8080/mcp",
                "http://127.0.0.1:8080/mcp",
            ),
            (
                "keeps query",
                "https://x.test/mcp?tenant=a",
                "https://x.test/mcp?tenant=a",
            ),
            (
                "lowercases scheme",
                "HTTPS://x.test/mcp",
                "https://x.test/mcp",
            ),
            (
                "query without path",
                "https://x.test?tenant=a",
                "https://x.test?tenant=a",
            ),
            (
                "backslash is a path separator (fuzz)",
                "https://a\\B",
                "https://a/B",
            ),
            (
                "space before fragment (fuzz)",
                "https://a/ #",
                "https://a/%20",
            ),
            (
                "control character before fragment (fuzz)",
                "https://p?\u{1e}#",
                "https://p?%1E",
            ),
            // Refused: the parser reads evil.example.net as the host.
            (
                "host confusion (fuzz)",
                "https:evil.example.net/x://mcp.example.com/mcp",
                "",
            ),
            ("no slashes after the scheme (fuzz)", "https:h://", ""),
        ];
        for (name, input, want) in rows {
            match canonical_resource(input) {
                Ok(got) => assert_eq!(got, want, "{name}"),
                Err(e) => assert!(want.is_empty(), "{name}: {e}"),
            }
        }
    }

    #[test]
    fn transport_rows() {
        let https_server = Url::parse("https://mcp.example.com/mcp").unwrap();
        let rows: [(&str, &str, Option<&Url>, bool); 7] = [
            ("https anywhere", "https://as.example.com", None, true),
            ("http loopback v4", "http://127.0.0.1:9000/mcp", None, true),
            ("http localhost", "http://localhost:9000/mcp", None, true),
            ("http loopback v6", "http://[::1]:9000/mcp", None, true),
            ("http remote", "http://mcp.example.com/mcp", None, false),
            (
                "http AS for https server",
                "http://127.0.0.1:9000",
                Some(&https_server),
                false,
            ),
            ("ftp", "ftp://127.0.0.1/", None, false),
        ];
        for (name, url, server, ok) in rows {
            let got = check_transport(&Url::parse(url).unwrap(), server);
            assert_eq!(got.is_ok(), ok, "{name}: {got:?}");
        }
    }

    /// Issue 11 (7): what a public MCP server must not point Latchkey at.
    #[test]
    fn public_address_rows() {
        let rows = [
            ("93.184.216.34", true),
            ("8.8.8.8", true),
            ("2606:4700::1111", true),
            ("127.0.0.1", false),
            ("127.8.9.10", false),
            ("10.1.2.3", false),
            ("172.16.0.1", false),
            ("192.168.1.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("0.0.0.0", false),
            ("255.255.255.255", false),
            ("192.0.2.1", false),
            ("198.18.0.1", false),
            ("224.0.0.1", false),
            ("240.0.0.1", false),
            ("::1", false),
            ("::", false),
            ("fd00::1", false),
            ("fe80::1", false),
            ("fec0::1", false),
            ("2001:db8::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:169.254.169.254", false),
            ("::ffff:8.8.8.8", true),
            ("64:ff9b::a9fe:a9fe", false),
            ("64:ff9b::808:808", true),
        ];
        for (ip, public) in rows {
            assert_eq!(is_public_address(ip.parse().unwrap()), public, "{ip}");
        }
    }

    #[test]
    fn not_a_url_is_a_clear_error() {
        let err = parse_server_url("not a url").unwrap_err().to_string();
        assert!(err.contains("is not a URL"), "{err}");
        let err = parse_server_url("http://mcp.example.com/mcp")
            .unwrap_err()
            .to_string();
        assert!(err.contains("only on a loopback address"), "{err}");
    }
}
