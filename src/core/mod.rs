//! The pure core: typed inputs become request values, answers become typed results or one
//! [`Error`]. No I/O here, so all of the protocol knowledge is tested natively.

pub mod catalogue;
pub mod endpoint;
pub mod error;
pub mod failover;
pub mod graphql;
pub mod json;
pub mod model;
pub mod operations;
pub mod paging;
pub mod request;
pub mod response;
pub mod retry;
pub mod secret;
pub mod tasks;
pub mod v2;
