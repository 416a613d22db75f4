//! The licences under which a source lets us republish its text.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// The terms a source publishes under, as far as republishing is concerned.
///
/// Stored as its identifier (SPDX where one exists, e.g. `CC-BY-4.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Licence {
    /// No rights reserved by law (e.g. works of the US federal government).
    PublicDomain,
    /// Creative Commons Zero.
    Cc0,
    /// Creative Commons Attribution 4.0.
    CcBy4,
    /// Creative Commons Attribution-ShareAlike 4.0.
    CcBySa4,
    /// Creative Commons Attribution-NoDerivatives 4.0.
    CcByNd4,
    /// Creative Commons Attribution-NonCommercial 4.0.
    CcByNc4,
    /// Creative Commons Attribution-NonCommercial-ShareAlike 4.0.
    CcByNcSa4,
    /// Creative Commons Attribution-NonCommercial-NoDerivatives 4.0.
    CcByNcNd4,
    /// The outlet has given this site explicit permission to republish.
    Permission,
    /// Only an excerpt with a link to the original may be shown.
    ExcerptOnly,
}

impl Licence {
    /// Every licence, in the order they are offered to editors.
    pub const ALL: [Licence; 10] = [
        Licence::PublicDomain,
        Licence::Cc0,
        Licence::CcBy4,
        Licence::CcBySa4,
        Licence::CcByNd4,
        Licence::CcByNc4,
        Licence::CcByNcSa4,
        Licence::CcByNcNd4,
        Licence::Permission,
        Licence::ExcerptOnly,
    ];

    /// The stored identifier.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Licence::PublicDomain => "public-domain",
            Licence::Cc0 => "CC0-1.0",
            Licence::CcBy4 => "CC-BY-4.0",
            Licence::CcBySa4 => "CC-BY-SA-4.0",
            Licence::CcByNd4 => "CC-BY-ND-4.0",
            Licence::CcByNc4 => "CC-BY-NC-4.0",
            Licence::CcByNcSa4 => "CC-BY-NC-SA-4.0",
            Licence::CcByNcNd4 => "CC-BY-NC-ND-4.0",
            Licence::Permission => "permission",
            Licence::ExcerptOnly => "excerpt-only",
        }
    }

    /// A name for readers.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Licence::PublicDomain => "Public domain",
            Licence::Cc0 => "CC0 1.0",
            Licence::CcBy4 => "CC BY 4.0",
            Licence::CcBySa4 => "CC BY-SA 4.0",
            Licence::CcByNd4 => "CC BY-ND 4.0",
            Licence::CcByNc4 => "CC BY-NC 4.0",
            Licence::CcByNcSa4 => "CC BY-NC-SA 4.0",
            Licence::CcByNcNd4 => "CC BY-NC-ND 4.0",
            Licence::Permission => "Republished with permission",
            Licence::ExcerptOnly => "Excerpt only",
        }
    }

    /// Where a reader can read the licence's terms, if it has public terms.
    #[must_use]
    pub fn url(self) -> Option<&'static str> {
        match self {
            Licence::Cc0 => Some("https://creativecommons.org/publicdomain/zero/1.0/"),
            Licence::CcBy4 => Some("https://creativecommons.org/licenses/by/4.0/"),
            Licence::CcBySa4 => Some("https://creativecommons.org/licenses/by-sa/4.0/"),
            Licence::CcByNd4 => Some("https://creativecommons.org/licenses/by-nd/4.0/"),
            Licence::CcByNc4 => Some("https://creativecommons.org/licenses/by-nc/4.0/"),
            Licence::CcByNcSa4 => Some("https://creativecommons.org/licenses/by-nc-sa/4.0/"),
            Licence::CcByNcNd4 => Some("https://creativecommons.org/licenses/by-nc-nd/4.0/"),
            Licence::PublicDomain | Licence::Permission | Licence::ExcerptOnly => None,
        }
    }
}

impl Licence {
    /// Whether the article's whole text may be republished: public domain, the Creative
    /// Commons licences (all allow verbatim copies with credit) and explicit permission. Under
    /// any other terms only an excerpt and a link to the original are shown.
    #[must_use]
    pub fn allows_full_text(self) -> bool {
        !matches!(self, Licence::ExcerptOnly)
    }
}

/// What search engines are told about our copy of a source's article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Default)]
pub enum IndexPolicy {
    /// `rel=canonical` points at the outlet's page, so the original is what gets ranked; our
    /// copy is left out of our sitemaps (it is not the canonical page).
    #[default]
    Original,
    /// Our page is the canonical one and is listed in our sitemaps: for sources whose terms
    /// let a republisher be found in its own right (public-domain and CC material, often).
    Ours,
    /// The outlet's syndication terms ask that copies stay out of search: `rel=canonical` is
    /// our own page and the page carries `noindex`.
    NoIndex,
}

impl IndexPolicy {
    /// Both policies, in the order they are offered to editors.
    pub const ALL: [IndexPolicy; 3] = [IndexPolicy::Original, IndexPolicy::Ours, IndexPolicy::NoIndex];

    /// The stored identifier.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            IndexPolicy::Original => "original",
            IndexPolicy::Ours => "ours",
            IndexPolicy::NoIndex => "noindex",
        }
    }

    /// A description for editors.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            IndexPolicy::Original => "Canonical link to the original",
            IndexPolicy::Ours => "Our page is canonical and listed in the sitemap",
            IndexPolicy::NoIndex => "Keep our copy out of search engines (noindex)",
        }
    }
}

impl IndexPolicy {
    /// Whether our copy is the page search engines should index, and so belongs in sitemaps.
    #[must_use]
    pub fn our_page_is_canonical(self) -> bool {
        self == IndexPolicy::Ours
    }
}

impl FromStr for IndexPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IndexPolicy::ALL
            .into_iter()
            .find(|p| p.id() == s.trim())
            .ok_or_else(|| format!("unknown index policy {s:?}; expected original, ours or noindex"))
    }
}

impl fmt::Display for Licence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A licence identifier that freewire does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown licence {given:?}; expected one of: {}", known_ids())]
pub struct UnknownLicence {
    given: String,
}

fn known_ids() -> String {
    Licence::ALL.map(Licence::id).join(", ")
}

impl FromStr for Licence {
    type Err = UnknownLicence;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Licence::ALL
            .into_iter()
            .find(|l| l.id().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownLicence { given: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_licence_parses_back_from_its_id() {
        for l in Licence::ALL {
            assert_eq!(l.id().parse::<Licence>().unwrap(), l);
        }
        assert_eq!("cc-by-4.0".parse::<Licence>().unwrap(), Licence::CcBy4);
    }

    #[test]
    fn only_excerpt_only_withholds_the_full_text() {
        let withheld: Vec<Licence> = Licence::ALL.into_iter().filter(|l| !l.allows_full_text()).collect();
        assert_eq!(withheld, [Licence::ExcerptOnly]);
    }

    #[test]
    fn index_policies_parse_back() {
        for p in IndexPolicy::ALL {
            assert_eq!(p.id().parse::<IndexPolicy>().unwrap(), p);
        }
        assert!("follow".parse::<IndexPolicy>().is_err());
    }

    #[test]
    fn unknown_licence_names_the_known_ones() {
        let err = "GPL".parse::<Licence>().unwrap_err().to_string();
        assert!(err.contains("\"GPL\""), "{err}");
        assert!(err.contains("CC-BY-4.0"), "{err}");
    }
}
