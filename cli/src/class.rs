//! `starkstm class FILE`: what a class file is and the hashes Starknet gives it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use starkstm_starknet::class::{is_cairo0_json, sierra_class_hash};
use starkstm_starknet::input::{read_regular_file, MAX_CLASS_FILE_BYTES};
use starkstm_starknet::ContractClass;

/// Arguments of `starkstm class`.
#[derive(Debug, Args)]
pub(crate) struct ClassArgs {
    /// A class file: Sierra (`starknet-compile`'s, or a node's with its ABI a string), CASM
    /// (a compiled class), or Cairo 0 (the compiler's, or a node's with its program
    /// compressed).
    file: PathBuf,
    /// Print one JSON object instead of lines.
    #[arg(long)]
    json: bool,
}

/// Loads the class (compiling Sierra to CASM) and prints its kind, class hash, compiled class
/// hash and entry points. A file that is no class is an error (exit 1).
pub(crate) fn class(args: &ClassArgs) -> Result<ExitCode> {
    let path = args.file.display().to_string();
    let text = read_regular_file(&args.file, MAX_CLASS_FILE_BYTES)
        .with_context(|| format!("reading {path}"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{path}: not JSON"))?;
    let (kind, class_hash, class) = if is_cairo0_json(&value) {
        let (hash, class) = ContractClass::from_cairo0_json(&text)
            .with_context(|| format!("{path}: not a Cairo 0 class"))?;
        ("cairo0", Some(hash), class)
    } else if value.get("sierra_program").is_some() {
        let hash =
            sierra_class_hash(&text).with_context(|| format!("{path}: not a Sierra class"))?;
        let (_, class) = ContractClass::from_sierra_json(&text)
            .with_context(|| format!("{path}: not a Sierra class"))?;
        ("sierra", Some(hash), class)
    } else {
        let class = ContractClass::from_casm_json(&text)
            .with_context(|| format!("{path}: not a compiled (CASM) class"))?;
        ("casm", None, class)
    };
    let hex = |f: &starkstm_starknet::Felt| format!("{f:#066x}");
    let compiled = (!class.is_cairo0()).then(|| hex(&class.compiled_class_hash().0));
    let legacy = (!class.is_cairo0()).then(|| hex(&class.legacy_compiled_class_hash().0));
    let report = serde_json::json!({
        "kind": kind,
        "class_hash": class_hash.map(|h| hex(&h.0)),
        "compiled_class_hash": compiled,
        "legacy_compiled_class_hash": legacy,
        "sierra_version": (kind == "sierra").then(|| class.sierra_version().to_string()),
        "entry_points": {
            "external": class.entry_point_count(starkstm_starknet::class::EntryPointKind::External),
            "l1_handler": class.entry_point_count(starkstm_starknet::class::EntryPointKind::L1Handler),
            "constructor": class.entry_point_count(starkstm_starknet::class::EntryPointKind::Constructor),
        },
    });
    if args.json {
        println!("{report}");
        return Ok(ExitCode::SUCCESS);
    }
    println!("kind                 {kind}");
    if let Some(hash) = class_hash {
        println!("class hash           {}", hex(&hash.0));
    }
    if let Some(compiled) = compiled {
        println!("compiled class hash  {compiled} (Blake2s, as 0.14.1 defines it)");
    }
    if let Some(legacy) = legacy {
        println!("legacy compiled hash {legacy} (Poseidon, before 0.14.1)");
    }
    if kind == "sierra" {
        println!("sierra version       {}", class.sierra_version());
    }
    let e = &report["entry_points"];
    println!(
        "entry points         {} external, {} L1 handlers, {} constructors",
        e["external"], e["l1_handler"], e["constructor"]
    );
    Ok(ExitCode::SUCCESS)
}
