//! Compiles Sierra contract classes to CASM with the compiler this crate links:
//! `sierra_to_casm A.sierra.json [B.sierra.json ...]` writes `A.casm.json` beside each input.
//! Used by `contracts/build.sh`; the tests check the committed CASM equals this output.

use std::process::ExitCode;

fn main() -> ExitCode {
    let inputs: Vec<String> = std::env::args().skip(1).collect();
    if inputs.is_empty() {
        eprintln!("usage: sierra_to_casm FILE.sierra.json...");
        return ExitCode::from(2);
    }
    for input in inputs {
        let Some(stem) = input.strip_suffix(".sierra.json") else {
            eprintln!("error: {input}: expected a name ending in .sierra.json");
            return ExitCode::FAILURE;
        };
        let result = std::fs::read_to_string(&input)
            .map_err(|e| e.to_string())
            .and_then(|json| {
                starkstm_starknet::class::compile_sierra(&json).map_err(|e| e.to_string())
            })
            .and_then(|casm| serde_json::to_string_pretty(&casm).map_err(|e| e.to_string()));
        match result {
            Ok(text) => {
                let output = format!("{stem}.casm.json");
                if let Err(e) = std::fs::write(&output, text + "\n") {
                    eprintln!("error: {output}: {e}");
                    return ExitCode::FAILURE;
                }
                println!("{input} -> {output}");
            }
            Err(e) => {
                eprintln!("error: {input}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
