//! Recognising the same story reached twice by its address: [`normalize_url`] turns the many
//! spellings of one address into one key, which the store compares across sources.
//!
//! Recognising it by its text is the fingerprint's job, in [`crate::fingerprint`], next to
//! the near-duplicate rule the store applies.

use url::{Position, Url, form_urlencoded};

/// Query parameters that only say how a visitor arrived (campaign, click and share ids), never
/// which page they see. Every `utm_*` parameter is treated the same way, see [`is_tracking`].
const TRACKING_PARAMS: &[&str] = &[
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref_src", "cmpid",
    "ocid",
];

/// Whether a query parameter only says how a visitor arrived (`utm_*`, `fbclid` …).
#[must_use]
pub fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_") || TRACKING_PARAMS.contains(&name.as_str())
}

/// The key under which an article's address is compared with others, or `None` when `url` is
/// not an absolute `http`/`https` URL.
///
/// What changes: the host is lowercased (and internationalised names put in their ASCII form),
/// the scheme's default port and the fragment are dropped, tracking parameters (`utm_*`,
/// `fbclid`, `gclid` and the like) are removed, the remaining query parameters are ordered by
/// name, an empty query (`?`) is dropped, and a bare `/` path is dropped
/// (`https://outlet.example/` becomes `https://outlet.example`).
///
/// What stays: the path as written (`/index.html`, trailing slashes on longer paths), `www.`
/// (it may name a different host), the case of path and query, and the exact encoding of each
/// kept parameter (decoding and re-encoding could change what the server receives). Parameters
/// with the same name keep their relative order, since some servers read only the first or the
/// last of them.
#[must_use]
pub fn normalize_url(url: &str) -> Option<String> {
    let mut parsed = Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return None;
    }
    // The url crate already drops a port equal to the scheme's default while parsing.
    parsed.set_fragment(None);

    let query = parsed.query().map(str::to_owned);
    match query {
        Some(query) => {
            let mut kept: Vec<(String, &str)> = query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .filter_map(|pair| {
                    let raw_name = pair.split_once('=').map_or(pair, |(name, _)| name);
                    let name = form_urlencoded::parse(raw_name.as_bytes())
                        .next()
                        .map_or_else(String::new, |(name, _)| name.into_owned());
                    (!is_tracking(&name)).then_some((name, pair))
                })
                .collect();
            // A stable sort: parameters sharing a name keep their order.
            kept.sort_by(|a, b| a.0.cmp(&b.0));
            if kept.is_empty() {
                parsed.set_query(None);
            } else {
                let joined = kept.iter().map(|(_, pair)| *pair).collect::<Vec<_>>().join("&");
                parsed.set_query(Some(&joined));
            }
        }
        None => parsed.set_query(None),
    }

    if parsed.path() == "/" {
        Some(format!("{}{}", &parsed[..Position::BeforePath], &parsed[Position::AfterPath..]))
    } else {
        Some(parsed.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // --- normalize_url ------------------------------------------------------------------------

    #[track_caller]
    fn norm(url: &str) -> String {
        normalize_url(url).unwrap_or_else(|| panic!("{url} should normalise"))
    }

    #[test]
    fn host_is_lowercased_and_scheme_kept() {
        assert_eq!(norm("HTTPS://Outlet.EXAMPLE/News/A"), "https://outlet.example/News/A");
        assert_eq!(norm("http://outlet.example/a"), "http://outlet.example/a");
    }

    #[test]
    fn default_ports_are_dropped_and_others_kept() {
        assert_eq!(norm("https://outlet.example:443/a"), "https://outlet.example/a");
        assert_eq!(norm("http://outlet.example:80/a"), "http://outlet.example/a");
        assert_eq!(norm("https://outlet.example:8443/a"), "https://outlet.example:8443/a");
        assert_eq!(norm("http://outlet.example:443/a"), "http://outlet.example:443/a");
    }

    #[test]
    fn fragment_is_dropped() {
        assert_eq!(norm("https://outlet.example/a#comments"), "https://outlet.example/a");
        assert_eq!(norm("https://outlet.example/a?id=1#top"), "https://outlet.example/a?id=1");
    }

    #[test]
    fn tracking_parameters_are_removed() {
        let url = "https://outlet.example/a?utm_source=x&utm_medium=y&utm_campaign=z&utm_content=c\
                   &utm_term=t&fbclid=1&gclid=2&dclid=3&msclkid=4&mc_cid=5&mc_eid=6&igshid=7\
                   &yclid=8&_ga=9&ref_src=twsrc&cmpid=10&ocid=11";
        assert_eq!(norm(url), "https://outlet.example/a");
    }

    #[test]
    fn tracking_parameters_are_recognised_in_any_case_and_encoding() {
        assert_eq!(norm("https://outlet.example/a?UTM_Source=x&FBCLID=1"), "https://outlet.example/a");
        assert_eq!(norm("https://outlet.example/a?utm%5Fsource=x&id=2"), "https://outlet.example/a?id=2");
        assert_eq!(norm("https://outlet.example/a?utm_source"), "https://outlet.example/a");
    }

    #[test]
    fn parameters_that_merely_resemble_tracking_ones_are_kept() {
        assert_eq!(
            norm("https://outlet.example/a?utm=1&xutm_source=2&ref=3"),
            "https://outlet.example/a?ref=3&utm=1&xutm_source=2"
        );
    }

    #[test]
    fn remaining_parameters_are_sorted_by_name() {
        assert_eq!(norm("https://outlet.example/a?z=1&a=2&m=3"), "https://outlet.example/a?a=2&m=3&z=1");
        assert_eq!(
            norm("https://outlet.example/a?z=1&a=2&m=3"),
            norm("https://outlet.example/a?m=3&utm_source=x&z=1&a=2")
        );
    }

    #[test]
    fn repeated_parameters_keep_their_relative_order() {
        assert_eq!(
            norm("https://outlet.example/a?tag=b&id=1&tag=a"),
            "https://outlet.example/a?id=1&tag=b&tag=a"
        );
    }

    #[test]
    fn parameter_encoding_is_kept_as_written() {
        assert_eq!(
            norm("https://outlet.example/search?q=a+b&p=%2Fx%2F"),
            "https://outlet.example/search?p=%2Fx%2F&q=a+b"
        );
    }

    #[test]
    fn empty_query_and_empty_pairs_are_dropped() {
        assert_eq!(norm("https://outlet.example/a?"), "https://outlet.example/a");
        assert_eq!(norm("https://outlet.example/a?&&"), "https://outlet.example/a");
        assert_eq!(norm("https://outlet.example/a?&b=1&&a=2&"), "https://outlet.example/a?a=2&b=1");
    }

    #[test]
    fn bare_root_path_loses_its_slash() {
        assert_eq!(norm("https://outlet.example/"), "https://outlet.example");
        assert_eq!(norm("https://outlet.example"), "https://outlet.example");
        assert_eq!(norm("https://outlet.example/?utm_source=x"), "https://outlet.example");
        assert_eq!(norm("https://outlet.example/?page=2"), "https://outlet.example?page=2");
        assert_eq!(norm("https://outlet.example:8080/"), "https://outlet.example:8080");
    }

    #[test]
    fn other_paths_are_kept_as_written() {
        assert_eq!(norm("https://outlet.example/news/"), "https://outlet.example/news/");
        assert_eq!(norm("https://outlet.example/news"), "https://outlet.example/news");
        assert_eq!(norm("https://outlet.example/index.html"), "https://outlet.example/index.html");
        assert_eq!(norm("https://outlet.example/News/Story"), "https://outlet.example/News/Story");
    }

    #[test]
    fn www_is_kept() {
        assert_eq!(norm("https://www.outlet.example/a"), "https://www.outlet.example/a");
        assert_ne!(norm("https://www.outlet.example/a"), norm("https://outlet.example/a"));
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        assert_eq!(norm("  https://outlet.example/a \n"), "https://outlet.example/a");
    }

    #[test]
    fn international_hosts_take_their_ascii_form() {
        assert_eq!(norm("https://BÜCHER.example/a"), "https://xn--bcher-kva.example/a");
    }

    #[test]
    fn non_web_and_relative_urls_are_refused() {
        for url in [
            "ftp://outlet.example/a",
            "mailto:desk@outlet.example",
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "/news/a",
            "outlet.example/a",
            "",
            "https://",
        ] {
            assert_eq!(normalize_url(url), None, "{url}");
        }
    }

    #[test]
    fn normalising_is_idempotent() {
        for url in [
            "https://Outlet.example:443/a/b/?z=1&utm_source=x&a=2#f",
            "http://outlet.example/?",
            "https://outlet.example/search?q=a+b&q=c",
        ] {
            let once = norm(url);
            assert_eq!(norm(&once), once, "{url}");
        }
    }
}
