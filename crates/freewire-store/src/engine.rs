//! Which database engine a URL names, checked before anything connects so that a mistyped
//! URL gets a message saying what was expected rather than a driver error.

use std::fmt;

/// A database engine freewire can store into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// An SQLite file, in WAL mode: the embedded default.
    Sqlite,
    /// PostgreSQL or any engine speaking its protocol.
    Postgres,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        })
    }
}

/// A database URL freewire cannot use.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "cannot use database URL {shown:?}: {reason}. Expected sqlite://PATH (for example \
     sqlite://freewire-data/freewire.db) or postgres://USER@HOST:PORT/DATABASE"
)]
pub struct DatabaseUrlError {
    /// The URL with any password masked.
    shown: String,
    reason: &'static str,
}

impl Engine {
    /// The engine a database URL names.
    pub fn for_url(url: &str) -> Result<Engine, DatabaseUrlError> {
        let fail = |reason| DatabaseUrlError { shown: mask_password(url), reason };
        let Some((scheme, rest)) = url.split_once(':') else {
            return Err(fail("it has no scheme"));
        };
        let engine = match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Engine::Sqlite,
            "postgres" | "postgresql" => Engine::Postgres,
            "mysql" | "mariadb" => return Err(fail("MySQL and MariaDB are not supported")),
            "sqlite3" | "sqllite" | "sqlit" => return Err(fail("the scheme is misspelt")),
            "postgre" | "postgress" | "pg" | "psql" | "postgis" => {
                return Err(fail("the scheme is misspelt"));
            }
            _ => return Err(fail("the scheme is not sqlite or postgres")),
        };
        let rest = rest.trim_start_matches("//");
        if rest.is_empty() || rest.starts_with('?') {
            return Err(fail(match engine {
                Engine::Sqlite => "it names no file",
                Engine::Postgres => "it names no host",
            }));
        }
        if engine == Engine::Postgres && url::Url::parse(url).is_err() {
            return Err(fail("it is not a valid URL"));
        }
        Ok(engine)
    }
}

/// The URL with its password (if any) replaced by `***`, safe to print.
#[must_use]
pub fn mask_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Setting a password only fails on URLs that cannot have one, which this has.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_schemes_choose_their_engine() {
        assert_eq!(Engine::for_url("sqlite://data/x.db?mode=rwc"), Ok(Engine::Sqlite));
        assert_eq!(Engine::for_url("sqlite:x.db"), Ok(Engine::Sqlite));
        assert_eq!(Engine::for_url("postgres://u@127.0.0.1:5432/db"), Ok(Engine::Postgres));
        assert_eq!(Engine::for_url("postgresql://u@h/db"), Ok(Engine::Postgres));
    }

    #[test]
    fn mistyped_urls_say_what_was_expected() {
        for bad in ["postgress://u@h/db", "sqlite3://x.db", "x.db", "mysql://h/db", "sqlite://", "http://x"] {
            let err = Engine::for_url(bad).unwrap_err().to_string();
            assert!(err.contains("Expected sqlite://PATH"), "{bad}: {err}");
        }
    }

    #[test]
    fn passwords_are_masked_in_messages() {
        let err = Engine::for_url("postgress://u:hunter2@h/db").unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
