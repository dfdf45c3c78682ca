//! What the application tests share: the demo communities they apply in.

pub(super) const FUAN: &str = "120101001001";
pub(super) const XINJIN: &str = "120101001002";

pub(super) fn id_of(res: &tests::TestResponse) -> String {
    res.body["id"].as_str().unwrap().to_string()
}
