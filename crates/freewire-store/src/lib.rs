//! freewire's storage engines. [`SqlStore`] implements the [`Store`](freewire_core::Store)
//! contract over SQLite (WAL) and PostgreSQL with one query code path (SeaORM over sqlx), the
//! engine chosen by the database URL at run time. [`ObjectBlobStore`] keeps uploaded files in a
//! local folder or S3-compatible storage through `object_store`.
//!
//! This is the only crate that talks to a database: the rest of freewire sees domain types
//! and [`StoreError`](freewire_core::StoreError).

mod blob;
mod engine;
mod entity;
mod migration;
mod sql;
pub mod testing;

pub use blob::{ObjectBlobStore, S3Settings};
pub use engine::{DatabaseUrlError, Engine, mask_password};
pub use sql::SqlStore;
