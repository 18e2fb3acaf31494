//! CloudTower API-key client for the web.
pub mod core;
