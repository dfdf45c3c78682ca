//! Images and pages made here: the URL QR code (PNG, SVG), the printable A4 poster (SVG, no
//! embedded fonts) and the landing page for phone browsers. Every text is escaped.

use std::io::Cursor;

use qrcode::{EcLevel, QrCode, render::svg};

use crate::jurisdictions::JurisdictionNode;

/// Side of the URL QR PNG, quiet zone included (sharp when printed at about 5 cm).
const PNG_MIN_SIDE: u32 = 600;

/// Escapes text for HTML and XML (content and attribute values).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn code(data: &str) -> anyhow::Result<QrCode> {
    // M: survives some dirt and folding on a poster, keeps the code small.
    Ok(QrCode::with_error_correction_level(
        data.as_bytes(),
        EcLevel::M,
    )?)
}

/// A PNG QR code of `data`.
pub fn qr_png(data: &str) -> anyhow::Result<Vec<u8>> {
    let img = code(data)?
        .render::<image::Luma<u8>>()
        .min_dimensions(PNG_MIN_SIDE, PNG_MIN_SIDE)
        .quiet_zone(true)
        .build();
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)?;
    Ok(out)
}

/// An SVG QR code of `data`.
pub fn qr_svg(data: &str) -> anyhow::Result<String> {
    Ok(code(data)?
        .render::<svg::Color<'_>>()
        .min_dimensions(400, 400)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// The dark modules of `data`'s QR code as one SVG path, each module 1×1, no quiet zone.
fn qr_path(data: &str) -> anyhow::Result<(usize, String)> {
    let code = code(data)?;
    let width = code.width();
    let mut d = String::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == qrcode::Color::Dark {
            d.push_str(&format!("M{} {}h1v1h-1z", i % width, i / width));
        }
    }
    Ok((width, d))
}

const FONT: &str =
    "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif";

pub struct Poster<'a> {
    pub path: &'a [JurisdictionNode],
    pub label: &'a str,
    pub landing_url: &'a str,
    pub hotline: &'a str,
    pub miniprogram_name: &'a str,
    /// The 小程序码 (content type, bytes), printed instead of the URL code when WeChat is
    /// configured: scanned inside WeChat it opens the mini-program directly.
    pub wxacode: Option<(&'a str, &'a [u8])>,
}

/// An A4 portrait poster (210 × 297 mm; 2480 × 3508 user units, i.e. 300 dpi).
pub fn poster_svg(p: &Poster<'_>) -> anyhow::Result<String> {
    let (modules, d) = qr_path(p.landing_url)?;
    // A 1700-unit white box holding the code and its 4-module quiet zone.
    let scale = 1700.0 / (modules + 8) as f64;
    let (qx, qy) = (390.0 + 4.0 * scale, 1020.0 + 4.0 * scale);
    let community = p.path.last().map(|n| n.name.as_str()).unwrap_or_default();
    let above: Vec<&str> = p
        .path
        .iter()
        .take(p.path.len().saturating_sub(1))
        .map(|n| n.name.as_str())
        .collect();
    let t = |x: u32, y: u32, size: u32, weight: &str, fill: &str, text: &str| {
        format!(
            r#"<text x="{x}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}" text-anchor="middle" font-family="{FONT}">{}</text>"#,
            escape(text)
        )
    };
    let mut svg = String::new();
    svg.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    svg.push('\n');
    svg.push_str(r#"<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 2480 3508">"#);
    svg.push_str(r##"<rect width="2480" height="3508" fill="#ffffff"/><rect width="2480" height="560" fill="#c62828"/>"##);
    svg.push_str(&t(1240, 260, 150, "bold", "#ffffff", "社会救助 扫码直通车"));
    svg.push_str(&t(
        1240,
        430,
        80,
        "normal",
        "#ffffff",
        "有困难,找政府 · 在线申请 · 进度可查",
    ));
    svg.push_str(&t(1240, 760, 70, "normal", "#333333", &above.join(" ")));
    svg.push_str(&t(1240, 920, 130, "bold", "#111111", community));
    match p.wxacode {
        Some((content_type, bytes)) => {
            use base64::Engine;
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            svg.push_str(&format!(
                r##"<rect x="390" y="1020" width="1700" height="1700" fill="#ffffff" stroke="#c62828" stroke-width="8"/><image x="490" y="1120" width="1500" height="1500" href="data:{};base64,{data}"/>"##,
                escape(content_type)
            ));
        }
        None => svg.push_str(&format!(
            r##"<rect x="390" y="1020" width="1700" height="1700" fill="#ffffff" stroke="#c62828" stroke-width="8"/><g transform="translate({qx:.2} {qy:.2}) scale({scale:.4})"><path d="{d}" fill="#000000"/></g>"##
        )),
    }
    svg.push_str(&t(
        1240,
        2880,
        85,
        "bold",
        "#111111",
        "请用微信扫一扫上方二维码",
    ));
    svg.push_str(&t(
        1240,
        3000,
        65,
        "normal",
        "#333333",
        &format!(
            "或在微信搜索「{}」小程序,申请低保、临时救助等",
            p.miniprogram_name
        ),
    ));
    svg.push_str(&t(
        1240,
        3200,
        95,
        "bold",
        "#c62828",
        &format!("不方便扫码?请拨打救助热线 {}", p.hotline),
    ));
    svg.push_str(&t(1240, 3400, 40, "normal", "#888888", p.label));
    svg.push_str("</svg>\n");
    Ok(svg)
}

pub struct Landing<'a> {
    pub path: &'a [JurisdictionNode],
    pub hotline: &'a str,
    pub miniprogram_name: &'a str,
}

const PAGE_STYLE: &str = "body{margin:0;font-family:-apple-system,'PingFang SC','Noto Sans CJK SC','Microsoft YaHei',sans-serif;font-size:20px;line-height:1.6;color:#222;background:#fafafa}main{max-width:36em;margin:0 auto;padding:1.2em}h1{font-size:1.6em;margin:.2em 0;color:#b71c1c}.where{color:#555}ol{padding-left:1.3em}li{margin:.5em 0}.tel{display:block;margin:1.2em 0;padding:.8em;text-align:center;font-size:1.4em;font-weight:bold;color:#fff;background:#c62828;border-radius:.4em;text-decoration:none}small{color:#777}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{PAGE_STYLE}</style></head><body><main>{body}</main></body></html>",
        escape(title)
    )
}

fn tel_link(hotline: &str) -> String {
    let digits: String = hotline
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!(
        "<a class=\"tel\" href=\"tel:{}\">拨打救助热线 {}</a>",
        escape(&digits),
        escape(hotline)
    )
}

/// The page a phone browser shows for a scanned URL code.
pub fn landing_html(l: &Landing<'_>) -> String {
    let community = l.path.last().map(|n| n.name.as_str()).unwrap_or_default();
    let where_: Vec<&str> = l.path.iter().map(|n| n.name.as_str()).collect();
    let app = escape(l.miniprogram_name);
    let body = format!(
        "<h1>{} · 社会救助直通车</h1><p class=\"where\">{}</p>\
<p>您扫描的是<strong>{}</strong>的社会救助申请码。在微信里申请,申请会直接送到本社区,工作人员会尽快联系您。</p>\
<h2>怎样在微信里申请</h2><ol><li>打开<strong>微信</strong>,点右上角「+」,选「扫一扫」,再扫一次海报上的二维码;</li>\
<li>或在微信顶部搜索「{app}」小程序并打开;</li><li>按提示选择救助类型,填写情况并提交,之后可在小程序里查看办理进度。</li></ol>\
<p>不会用手机、或者情况紧急?请直接打电话,有人帮您办:</p>{}\
<p><small>也可以到社区服务站当面申请。您的个人信息仅用于办理救助。</small></p>",
        escape(community),
        escape(&where_.join(" › ")),
        escape(community),
        tel_link(l.hotline),
    );
    page(&format!("{community} · 社会救助直通车"), &body)
}

/// The page for an unknown or disabled code.
pub fn not_found_html(hotline: &str) -> String {
    let body = format!(
        "<h1>二维码已失效</h1><p>这个二维码已停用或不存在。请联系社区工作人员获取新的二维码,或直接拨打救助热线:</p>{}",
        tel_link(hotline)
    );
    page("二维码已失效 · 社会救助直通车", &body)
}

/// Too many requests from this address: the page still gives the hotline.
pub fn busy_html(hotline: &str) -> String {
    let body = format!(
        "<h1>请稍后再试</h1><p>访问过于频繁,请过一分钟再打开。如有急事,请直接拨打救助热线:</p>{}",
        tel_link(hotline)
    );
    page("请稍后再试 · 社会救助直通车", &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jurisdictions::Level;

    fn path() -> Vec<JurisdictionNode> {
        vec![
            JurisdictionNode {
                code: "120000".into(),
                name: "天津市".into(),
                level: Level::City,
            },
            JurisdictionNode {
                code: "1".into(),
                name: "<b>阳光&社区</b>".into(),
                level: Level::Community,
            },
        ]
    }

    #[test]
    fn pages_and_posters_escape_every_name() {
        let html = landing_html(&Landing {
            path: &path(),
            hotline: "12345",
            miniprogram_name: "直通车\"><script>",
        });
        assert!(html.contains("&lt;b&gt;阳光&amp;社区&lt;/b&gt;"));
        assert!(!html.contains("<b>阳光"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("href=\"tel:12345\""));
        let svg = poster_svg(&Poster {
            path: &path(),
            label: "3号楼<门厅>",
            landing_url: "https://ztc.example/s/abc",
            hotline: "022-12345",
            miniprogram_name: "直通车",
            wxacode: None,
        })
        .unwrap();
        assert!(svg.contains("&lt;b&gt;阳光&amp;社区"));
        assert!(svg.contains("3号楼&lt;门厅&gt;"));
        assert!(svg.contains("022-12345"));
    }

    #[test]
    fn the_png_is_a_png() {
        let png = qr_png("https://ztc.example/s/abc").unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        assert!(qr_svg("x").unwrap().contains("<svg"));
    }
}
