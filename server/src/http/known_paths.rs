//! The documented path patterns. Each route is registered for its own method, so a request
//! for a known path with another method finds no route; this tells it apart from an unknown
//! path, so that it is answered 405, not 404.

use std::sync::Arc;

use actix_web::dev::ResourceDef;

#[derive(Clone, Default)]
pub struct KnownPaths(Arc<Vec<ResourceDef>>);

impl KnownPaths {
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> KnownPaths {
        KnownPaths(Arc::new(
            patterns.into_iter().map(ResourceDef::new).collect(),
        ))
    }

    pub fn contains(&self, path: &str) -> bool {
        self.0.iter().any(|r| r.is_match(path))
    }
}

#[cfg(test)]
mod tests {
    use super::KnownPaths;

    #[test]
    fn a_pattern_matches_its_paths_only() {
        let known = KnownPaths::new(["/api/v1/applications/{id}", "/healthz"]);
        assert!(known.contains("/api/v1/applications/0192"));
        assert!(known.contains("/healthz"));
        assert!(!known.contains("/api/v1/applications/0192/extra"));
        assert!(!known.contains("/nowhere"));
    }
}
