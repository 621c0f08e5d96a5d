//! Credentials and request signing: OAuth 1.0a HMAC-SHA1 headers and OAuth 2.0 client
//! credentials (liveperson-api.md §2).
//!
//! Secrets come from the environment only and live in [`Secret`], whose `Debug` and
//! `Display` print `***`; nothing in this module formats a secret into a message.
//!
//! The OAuth 1.0a signer is written here rather than taken from `oauth1-request`: that crate
//! computes the same signature (the fetch tests use it to verify ours independently), but it
//! neither exposes the signature base string nor writes the header in the parameter order
//! of the documented test vector, which this module reproduces byte for byte.

use std::fmt;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;

use crate::error::{Error, Result};
use crate::time::Ms;

/// A secret value. Shows as `***` everywhere; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// `--auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    /// OAuth 1.0a app key (LP_APP_KEY, LP_APP_SECRET, LP_ACCESS_TOKEN, LP_ACCESS_TOKEN_SECRET).
    #[value(name = "oauth1")]
    OAuth1,
    /// OAuth 2.0 client credentials (LP_CLIENT_ID, LP_CLIENT_SECRET).
    #[value(name = "oauth2")]
    OAuth2,
}

impl fmt::Display for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthMode::OAuth1 => "oauth1",
            AuthMode::OAuth2 => "oauth2",
        })
    }
}

/// The environment variables of OAuth 1.0a, in the LivePerson UI's order.
pub const OAUTH1_VARS: [&str; 4] = ["LP_APP_KEY", "LP_APP_SECRET", "LP_ACCESS_TOKEN", "LP_ACCESS_TOKEN_SECRET"];
/// The environment variables of OAuth 2.0 client credentials.
pub const OAUTH2_VARS: [&str; 2] = ["LP_CLIENT_ID", "LP_CLIENT_SECRET"];

/// An OAuth 1.0a app key: the four values the LivePerson UI shows.
#[derive(Debug, Clone)]
pub struct OAuth1Keys {
    pub app_key: Secret,
    pub app_secret: Secret,
    pub access_token: Secret,
    pub access_token_secret: Secret,
}

/// OAuth 2.0 client credentials of an App Installation.
#[derive(Debug, Clone)]
pub struct OAuth2Client {
    pub client_id: Secret,
    pub client_secret: Secret,
}

#[derive(Debug, Clone)]
pub enum Credentials {
    OAuth1(OAuth1Keys),
    OAuth2(OAuth2Client),
}

impl Credentials {
    /// Reads credentials from the environment (`get` looks a variable up; empty means
    /// unset). With no `mode`, a complete OAuth 2.0 set wins (LivePerson's preferred way,
    /// and OAuth 1.0 keys end on 31 May 2026), else a complete OAuth 1.0a set.
    pub fn from_env(mode: Option<AuthMode>, get: impl Fn(&str) -> Option<String>) -> Result<Credentials> {
        let read = |names: &[&str]| -> (Vec<Secret>, Vec<String>) {
            let mut found = Vec::new();
            let mut missing = Vec::new();
            for n in names {
                match get(n).filter(|v| !v.trim().is_empty()) {
                    Some(v) => found.push(Secret::new(v.trim())),
                    None => missing.push(n.to_string()),
                }
            }
            (found, missing)
        };
        let (o1, o1_missing) = read(&OAUTH1_VARS);
        let (o2, o2_missing) = read(&OAUTH2_VARS);
        let oauth1 = |v: Vec<Secret>| {
            let mut it = v.into_iter();
            let mut next = || it.next().expect("four values");
            Credentials::OAuth1(OAuth1Keys { app_key: next(), app_secret: next(), access_token: next(), access_token_secret: next() })
        };
        let oauth2 = |v: Vec<Secret>| {
            let mut it = v.into_iter();
            let mut next = || it.next().expect("two values");
            Credentials::OAuth2(OAuth2Client { client_id: next(), client_secret: next() })
        };
        match mode {
            Some(AuthMode::OAuth1) if o1_missing.is_empty() => Ok(oauth1(o1)),
            Some(AuthMode::OAuth1) => Err(Error::usage(format!(
                "--auth oauth1 needs the environment variables {}; not set: {}",
                OAUTH1_VARS.join(", "),
                o1_missing.join(", ")
            ))),
            Some(AuthMode::OAuth2) if o2_missing.is_empty() => Ok(oauth2(o2)),
            Some(AuthMode::OAuth2) => Err(Error::usage(format!(
                "--auth oauth2 needs the environment variables {}; not set: {}",
                OAUTH2_VARS.join(", "),
                o2_missing.join(", ")
            ))),
            None if o2_missing.is_empty() => Ok(oauth2(o2)),
            None if o1_missing.is_empty() => Ok(oauth1(o1)),
            None => {
                let mut msg = String::from("no LivePerson credentials in the environment: set LP_CLIENT_ID and LP_CLIENT_SECRET (OAuth 2.0 client credentials), or LP_APP_KEY, LP_APP_SECRET, LP_ACCESS_TOKEN and LP_ACCESS_TOKEN_SECRET (an OAuth 1.0 app key)");
                if o1_missing.len() < OAUTH1_VARS.len() {
                    msg.push_str(&format!("; OAuth 1.0 is missing {}", o1_missing.join(", ")));
                }
                if o2_missing.len() < OAUTH2_VARS.len() {
                    msg.push_str(&format!("; OAuth 2.0 is missing {}", o2_missing.join(", ")));
                }
                Err(Error::usage(msg))
            }
        }
    }

    pub fn mode(&self) -> AuthMode {
        match self {
            Credentials::OAuth1(_) => AuthMode::OAuth1,
            Credentials::OAuth2(_) => AuthMode::OAuth2,
        }
    }

    /// Every secret value, to scrub from any text a server sends back before it is shown.
    pub fn secret_values(&self) -> Vec<&str> {
        match self {
            Credentials::OAuth1(k) => {
                vec![k.app_key.expose(), k.app_secret.expose(), k.access_token.expose(), k.access_token_secret.expose()]
            }
            Credentials::OAuth2(c) => vec![c.client_id.expose(), c.client_secret.expose()],
        }
    }
}

/// RFC 3986 unreserved characters stay; everything else is `%XX` (uppercase hex).
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes as OAuth 1.0a (RFC 5849 §3.6) and the query strings adhere sends want.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// OAuth 1.0a, HMAC-SHA1 (RFC 5849 §3.4, liveperson-api.md §2.3).
pub mod oauth1 {
    use super::*;

    /// The base string URI: lower-case scheme and host, no default port, the path as sent,
    /// no query or fragment.
    pub fn base_uri(url: &url::Url) -> String {
        let mut s = format!("{}://{}", url.scheme().to_ascii_lowercase(), url.host_str().unwrap_or("").to_ascii_lowercase());
        if let Some(port) = url.port() {
            // `url` already drops a port that is the scheme's default.
            s.push_str(&format!(":{port}"));
        }
        s.push_str(url.path());
        s
    }

    /// The oauth_* protocol parameters other than the signature, in the documented header
    /// order.
    fn protocol_params<'a>(keys: &'a OAuth1Keys, nonce: &'a str, timestamp: &'a str) -> [(&'static str, &'a str); 6] {
        [
            ("oauth_nonce", nonce),
            ("oauth_timestamp", timestamp),
            ("oauth_version", "1.0"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_consumer_key", keys.app_key.expose()),
            ("oauth_token", keys.access_token.expose()),
        ]
    }

    /// The signature base string for a request whose query parameters (decoded) are
    /// `query`.
    pub fn base_string(
        method: &str,
        url: &url::Url,
        query: &[(String, String)],
        keys: &OAuth1Keys,
        nonce: &str,
        timestamp: &str,
    ) -> String {
        let mut params: Vec<(String, String)> = query.iter().map(|(k, v)| (encode(k), encode(v))).collect();
        params.extend(protocol_params(keys, nonce, timestamp).iter().map(|(k, v)| (encode(k), encode(v))));
        params.sort();
        let normalized = params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        format!("{}&{}&{}", method.to_ascii_uppercase(), encode(&base_uri(url)), encode(&normalized))
    }

    /// base64(HMAC-SHA1(enc(app secret) & enc(token secret), base string)).
    pub fn signature(keys: &OAuth1Keys, base_string: &str) -> String {
        let key = format!("{}&{}", encode(keys.app_secret.expose()), encode(keys.access_token_secret.expose()));
        let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
        mac.update(base_string.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    /// The `Authorization` header value for a request to `url` (its query is ignored;
    /// `query` holds the decoded parameters actually sent).
    pub fn header(method: &str, url: &url::Url, query: &[(String, String)], keys: &OAuth1Keys, nonce: &str, timestamp: &str) -> String {
        let base = base_string(method, url, query, keys, nonce, timestamp);
        let sig = signature(keys, &base);
        let mut parts: Vec<String> =
            protocol_params(keys, nonce, timestamp).iter().map(|(k, v)| format!("{k}=\"{}\"", encode(v))).collect();
        parts.push(format!("oauth_signature=\"{}\"", encode(&sig)));
        format!("OAuth {}", parts.join(", "))
    }

    /// A fresh nonce: 128 random bits as 32 hex digits.
    pub fn nonce() -> String {
        format!("{:032x}", rand::random::<u128>())
    }
}

/// OAuth 2.0 client credentials (liveperson-api.md §2.4).
pub mod oauth2 {
    use super::*;

    /// Refresh a token this long before its `exp`.
    pub const REFRESH_MARGIN: Ms = 60_000;

    /// A bearer token and when to stop using it.
    #[derive(Debug, Clone)]
    pub struct Token {
        pub value: Secret,
        /// Epoch ms after which a new token is fetched; `None`: until a 401.
        pub refresh_at: Option<Ms>,
    }

    impl Token {
        /// A token received at `now`: good until shortly before the JWT's `exp` (read, not
        /// verified), else before `expires_in`, else until the API refuses it.
        pub fn new(value: String, expires_in: Option<i64>, now: Ms) -> Token {
            let expires =
                jwt_exp(&value).map(|s| s.saturating_mul(1000)).or_else(|| expires_in.map(|s| now.saturating_add(s.saturating_mul(1000))));
            Token { value: Secret::new(value), refresh_at: expires.map(|e| e - REFRESH_MARGIN) }
        }
        pub fn is_fresh(&self, now: Ms) -> bool {
            self.refresh_at.is_none_or(|t| now < t)
        }
    }

    /// The `exp` claim (epoch seconds) of a JWT, without verifying it.
    pub fn jwt_exp(token: &str) -> Option<i64> {
        let payload = token.split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        let exp = v.get("exp")?;
        exp.as_i64().or_else(|| exp.as_f64().map(|f| f as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector_keys() -> OAuth1Keys {
        OAuth1Keys {
            app_key: Secret::new("d392e7ff2e204d6c802e38fd775563d1"),
            app_secret: Secret::new("a1b2c3d4e5f60718"),
            access_token: Secret::new("61adad31204a4e6fab68d560f1ffb594"),
            access_token_secret: Secret::new("0f1e2d3c4b5a6978"),
        }
    }

    fn query_of(url: &url::Url) -> Vec<(String, String)> {
        url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }

    /// liveperson-api.md §2.3, byte for byte.
    #[test]
    fn oauth1_reproduces_the_documented_test_vector() {
        let url = url::Url::parse("https://va.agentactivity.liveperson.net/api/v2/account/12345678/status-changes?source=wfm-adherence&v=2&from=2024-03-01T00:00:00Z&to=2024-03-02T00:00:00Z&limit=100&offset=0").unwrap();
        let keys = vector_keys();
        let q = query_of(&url);
        let nonce = "c1c04ec4312544cf9c39cccb9343541b";
        let ts = "1709251200";
        assert_eq!(
            oauth1::base_string("GET", &url, &q, &keys, nonce, ts),
            "GET&https%3A%2F%2Fva.agentactivity.liveperson.net%2Fapi%2Fv2%2Faccount%2F12345678%2Fstatus-changes&from%3D2024-03-01T00%253A00%253A00Z%26limit%3D100%26oauth_consumer_key%3Dd392e7ff2e204d6c802e38fd775563d1%26oauth_nonce%3Dc1c04ec4312544cf9c39cccb9343541b%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1709251200%26oauth_token%3D61adad31204a4e6fab68d560f1ffb594%26oauth_version%3D1.0%26offset%3D0%26source%3Dwfm-adherence%26to%3D2024-03-02T00%253A00%253A00Z%26v%3D2"
        );
        assert_eq!(oauth1::signature(&keys, &oauth1::base_string("GET", &url, &q, &keys, nonce, ts)), "zmZXJ6tKGwQXmY3dR3PUQPogs+o=");
        assert_eq!(
            oauth1::header("GET", &url, &q, &keys, nonce, ts),
            r#"OAuth oauth_nonce="c1c04ec4312544cf9c39cccb9343541b", oauth_timestamp="1709251200", oauth_version="1.0", oauth_signature_method="HMAC-SHA1", oauth_consumer_key="d392e7ff2e204d6c802e38fd775563d1", oauth_token="61adad31204a4e6fab68d560f1ffb594", oauth_signature="zmZXJ6tKGwQXmY3dR3PUQPogs%2Bo%3D""#
        );
    }

    /// More vectors from Python oauthlib 4.0.1 (`Client(key, client_secret=…,
    /// resource_owner_key=…, resource_owner_secret=…, nonce=…, timestamp=…).sign(url)`):
    /// an explicit default port, upper-case host, an employee id with a space, `+`, `/`,
    /// `*`, `~` and a non-ASCII letter, secrets that need encoding.
    #[test]
    fn oauth1_matches_oauthlib_on_awkward_input() {
        let keys = OAuth1Keys {
            app_key: Secret::new("key with space"),
            app_secret: Secret::new("s&cr+t/é"),
            access_token: Secret::new("tok~en"),
            access_token_secret: Secret::new("ts*cret"),
        };
        let url = url::Url::parse("https://VA.Example.NET:443/api/v2/account/le%2012/status-changes").unwrap();
        let q: Vec<(String, String)> = [
            ("v", "2"),
            ("source", "adhere"),
            ("empId", "EMP 42+x/y*z~é"),
            ("from", "2024-03-01T00:00:00.250Z"),
            ("to", "2024-03-02T00:00:00Z"),
            ("limit", "1000"),
            ("offset", "0"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            oauth1::header("get", &url, &q, &keys, "abc", "1700000000"),
            r#"OAuth oauth_nonce="abc", oauth_timestamp="1700000000", oauth_version="1.0", oauth_signature_method="HMAC-SHA1", oauth_consumer_key="key%20with%20space", oauth_token="tok~en", oauth_signature="dHaS7LDb3kgFQstp26zER%2BWxxkA%3D""#
        );
    }

    #[test]
    fn nonces_are_fresh() {
        let a = oauth1::nonce();
        assert_eq!(a.len(), 32);
        assert_ne!(a, oauth1::nonce());
    }

    #[test]
    fn secrets_never_show() {
        let c = Credentials::OAuth1(vector_keys());
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("a1b2c3d4e5f60718") && !dbg.contains("d392e7ff"), "{dbg}");
        assert!(dbg.contains("***"));
        assert_eq!(Secret::new("x").to_string(), "***");
    }

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn credentials_are_detected_from_the_environment() {
        let o1 = &[("LP_APP_KEY", "a"), ("LP_APP_SECRET", "b"), ("LP_ACCESS_TOKEN", "c"), ("LP_ACCESS_TOKEN_SECRET", "d")];
        assert_eq!(Credentials::from_env(None, env(o1)).unwrap().mode(), AuthMode::OAuth1);
        let both = &[
            ("LP_APP_KEY", "a"),
            ("LP_APP_SECRET", "b"),
            ("LP_ACCESS_TOKEN", "c"),
            ("LP_ACCESS_TOKEN_SECRET", "d"),
            ("LP_CLIENT_ID", "e"),
            ("LP_CLIENT_SECRET", "f"),
        ];
        assert_eq!(Credentials::from_env(None, env(both)).unwrap().mode(), AuthMode::OAuth2);
        assert_eq!(Credentials::from_env(Some(AuthMode::OAuth1), env(both)).unwrap().mode(), AuthMode::OAuth1);
        let partial = &[("LP_APP_KEY", "a"), ("LP_APP_SECRET", "sekrit"), ("LP_ACCESS_TOKEN", "")];
        let err = Credentials::from_env(None, env(partial)).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(msg.contains("OAuth 1.0 is missing LP_ACCESS_TOKEN, LP_ACCESS_TOKEN_SECRET"), "{msg}");
        assert!(!msg.contains("sekrit"));
        let err = Credentials::from_env(Some(AuthMode::OAuth2), env(o1)).unwrap_err().to_string();
        assert!(err.contains("not set: LP_CLIENT_ID, LP_CLIENT_SECRET"), "{err}");
    }

    #[test]
    fn jwt_expiry_is_read_without_verifying() {
        // header {"alg":"none"}, payload {"exp":1700000000,"sub":"x"}
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let jwt = format!("{}.{}.sig", b64(r#"{"alg":"none"}"#), b64(r#"{"exp":1700000000,"sub":"x"}"#));
        assert_eq!(oauth2::jwt_exp(&jwt), Some(1_700_000_000));
        let t = oauth2::Token::new(jwt, None, 0);
        assert_eq!(t.refresh_at, Some(1_700_000_000_000 - 60_000));
        assert!(t.is_fresh(1_699_999_939_999) && !t.is_fresh(1_699_999_940_000));
        // not a JWT: expires_in, else until a 401
        let t = oauth2::Token::new("opaque".into(), Some(3600), 1_000);
        assert_eq!(t.refresh_at, Some(1_000 + 3_600_000 - 60_000));
        assert!(oauth2::Token::new("opaque".into(), None, 0).is_fresh(i64::MAX));
    }
}
