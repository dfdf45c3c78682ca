//! The import API: upload a file (multipart form or raw body) and follow its report; download
//! a template for each kind.

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use futures_util::StreamExt;
use serde_json::json;
use uuid::Uuid;

use entity::care_enums::{ImportFormat, ImportKind};

use crate::{
    audit::{self, Entry},
    auth::Staff,
    error::{AppError, AppResult, ErrorBody},
    imports::{
        columns,
        dto::{CreateImportQuery, ImportAccepted, ImportReport, TemplateQuery},
        report::build_report,
        runner,
        store::{self, NewImport},
    },
    sheets::{self, Cell, Column},
    staff::Role,
    state::AppState,
};

struct Upload {
    kind: Option<ImportKind>,
    format: Option<ImportFormat>,
    file_name: Option<String>,
    bytes: Vec<u8>,
}

async fn read_limited(
    mut stream: impl futures_util::Stream<Item = Result<web::Bytes, impl std::fmt::Display>> + Unpin,
    max: usize,
    into: &mut Vec<u8>,
) -> AppResult<()> {
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| AppError::bad_request("invalid_upload", format!("上传中断:{e}")))?;
        if into.len() + chunk.len() > max {
            return Err(AppError::PayloadTooLarge);
        }
        into.extend_from_slice(&chunk);
    }
    Ok(())
}

async fn upload(
    req: &HttpRequest,
    payload: web::Payload,
    q: &CreateImportQuery,
    max: usize,
) -> AppResult<Upload> {
    let mut up = Upload {
        kind: q.kind,
        format: q.format,
        file_name: q.file_name.clone(),
        bytes: Vec::new(),
    };
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("multipart/form-data"));
    if !multipart {
        read_limited(payload, max, &mut up.bytes).await?;
        return Ok(up);
    }
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    while let Some(field) = form.next().await {
        let mut field = field
            .map_err(|e| AppError::bad_request("invalid_upload", format!("表单格式不正确:{e}")))?;
        let name = field.name().unwrap_or_default().to_string();
        let mut value = Vec::new();
        if name == "file" {
            up.file_name = up.file_name.or_else(|| {
                field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .map(str::to_string)
            });
            read_limited(&mut field, max, &mut up.bytes).await?;
            continue;
        }
        read_limited(&mut field, 1024, &mut value).await?;
        let text = String::from_utf8_lossy(&value).trim().to_string();
        match name.as_str() {
            "kind" => {
                up.kind = Some(text.parse().map_err(|_| {
                    AppError::field("kind", "应为 jurisdictions、staff 或 care_people")
                })?)
            }
            "format" => {
                up.format = Some(
                    text.parse()
                        .map_err(|_| AppError::field("format", "应为 csv 或 xlsx"))?,
                )
            }
            _ => {}
        }
    }
    Ok(up)
}

/// Starts an import of jurisdictions, staff or care people from a CSV or XLSX file (a
/// `multipart/form-data` form with `file` and `kind`, or the file as the raw body with `kind`
/// in the query). The work runs in the background, in batches of short transactions; follow
/// it at the report URL. Re-importing the same file changes nothing.
#[utoipa::path(
    tag = "imports",
    security(("bearer" = [])),
    params(CreateImportQuery),
    request_body(content = Vec<u8>, description = "the CSV or XLSX file, or a multipart form with `file` and `kind`", content_type = "text/csv"),
    responses(
        (status = 202, body = ImportAccepted),
        (status = 403, body = ErrorBody),
        (status = 413, description = "larger than ZTC_IMPORT_MAX_MB", body = ErrorBody),
        (status = 422, description = "no kind, or an empty file", body = ErrorBody),
    )
)]
#[post("/api/v1/admin/imports")]
pub async fn create(
    state: web::Data<AppState>,
    me: Staff,
    req: HttpRequest,
    query: web::Query<CreateImportQuery>,
    payload: web::Payload,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin])?;
    let up = upload(&req, payload, &query, state.settings.care.import_max_bytes).await?;
    let kind = up.kind.ok_or_else(|| {
        AppError::field(
            "kind",
            "请说明导入的内容:jurisdictions、staff 或 care_people",
        )
    })?;
    if up.bytes.is_empty() {
        return Err(AppError::field("file", "文件是空的"));
    }
    // An XLSX file is a zip archive.
    let format = up.format.unwrap_or(if up.bytes.starts_with(b"PK\x03\x04") {
        ImportFormat::Xlsx
    } else {
        ImportFormat::Csv
    });
    let file_name = up.file_name.unwrap_or_else(|| format!("upload.{format}"));
    let job = store::insert(
        &state.db,
        NewImport {
            kind,
            format,
            file_name: &file_name,
            created_by: Some(me.id),
            jurisdiction_path: &me.scope.path,
        },
    )
    .await?;
    audit::record(
        &state.db,
        Entry::new(audit::Actor::Staff(me.id), "import.create")
            .target("import", job.id)
            .detail(json!({ "kind": kind, "format": format, "bytes": up.bytes.len() })),
    )
    .await?;
    let id = job.id;
    runner::spawn(
        state.get_ref().clone(),
        job,
        up.bytes,
        Some(me.scope.clone()),
    );
    Ok(HttpResponse::Accepted().json(ImportAccepted {
        id,
        status: entity::care_enums::ImportStatus::Queued,
        report_url: format!("/api/v1/admin/imports/{id}"),
    }))
}

/// An import's progress and every bad row (row number, column, message).
#[utoipa::path(
    tag = "imports",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ImportReport), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody))
)]
#[get("/api/v1/admin/imports/{id}")]
pub async fn report(
    state: web::Data<AppState>,
    me: Staff,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin])?;
    let job = store::find_in_scope(&state.db, &me.scope, *id)
        .await?
        .ok_or_else(|| AppError::not_found("import_not_found", "没有找到这次导入"))?;
    Ok(HttpResponse::Ok().json(build_report(&state, job).await?))
}

/// A template for a kind: the header row (and, in XLSX, a sheet explaining each column).
#[utoipa::path(
    tag = "imports",
    security(("bearer" = [])),
    params(("kind" = ImportKind, Path), TemplateQuery),
    responses((status = 200, description = "the template file"), (status = 403, body = ErrorBody))
)]
#[get("/api/v1/admin/imports/templates/{kind}")]
pub async fn template(
    me: Staff,
    kind: web::Path<ImportKind>,
    query: web::Query<TemplateQuery>,
) -> AppResult<HttpResponse> {
    me.require(&[Role::Admin])?;
    let kind = kind.into_inner();
    let cols = columns::columns(kind);
    let header: Vec<Column<'_>> = cols
        .iter()
        .map(|c| Column {
            header: c.label,
            width: (c.label.chars().count() as f64 * 2.5).max(12.0),
        })
        .collect();
    let rows: Vec<Vec<Cell>> = Vec::new();
    let format = query.format.unwrap_or(ImportFormat::Xlsx);
    let (bytes, mime) = match format {
        ImportFormat::Csv => (sheets::csv(&header, &rows)?, "text/csv; charset=utf-8"),
        ImportFormat::Xlsx => {
            let notes: Vec<(String, String)> = cols
                .iter()
                .map(|c| {
                    (
                        c.label.to_string(),
                        format!(
                            "{}{}",
                            if c.required {
                                "必填。"
                            } else {
                                "选填,留空不修改已有信息。"
                            },
                            c.help
                        ),
                    )
                })
                .collect();
            (
                sheets::xlsx(
                    template_sheet(kind),
                    &header,
                    &rows,
                    Some(("填写说明", &notes)),
                )
                .map_err(|e| AppError::Internal(e.into()))?,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{kind}-template.{format}\""),
        ))
        .body(bytes))
}

fn template_sheet(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::Jurisdictions => "区划",
        ImportKind::Staff => "工作人员",
        ImportKind::CarePeople => "重点关爱对象",
    }
}
