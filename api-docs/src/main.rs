//! Writes the OpenAPI document generated from the code to `api-docs/openapi.json`.

fn main() -> anyhow::Result<()> {
    let path = api_docs::committed_path();
    std::fs::write(&path, api_docs::generate()?)?;
    println!("wrote {}", path.display());
    Ok(())
}
