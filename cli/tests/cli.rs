//! The `starkstm` binary as a user runs it: reports, JSON, exit codes, one-line errors.

use std::process::{Command, Output};

fn starkstm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_starkstm"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn quick(pattern: &str, threads: &str) -> Vec<String> {
    [
        "mock",
        "--txs",
        "300",
        "--pattern",
        pattern,
        "--work-us",
        "1",
        "--threads",
        threads,
        "--repeat",
        "2",
        "--warm-up-ms",
        "0",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

#[test]
fn mock_json_reports_identical_outputs_for_every_pattern() {
    for pattern in ["independent", "zipf", "chain", "delta"] {
        let mut args = quick(pattern, "3");
        args.push("--json".to_owned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = starkstm(&args);
        assert!(
            out.status.success(),
            "{pattern}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
        assert_eq!(json["txs"], 300, "{json}");
        assert_eq!(json["threads"], 3);
        assert_eq!(json["identical"], true);
        assert!(json["executions"].as_u64().unwrap() >= 300);
        for field in [
            "sequential_secs",
            "parallel_secs",
            "speedup",
            "aborts",
            "dependency_waits",
        ] {
            assert!(json[field].is_number(), "{field} missing: {json}");
        }
    }
}

#[test]
fn mock_text_report_says_outputs_identical() {
    let args = quick("zipf", "2");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = starkstm(&args);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("outputs identical"), "{text}");
    assert!(text.contains("speedup"), "{text}");
}

/// A bad flag or value: non-zero exit, exactly one line on stderr naming the problem.
#[test]
fn bad_arguments_give_one_line_errors() {
    for (args, needle) in [
        (vec!["mock", "--bogus"], "--bogus"),
        (vec!["mock", "--pattern", "nope"], "nope"),
        (vec!["mock", "--threads", "0"], "thread count"),
        (vec!["mock", "--txs", "many"], "many"),
        (vec!["mock", "--work-us", "2000000"], "--work-us"),
        (vec!["frobnicate"], "frobnicate"),
    ] {
        let out = starkstm(&args);
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn help_works() {
    let out = starkstm(&["mock", "--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--txs",
        "--pattern",
        "--keys",
        "--work-us",
        "--threads",
        "--seed",
        "--json",
    ] {
        assert!(text.contains(flag), "{flag} not in help: {text}");
    }
}

#[test]
fn run_transfers_json_reports_identical_outputs_and_receipt_counts() {
    for workload in ["transfers", "transfers-novalidate"] {
        let out = starkstm(&[
            "run",
            "--workload",
            workload,
            "--txs",
            "40",
            "--accounts",
            "100",
            "--threads",
            "2",
            "--repeat",
            "1",
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{workload}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
        assert_eq!(json["txs"], 40, "{json}");
        assert_eq!(json["threads"], 2);
        assert_eq!(json["identical"], true);
        assert_eq!(json["succeeded"], 40, "{json}");
        assert_eq!(json["reverted"], 0);
        assert_eq!(json["rejected"], 0);
        for field in [
            "sequential_secs",
            "parallel_secs",
            "speedup",
            "executions_per_tx",
            "aborts",
        ] {
            assert!(json[field].is_number(), "{field} missing: {json}");
        }
    }
}

#[test]
fn run_text_report_says_outputs_identical() {
    let out = starkstm(&[
        "run",
        "--txs",
        "10",
        "--accounts",
        "10",
        "--threads",
        "2",
        "--repeat",
        "1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("outputs identical"), "{text}");
    assert!(
        text.contains("10 succeeded   0 reverted   0 rejected"),
        "{text}"
    );
}

#[test]
fn run_rejects_bad_arguments_in_one_line() {
    for args in [
        &["run", "--workload", "nope"][..],
        &["run", "--accounts", "0"][..],
        &["run", "--threads", "0"][..],
    ] {
        let out = starkstm(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("starkstm-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn gen_exec_diff_round_trip_and_detect_differences() {
    let dir = temp_dir("files");
    let block = dir.join("block.json");
    let p = |name: &str| dir.join(name).to_string_lossy().to_string();
    let b = block.to_string_lossy().to_string();
    let out = starkstm(&[
        "gen",
        "--workload",
        "mix",
        "--txs",
        "30",
        "--accounts",
        "50",
        "--failing",
        "0.2",
        "-o",
        &b,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = starkstm(&["exec", &b, "--threads", "2", "-o", &p("par.json")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = starkstm(&["exec", &b, "--sequential", "-o", &p("seq.json")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = starkstm(&["diff", &p("par.json"), &p("seq.json")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("identical: 30 receipts"));
    // Change one receipt's fee: diff reports it and exits 1.
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p("seq.json")).unwrap()).unwrap();
    let fee = json["receipts"][4]["actual_fee"].as_u64().unwrap();
    json["receipts"][4]["actual_fee"] = serde_json::json!(fee + 1);
    std::fs::write(p("changed.json"), json.to_string()).unwrap();
    let out = starkstm(&["diff", &p("par.json"), &p("changed.json")]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!("receipt 4: fee {fee} ≠ {}", fee + 1).as_str(),
            "differing: fee 1"
        ],
        "{stdout}"
    );
    // A missing input: exit 2.
    let out = starkstm(&["diff", &p("par.json"), &p("missing.json")]);
    assert_eq!(out.status.code(), Some(2));
    // `run --block` runs the file.
    let out = starkstm(&[
        "run",
        "--block",
        &b,
        "--threads",
        "2",
        "--repeat",
        "1",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["identical"], true);
    assert_eq!(json["txs"], 30);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn exec_on_a_corrupted_or_truncated_block_file_is_a_one_line_error() {
    let dir = temp_dir("corrupt");
    let b = dir.join("block.json").to_string_lossy().to_string();
    let out = starkstm(&[
        "gen",
        "--workload",
        "transfers",
        "--txs",
        "3",
        "--accounts",
        "3",
        "-o",
        &b,
    ]);
    assert!(out.status.success());
    let text = std::fs::read_to_string(&b).unwrap();
    let truncated = dir.join("truncated.json");
    std::fs::write(&truncated, &text[..text.len() * 2 / 3]).unwrap();
    let corrupted = dir.join("corrupted.json");
    std::fs::write(&corrupted, text.replacen("\"nonce\"", "\"nonse\"", 1)).unwrap();
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, [0xff_u8, 0xfe, 0x00, 0x12]).unwrap();
    for file in [&truncated, &corrupted, &garbage, &dir.join("missing.json")] {
        let f = file.to_string_lossy().to_string();
        let out = starkstm(&["exec", &f, "-o", &dir.join("o.json").to_string_lossy()]);
        assert_eq!(out.status.code(), Some(1), "{f}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{f}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(&f),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bench_writes_a_table_a_csv_and_a_chart() {
    let dir = temp_dir("bench");
    let csv = dir.join("b.csv").to_string_lossy().to_string();
    let svg = dir.join("b.svg").to_string_lossy().to_string();
    let out = starkstm(&[
        "bench",
        "--workloads",
        "transfers,hot-counter",
        "--threads",
        "1,2",
        "--txs",
        "12",
        "--accounts",
        "20",
        "--csv",
        &csv,
        "--svg",
        &svg,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        table.lines().filter(|l| l.contains(" yes")).count(),
        4,
        "{table}"
    );
    let csv = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[0].starts_with("workload,threads,txs,sequential_secs"));
    assert!(lines[1].starts_with("transfers,1,12,"));
    assert!(lines[4].starts_with("hot-counter,2,12,") && lines[4].ends_with(",true"));
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(
        svg.matches("<rect x=").count(),
        4 + 2,
        "4 bars and 2 legend swatches"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_streams_in_batches_with_identical_outputs() {
    let out = starkstm(&[
        "run",
        "--workload",
        "mix",
        "--txs",
        "60",
        "--accounts",
        "40",
        "--threads",
        "2",
        "--batch",
        "7",
        "--repeat",
        "1",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["identical"], true, "{json}");
    assert_eq!(json["txs"], 60);
    assert!(json["workload"].as_str().unwrap().contains("batches of 7"));
}

#[test]
fn replay_exits_0_on_a_match_1_on_a_mismatch_or_divergence_and_2_on_a_bad_file() {
    let dir = temp_dir("replay");
    let block = dir.join("block.json");
    let reexec = dir.join("reexec.json");
    let out = starkstm(&[
        "gen",
        "--workload",
        "mix",
        "--txs",
        "12",
        "--accounts",
        "20",
        "-o",
        block.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = starkstm(&[
        "exec",
        block.to_str().unwrap(),
        "--sequential",
        "-o",
        dir.join("out.json").to_str().unwrap(),
        "--reexecution-file",
        reexec.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let replay =
        |path: &std::path::Path| starkstm(&["replay", path.to_str().unwrap(), "--threads", "2"]);
    let out = replay(&reexec);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("the state diff equals the chain's")
            && text.contains("parallel equals sequential"),
        "{text}"
    );
    let json = std::fs::read_to_string(&reexec).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    // A wrong committed value: exit 1, the entry listed.
    let mut wrong = value.clone();
    let updates = wrong["serializable_data_next_block"]["state_diff_next_block"]["storage_updates"]
        .as_object_mut()
        .unwrap();
    let (address, slots) = updates.iter_mut().next().unwrap();
    let address = address.clone();
    let (key, v) = slots.as_object_mut().unwrap().iter_mut().next().unwrap();
    let key = key.clone();
    *v = serde_json::Value::from("0x123456789");
    let path = dir.join("wrong.json");
    std::fs::write(&path, wrong.to_string()).unwrap();
    let out = replay(&path);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("MISMATCH: 1 entries differ")
            && text.contains(&format!("storage {address} key {key}: chain 0x123456789")),
        "{text}"
    );
    // A read the file does not hold: exit 1, the key named.
    let storage = value["serializable_data_prev_block"]["state_maps"]["storage"]
        .as_object_mut()
        .unwrap();
    let token = "0x4718";
    let slots = storage[token].as_object_mut().unwrap();
    let dropped = slots.keys().next().unwrap().clone();
    slots.remove(&dropped);
    let path = dir.join("missing.json");
    std::fs::write(&path, value.to_string()).unwrap();
    let out = replay(&path);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("DIVERGED") && text.contains(&dropped),
        "{text}"
    );
    // A closed stdout (`| head`) ends the output, not with a panic.
    let mut child = Command::new(env!("CARGO_BIN_EXE_starkstm"))
        .args(["replay", reexec.to_str().unwrap(), "--threads", "2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    // A truncated file: exit 2, one line naming it.
    let path = dir.join("cut.json");
    std::fs::write(&path, &json[..json.len() / 3]).unwrap();
    let out = replay(&path);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cut.json: line"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `starkstm class` prints the hashes Starknet gives a class of each kind: the Cairo 0 classes
/// of starknet-devnet-core with the hashes its `constants.rs` names, Braavos's proxy from its
/// compressed RPC form, a Sierra class; a file that is no class exits 1 with one line.
#[test]
fn class_prints_the_hashes_of_cairo0_sierra_and_casm_classes() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    for (file, kind, hash) in [
        (
            "starknet/real-classes/oz_account_0_5_1.json",
            "cairo0",
            "0x04d07e40e93398ed3c76981e72dd1fd22557a78ce36c0515f679e27f0bb5bc5f",
        ),
        (
            "starknet/real-classes/udc_legacy_0_5_0.json",
            "cairo0",
            "0x07b3e05f48f0c69e4a65ce5e076a66271a527aff2c34ce1083ec6e1526997a69",
        ),
        (
            "replay/tests/fixtures/rpc/deprecated_contract_class.json",
            "cairo0",
            "0x03131fa018d520a037686ce3efddeab8f28895662f019ca3ca18a626650f7d1e",
        ),
        (
            "starknet/real-classes/udc.sierra.json",
            "sierra",
            "0x01b2df6d8861670d4a8ca4670433b2418d78169c2947f46dc614e69f333745c8",
        ),
    ] {
        let out = starkstm(&["class", &format!("{root}/{file}"), "--json"]);
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["kind"], kind, "{file}");
        assert_eq!(v["class_hash"], hash, "{file}");
        assert_eq!(
            v["compiled_class_hash"].is_null(),
            kind == "cairo0",
            "{file}"
        );
        assert!(
            v["entry_points"]["external"].as_u64().unwrap() > 0,
            "{file}"
        );
    }
    let casm = format!("{root}/contracts/compiled/counter.casm.json");
    let out = starkstm(&["class", &casm]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("kind                 casm"),
        "{text}"
    );
    let out = starkstm(&["class", &format!("{root}/README.md")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("not JSON") && err.lines().count() == 1,
        "{err}"
    );
}

/// `gen --starknet-version` sets the block's version (which picks the protocol's rules); a
/// version without published constants is a one-line error.
#[test]
fn gen_sets_the_starknet_version() {
    let dir = std::env::temp_dir().join(format!("starkstm-genver-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("b.json");
    let path = file.to_str().unwrap();
    let out = starkstm(&[
        "gen",
        "--workload",
        "cairo0",
        "--txs",
        "5",
        "--accounts",
        "5",
        "--starknet-version",
        "0.13.3",
        "-o",
        path,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let block: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(block["genesis"]["block"]["starknet_version"], "0.13.3");
    let out = starkstm(&["gen", "--starknet-version", "0.12.0", "-o", path]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not supported"));
    let _ = std::fs::remove_dir_all(&dir);
}
