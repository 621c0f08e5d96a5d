//! Where the account's services live (liveperson-api.md §3): the Domain API answers
//! `GET {domain_api}/api/account/{account}/service/{service}/baseURI.json?version=1.0` with
//! `{"baseURI": "<host>"}`. Hosts are never built by hand; `--base-url` replaces the lookup.

use url::Url;

use super::auth::encode;
use crate::error::{Error, Result};

/// The Domain API everyone uses unless told otherwise.
pub const DEFAULT_DOMAIN_API: &str = "https://api.liveperson.net";
/// The service that serves status-changes.
pub const AGENT_ACTIVITY: &str = "agentActivityDomain";
/// The service that issues OAuth 2.0 tokens.
pub const SENTINEL: &str = "sentinel";
/// The service of the Users, Agent Groups and Agent Status Reason APIs (read only).
pub const ACCOUNT_CONFIG: &str = "accountConfigReadOnly";
/// The service of the Messaging Interactions API.
pub const MESSAGING_HISTORY: &str = "msgHist";

/// Where the hosts come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointSource {
    /// Look each service up in this Domain API (`--domain-api`).
    Lookup(Url),
    /// Talk to this scheme and host for everything (`--base-url`).
    Fixed(Url),
}

/// The resolved hosts of one run, as scheme + host (+ port) URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub agent_activity: Url,
    /// Resolved only for OAuth 2.0.
    pub sentinel: Option<Url>,
}

/// Reads a `--domain-api` / `--base-url` value: `http` or `https`, a host, an optional port,
/// nothing else.
pub fn parse_server_url(flag: &str, written: &str) -> Result<Url> {
    // Never echo a user name or password someone put in the URL.
    let shown = if written.contains('@') { "(a URL with user info)" } else { written };
    let bad = |why: &str| {
        Error::usage(format!(
            "{flag} {shown:?}: {why}; give a scheme and host (and port if needed), e.g. {flag} https://api.liveperson.net"
        ))
    };
    let url = Url::parse(written.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("there is no host"));
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(bad(&format!("a path ({}) is not supported", url.path())));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(bad("a query, fragment or user name is not supported"));
    }
    let mut url = url;
    url.set_path("/");
    Ok(url)
}

/// The Domain API request for one service.
pub fn lookup_url(domain_api: &Url, account: &str, service: &str) -> Url {
    let mut url = domain_api.clone();
    url.set_path(&format!("/api/account/{}/service/{}/baseURI.json", encode(account), encode(service)));
    url.set_query(Some("version=1.0"));
    url
}

/// The URL of a host the Domain API returned: https, or http when the Domain API itself
/// was given as plain http (a test server or a local proxy). A scheme in the answer is
/// ignored for the same reason; a path is refused.
pub fn host_url(domain_api: &Url, base_uri: &str) -> Option<Url> {
    let scheme = if domain_api.scheme() == "http" { "http" } else { "https" };
    let host = base_uri.trim();
    let host = host.split_once("://").map_or(host, |(_, h)| h).trim_end_matches('/');
    if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    let url = Url::parse(&format!("{scheme}://{host}/")).ok()?;
    url.host_str().is_some().then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_and_hosts() {
        let api = parse_server_url("--domain-api", DEFAULT_DOMAIN_API).unwrap();
        assert_eq!(
            lookup_url(&api, "12345678", AGENT_ACTIVITY).as_str(),
            "https://api.liveperson.net/api/account/12345678/service/agentActivityDomain/baseURI.json?version=1.0"
        );
        assert_eq!(host_url(&api, "va.agentactivity.liveperson.net").unwrap().as_str(), "https://va.agentactivity.liveperson.net/");
        let local = parse_server_url("--domain-api", "http://127.0.0.1:8080").unwrap();
        assert_eq!(host_url(&local, "127.0.0.1:9090").unwrap().as_str(), "http://127.0.0.1:9090/");
        assert_eq!(host_url(&local, "https://x.example/").unwrap().as_str(), "http://x.example/");
        assert_eq!(host_url(&api, "x.example/evil/path"), None);
        assert_eq!(host_url(&api, ""), None);
    }

    #[test]
    fn server_urls_are_scheme_and_host_only() {
        assert_eq!(parse_server_url("--base-url", "http://127.0.0.1:1234").unwrap().as_str(), "http://127.0.0.1:1234/");
        for bad in ["ftp://x", "https://x/api", "x.example", "https://u:p@x", "https://x/?a=1"] {
            let e = parse_server_url("--base-url", bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains("--base-url"), "{e}");
        }
    }
}
