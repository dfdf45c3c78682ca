//! The link a URL QR code carries, as WeChat hands it to the mini-program when the bureau has
//! set up 扫普通链接二维码打开小程序: `options.q` is the URL-encoded
//! `{ZTC_PUBLIC_BASE_URL}/s/{scene}`. Only our own landing links are accepted.

use percent_encoding::percent_decode_str;

use crate::entry_points::domain::Scene;

/// The scene of a scanned landing link `q` (encoded once, twice, or not at all).
pub fn scene_of(q: &str, public_base_url: &str) -> Result<Scene, String> {
    let unreadable = || "二维码内容无法识别,请重新扫码".to_string();
    let mut link = q.trim().to_string();
    // `options.q` arrives encoded; a client may pass it on encoded once more.
    for _ in 0..2 {
        if !link.contains('%') {
            break;
        }
        link = percent_decode_str(&link)
            .decode_utf8()
            .map_err(|_| unreadable())?
            .into_owned();
    }
    let prefix = format!("{}/s/", public_base_url.trim_end_matches('/'));
    let rest = match link.get(..prefix.len()) {
        Some(head) if head.eq_ignore_ascii_case(&prefix) => &link[prefix.len()..],
        _ => return Err("这不是本服务的二维码,请扫描社区张贴的救助二维码".into()),
    };
    let scene = rest.split(['?', '#', '/']).next().unwrap_or_default();
    Scene::parse(scene)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://jz.example.gov.cn";

    #[test]
    fn an_encoded_landing_link_gives_its_scene() {
        let q = "https%3A%2F%2Fjz.example.gov.cn%2Fs%2FAbC123xyZ789";
        assert_eq!(scene_of(q, BASE).unwrap().as_str(), "AbC123xyZ789");
        let twice = q.replace('%', "%25");
        assert_eq!(scene_of(&twice, BASE).unwrap().as_str(), "AbC123xyZ789");
        let plain = "https://jz.example.gov.cn/s/AbC123xyZ789?from=poster";
        assert_eq!(scene_of(plain, BASE).unwrap().as_str(), "AbC123xyZ789");
    }

    #[test]
    fn a_link_to_another_site_is_refused() {
        assert!(scene_of("https%3A%2F%2Fevil.example%2Fs%2FAbC123", BASE).is_err());
        assert!(scene_of("https://jz.example.gov.cn.evil.example/s/AbC123", BASE).is_err());
        assert!(scene_of("%E0%A4%A", BASE).is_err());
    }
}
