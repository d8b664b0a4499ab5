//! Proof facts (0.14.2 on): an Invoke V3 may carry the facts of a proof of a run of the
//! virtual OS, checked by the gateway, and pre-validation checks what the executor can — the
//! protocol's rule, after the nonce and the fee bounds: the facts parse (`starknet_api`'s
//! form: proof version, the `VIRTUAL_SNOS` marker, program hash, block number, block hash,
//! config hash); the version and the program are among the block's allowed ones; the proven
//! block is at least `stored_block_hash_buffer` blocks old and its hash is the one the
//! block-hash contract (`0x1`) stores; and the config hash is the virtual OS's for this chain,
//! fee token and version. A failure rejects the transaction.

use starknet_api::core::OsChainInfo;
use starknet_api::state::StorageKey;
use starknet_api::transaction::fields::{ProofFacts, ProofFactsVariant};
use starknet_types_core::felt::Felt;

use crate::block::address;
use crate::constants::VersionedConstants;
use crate::context::BlockContext;
use crate::execution::ExecError;
use crate::tx_state::TxState;

/// `Ok(Err(reason))` when `facts` fail a check; the stored block hash is read from `state`.
pub(crate) fn check(
    c: &VersionedConstants,
    context: &BlockContext,
    facts: &[Felt],
    state: &mut TxState<'_, '_>,
) -> Result<Result<(), String>, ExecError> {
    let invalid = |why: String| Ok(Err(format!("Invalid proof facts: {why}")));
    let snos = match ProofFactsVariant::try_from(&ProofFacts::from(facts.to_vec())) {
        Ok(ProofFactsVariant::Empty) => return Ok(Ok(())),
        Ok(ProofFactsVariant::Snos(snos)) => snos,
        Err(e) => return invalid(e.to_string()),
    };
    let version = snos.proof_version.as_felt();
    if !c.allowed_proof_versions.contains(&version) {
        return invalid(format!(
            "proof version {} is not allowed under this protocol version",
            snos.proof_version
        ));
    }
    if !c
        .allowed_virtual_os_program_hashes
        .contains(&snos.program_hash)
    {
        return invalid(format!(
            "virtual OS program hash {:#x} is not allowed",
            snos.program_hash
        ));
    }
    let proven = snos.block_number.0;
    let Some(newest) = context.block_number.checked_sub(c.stored_block_hash_buffer) else {
        return invalid(format!(
            "block {} is below the block-hash retention buffer of {}",
            context.block_number, c.stored_block_hash_buffer
        ));
    };
    if proven > newest {
        return invalid(format!(
            "the proven block {proven} is too recent: at most {newest}"
        ));
    }
    let claimed = snos.block_hash.0;
    if claimed == Felt::ZERO {
        return invalid(format!("the block hash of block {proven} is zero"));
    }
    let stored = state.storage_read(address(c.block_hash_contract), StorageKey::from(proven))?;
    if stored != claimed {
        return invalid(format!(
            "the block hash of block {proven} is {stored:#x}, the proof says {claimed:#x}"
        ));
    }
    let config = virtual_os_config_hash(context)
        .map_err(|e| ExecError::Fatal(format!("the virtual OS config hash: {e}")))?;
    if config != snos.config_hash {
        return invalid(format!(
            "the virtual OS config hash is {config:#x}, the proof says {:#x}",
            snos.config_hash
        ));
    }
    Ok(Ok(()))
}

/// The config hash a proof of the virtual OS names on this chain: over the chain id and the
/// STRK token, by the hash the block's version uses.
pub(crate) fn virtual_os_config_hash(context: &BlockContext) -> Result<Felt, String> {
    OsChainInfo {
        chain_id: context.chain_id.clone(),
        strk_fee_token_address: context.fee_token,
    }
    .compute_virtual_os_config_hash(context.starknet_version)
    .map_err(|e| e.to_string())
}
