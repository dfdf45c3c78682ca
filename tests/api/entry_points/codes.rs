//! QR images: the URL code decodes to the landing URL, the 小程序码 is fetched once and
//! cached (never a JSON error), and dev WeChat mode falls back to the URL code.

use serde_json::json;
use tests::{Backend, TestApp, both_backends};
use wiremock::{
    Mock, ResponseTemplate,
    matchers::{body_json, method, path, query_param},
};

use super::support::poster;

/// The text a QR PNG encodes.
fn decode_qr(png: &[u8]) -> String {
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .unwrap()
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

fn png_bytes() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(b"fake-wxacode-image-bytes");
    png
}

both_backends! {
    async fn the_url_qr_code_decodes_to_the_landing_url(app) {
        let (admin, entry) = poster(&app).await;
        let id = entry["id"].as_str().unwrap();
        let (status, headers, png) = app.get_bytes(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=url&format=png"), Some(&admin)).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/png");
        assert_eq!(decode_qr(&png), entry["landing_url"].as_str().unwrap());
        let (status, headers, svg) = app.get_bytes(&format!("/api/v1/admin/entry-points/{id}/qrcode?format=svg"), Some(&admin)).await;
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "image/svg+xml");
        assert!(String::from_utf8(svg).unwrap().contains("<svg"));
        let (status, _, poster) = app.get_bytes(&format!("/api/v1/admin/entry-points/{id}/poster"), Some(&admin)).await;
        assert_eq!(status, 200);
        let poster = String::from_utf8(poster).unwrap();
        assert!(poster.contains("福安社区") && poster.contains("12345") && poster.contains("297mm"));
        app.get(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=photo"), Some(&admin)).await.assert_error(400, "invalid_query");
    }

    async fn the_mini_program_code_is_fetched_once_then_served_from_the_cache(app) {
        let (admin, entry) = poster(&app).await;
        app.mock_stable_token("TOKEN-QR", None).await;
        let id = entry["id"].as_str().unwrap();
        Mock::given(method("POST"))
            .and(path("/wxa/getwxacodeunlimit"))
            .and(query_param("access_token", "TOKEN-QR"))
            .and(body_json(json!({"scene": entry["scene"], "page": "pages/entry/index", "check_path": true, "env_version": "release", "width": 860})))
            .respond_with(ResponseTemplate::new(200).insert_header("content-type", "image/png").set_body_bytes(png_bytes()))
            .expect(1)
            .mount(&app.wechat)
            .await;
        for _ in 0..2 {
            let (status, headers, body) = app.get_bytes(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=wxacode"), Some(&admin)).await;
            assert_eq!(status, 200);
            assert_eq!(headers["content-type"], "image/png");
            assert_eq!(body, png_bytes());
        }
        app.get(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=wxacode&format=svg"), Some(&admin))
            .await
            .assert_error(422, "validation_failed");
    }

    async fn a_json_error_from_the_image_endpoint_is_reported_and_never_cached(app) {
        let (admin, entry) = poster(&app).await;
        app.mock_stable_token("TOKEN-QR", None).await;
        let id = entry["id"].as_str().unwrap();
        Mock::given(method("POST"))
            .and(path("/wxa/getwxacodeunlimit"))
            .respond_with(ResponseTemplate::new(200)
                .insert_header("content-type", "image/jpeg")
                .set_body_string(r#"{"errcode":41030,"errmsg":"invalid page rid: 6a1b-2c3d"}"#))
            .up_to_n_times(2)
            .with_priority(1)
            .expect(2)
            .mount(&app.wechat)
            .await;
        for _ in 0..2 {
            let res = app.get(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=wxacode"), Some(&admin)).await;
            res.assert_error(502, "wechat_qrcode_failed");
        }
        let cached = <entity::entry_point_codes::Entity as sea_orm::EntityTrait>::find().all(&app.state.db).await.unwrap();
        assert!(cached.is_empty(), "a JSON error was cached as an image");
        // Once WeChat answers an image, that is what gets served and cached.
        Mock::given(method("POST"))
            .and(path("/wxa/getwxacodeunlimit"))
            .respond_with(ResponseTemplate::new(200).insert_header("content-type", "application/octet-stream").set_body_bytes(png_bytes()))
            .expect(1)
            .mount(&app.wechat)
            .await;
        let (status, _, body) = app.get_bytes(&format!("/api/v1/admin/entry-points/{id}/qrcode?kind=wxacode"), Some(&admin)).await;
        assert_eq!(status, 200);
        assert_eq!(body, png_bytes());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_dev_wechat_mode_the_mini_program_code_falls_back_to_the_url_code() {
    let app = TestApp::builder(Backend::Sqlite).dev_wechat().spawn().await;
    let (admin, entry) = poster(&app).await;
    let id = entry["id"].as_str().unwrap();
    let (status, headers, png) = app
        .get_bytes(
            &format!("/api/v1/admin/entry-points/{id}/qrcode?kind=wxacode"),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-ztc-qr-fallback"], "url");
    assert_eq!(decode_qr(&png), entry["landing_url"].as_str().unwrap());
    assert!(app.wechat.received_requests().await.unwrap().is_empty());
}
