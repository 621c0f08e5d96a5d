//! The LivePerson Agent Activity API client and the on-disk store `adhere fetch` writes.

pub mod store;
